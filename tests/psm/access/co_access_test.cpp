// The forecaster's book of co-access links: counts per slot, rates over a
// window, bounded retention.
#include "psm/access/co_access.hpp"

#include <doctest/doctest.h>

using namespace ds;
using access::co_access_book;
using access::series_key;

TEST_CASE("a part's links are rates over the window, per child") {
  co_access_book b(10);
  auto p = series_key::range("7", 0, ~uint64_t{0});
  b.add(p, 42, 100, 30);
  b.add(p, 42, 101, 10);
  b.add(p, 43, 101, 4);
  b.add(series_key::range("8", 0, ~uint64_t{0}), 42, 101, 99);
  // Two slots of 2 s: 40 lookups of 42 and 4 of 43 over 4 s.
  auto l = b.leads(p, 101, 2, 2.0);
  REQUIRE(l.size() == 2);
  CHECK(l[0].first == 42);
  CHECK(l[0].second == doctest::Approx(10.0));
  CHECK(l[1].first == 43);
  CHECK(l[1].second == doctest::Approx(1.0));
  // A window of the last slot only: slot 100 is out of it.
  l = b.leads(p, 101, 1, 2.0);
  REQUIRE(l.size() == 2);
  CHECK(l[0].second == doctest::Approx(5.0));
  // Nothing for an unknown part, a file (child 0) or an empty window.
  CHECK(b.leads(series_key::range("9", 0, 1), 101, 2, 1).empty());
  b.add(p, 0, 101, 5);
  CHECK(b.size() == 3);
  CHECK(b.leads(p, 101, 0, 1).empty());
}

TEST_CASE("links older than the retention are dropped") {
  co_access_book b(3);
  auto p = series_key::range("7", 0, ~uint64_t{0});
  b.add(p, 42, 10, 1);
  b.add(p, 43, 11, 1);
  CHECK(b.size() == 2);
  b.add(p, 43, 13, 1); // keeps slots 11 to 13
  CHECK(b.size() == 1);
  CHECK(b.leads(p, 13, 100, 1).size() == 1);
  b.add(p, 42, 9, 5); // too old to keep
  CHECK(b.size() == 1);
  b.add(p, 43, 20, 1); // slot 11 and 13 go; 20 stays
  auto l = b.leads(p, 20, 100, 1);
  REQUIRE(l.size() == 1);
  CHECK(l[0].second == doctest::Approx(0.01));
}
