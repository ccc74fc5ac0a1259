// The proactive split of a hash range (hdag::split_range): the range ends up
// in at least the asked number of parts, each a list inside it, and every
// entry stays where it was found.
#include <doctest/doctest.h>

#include <map>
#include <string>

#include "model/namespace/hdag.hpp"
#include "model/namespace/name.hpp"

using namespace ds;

namespace {

/// The lists covering [lo, hi], in hash order.
std::vector<const dag_node*> lists_in(const hdag& d, uint64_t lo,
                                      uint64_t hi) {
  std::vector<const dag_node*> out;
  for (uint64_t h = lo;;) {
    auto n = d.node(d.list_for(h));
    out.push_back(n);
    if (n->hi >= hi)
      return out;
    h = n->hi + 1;
  }
}

hdag filled(size_t n) {
  hdag d;
  hdag_changes ch;
  for (size_t i = 0; i < n; ++i) {
    entry e;
    e.name = "f" + std::to_string(i);
    e.hash = name_hash(e.name);
    e.a.ino = i + 1;
    REQUIRE(d.insert(e, ch) == errc::ok);
  }
  return d;
}

} // namespace

TEST_CASE("a whole directory split into 8 parts has 8 lists of an eighth") {
  auto d = filled(300); // below one list's capacity: no split yet
  REQUIRE(lists_in(d, 0, ~0ull).size() == 1);
  hdag_changes ch;
  REQUIRE(d.split_range(0, ~0ull, 8, ch) == errc::ok);
  auto ls = lists_in(d, 0, ~0ull);
  REQUIRE(ls.size() == 8);
  for (size_t i = 0; i < 8; ++i) {
    CHECK(ls[i]->lo == (uint64_t(i) << 61));
    CHECK(ls[i]->hi - ls[i]->lo == (~0ull >> 3));
  }
  CHECK(ch.splits == 7);
  CHECK(d.check() == "");
  CHECK(d.size() == 300);
  for (size_t i = 0; i < 300; ++i) {
    auto name = "f" + std::to_string(i);
    CHECK(d.find(name, name_hash(name)) != nullptr);
  }
  // Asking again changes nothing.
  hdag_changes again;
  CHECK(d.split_range(0, ~0ull, 8, again) == errc::ok);
  CHECK(again.splits == 0);
  CHECK(again.touched_nodes.empty());
}

TEST_CASE("a quarter split in two leaves the rest of the directory alone") {
  auto d = filled(50);
  hdag_changes ch;
  uint64_t lo = 1ull << 62, hi = (2ull << 62) - 1; // the second quarter
  REQUIRE(d.split_range(lo, hi, 2, ch) == errc::ok);
  auto ls = lists_in(d, lo, hi);
  REQUIRE(ls.size() == 2);
  CHECK(ls[0]->lo == lo);
  CHECK(ls[1]->hi == hi);
  CHECK(ls[0]->hi + 1 == ls[1]->lo);
  // Outside it, no list is narrower than a quarter.
  for (auto n : lists_in(d, 0, ~0ull))
    if (n->hi < lo || n->lo > hi)
      CHECK(n->hi - n->lo >= (~0ull >> 2));
  CHECK(d.check() == "");
}

TEST_CASE("a range split refuses unaligned ranges and bad counts") {
  auto d = filled(10);
  hdag_changes ch;
  CHECK(d.split_range(0, 100, 2, ch) == errc::einval);  // not aligned
  CHECK(d.split_range(0, ~0ull, 3, ch) == errc::einval); // not a power of 2
  CHECK(d.split_range(0, ~0ull, 0, ch) == errc::einval);
  CHECK(d.split_range(8, 11, 8, ch) == errc::einval); // 4 hashes, 8 parts
  CHECK(ch.touched_nodes.empty());
  CHECK(lists_in(d, 0, ~0ull).size() == 1);
}
