// Slot-bucketed access counters: op kinds apart, rolling, batches.
#include "psm/access/counters.hpp"

#include <doctest/doctest.h>

using ds::access::access_counters;
using ds::access::op;

TEST_CASE("counters keep op kinds apart and roll slots") {
  access_counters c(3);
  CHECK(c.record(10, "/a", 1, op::lookup));
  CHECK(c.record(10, "/a", 1, op::create, 2));
  CHECK(c.record(10, "/a", 2, op::readdir));
  CHECK(c.record(12, "/a", 1, op::remove));
  CHECK(c.series("/a", op::lookup) == std::vector<double>{1, 0, 0});
  CHECK(c.series("/a", op::create) == std::vector<double>{2, 0, 0});
  CHECK(c.series("/a", op::remove) == std::vector<double>{0, 0, 1});
  CHECK(c.series_total("/a") == std::vector<double>{4, 0, 1});
  CHECK(c.batch(10).nodes.at({"/a", 1})[op::create] == 2);
  CHECK(c.record(13, "/b", 5, op::lookup));
  CHECK(c.first_slot() == 11);
  CHECK_FALSE(c.record(10, "/a", 1, op::lookup));
  CHECK(c.series("/a", op::remove) == std::vector<double>{0, 1, 0});
  CHECK(c.record(100, "/b", 5, op::lookup));
  CHECK(c.first_slot() == 98);
  CHECK(c.series("/b", op::lookup) == std::vector<double>{0, 0, 1});
}

TEST_CASE("batches from shards merge into one slot") {
  access_counters s1(2), s2(2), psm(4);
  s1.record(7, "/d", 3, op::lookup, 5);
  s2.record(7, "/d", 3, op::lookup, 2);
  s2.record(7, "/e", 4, op::create);
  CHECK(psm.add(s1.batch(7)));
  CHECK(psm.add(s2.batch(7)));
  auto b = psm.batch(7);
  CHECK(b.dirs.at("/d")[op::lookup] == 7);
  CHECK(b.nodes.at({"/e", 4})[op::create] == 1);
  CHECK(b.dirs.size() == 2);
}
