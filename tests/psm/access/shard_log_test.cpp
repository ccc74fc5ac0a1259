// A shard's access log: each served request on the part that served it.
#include "psm/access/import.hpp"

#include <doctest/doctest.h>

#include "model/namespace/name.hpp"

using namespace ds;
using access::op;

namespace {

struct fixture {
  ns_shard s{0, small()};
  access::shard_log log{4, 1}; // every name seen: exact counts
  bool wait = false;

  static ns_shard_config small() {
    ns_shard_config c;
    c.dag.list_capacity = 8; // a few names split the root list
    return c;
  }
  ns_reply run(ns_shard& core, const ns_request& r) {
    auto rep = core.apply(r, 1000, wait);
    log.record(core, r, rep);
    return rep;
  }
  ns_reply run(const ns_request& r) { return run(s, r); }
};

const access::part_slot* find(const access::slot_counts& c, inode_id dir,
                              hash_range r) {
  for (auto& p : c.parts)
    if (p.part.dir == dir && p.part.lo == r.lo && p.part.hi == r.hi)
      return &p;
  return nullptr;
}

} // namespace

TEST_CASE_FIXTURE(fixture, "each kind counts on the list that served it") {
  run(make_request(ns_op::create, 7, "a"));
  run(make_request(ns_op::mkdir, 7, "b"));
  run(make_request(ns_op::lookup, 7, "a"));
  run(make_request(ns_op::lookup, 7, "zz")); // ENOENT is load too
  run(make_request(ns_op::unlink, 7, "a"));
  run(make_request(ns_op::readdir, 7));
  run(make_request(ns_op::locate, 7, "b")); // placement, not load
  auto c = log.take(s);
  REQUIRE(c.parts.size() == 1); // one list: the root's
  auto& p = c.parts[0];
  CHECK(p.part.dir == 7);
  CHECK(p.part.lo == 0);
  CHECK(p.part.hi == ~uint64_t{0});
  CHECK(p.counts[op::create] == 2);
  CHECK(p.counts[op::lookup] == 2);
  CHECK(p.counts[op::remove] == 1);
  CHECK(p.counts[op::readdir] == 1);
  CHECK(p.entries == 1); // "b" is left
  REQUIRE(!c.top.empty());
  CHECK(c.top[0].name == "a"); // create, lookup, unlink
  CHECK(c.top[0].count == 3);
  CHECK(log.take(s).parts.empty()); // the next slot starts empty
}

TEST_CASE_FIXTURE(fixture, "after splits, names count on their own lists") {
  for (int i = 0; i < 40; ++i)
    run(make_request(ns_op::create, 7, "n" + std::to_string(i)));
  log.take(s);
  auto h = name_hash("n3");
  auto served = s.served_part(7, h);
  REQUIRE(served.hi - served.lo < ~uint64_t{0}); // the root list split
  run(make_request(ns_op::lookup, 7, "n3"));
  run(make_request(ns_op::lookup, 7, "n3"));
  auto c = log.take(s);
  REQUIRE(c.parts.size() == 1);
  CHECK(c.parts[0].part.lo == served.lo);
  CHECK(c.parts[0].part.hi == served.hi);
  CHECK(c.parts[0].counts[op::lookup] == 2);
  CHECK(c.parts[0].entries == s.entries_in(7, served));
  uint64_t all = 0;
  for (int i = 0; i < 40; ++i) {
    auto r = s.served_part(7, name_hash("n" + std::to_string(i)));
    if (r.contains(h))
      ++all;
  }
  CHECK(c.parts[0].entries == all);
}

TEST_CASE_FIXTURE(fixture, "a hot name that is a subdirectory links the "
                           "part holding it to that directory") {
  for (int i = 0; i < 40; ++i)
    run(make_request(ns_op::create, 7, "n" + std::to_string(i)));
  auto sub = run(make_request(ns_op::mkdir, 7, "sub"));
  REQUIRE(sub.code == errc::ok);
  log.take(s);
  for (int i = 0; i < 3; ++i)
    run(make_request(ns_op::lookup, 7, "sub"));
  run(make_request(ns_op::lookup, 7, "n5"));
  auto c = log.take(s);
  REQUIRE(c.top.size() == 2);
  CHECK(c.top[0].name == "sub");
  CHECK(c.top[0].child == sub.a.ino);
  auto held = s.served_part(7, name_hash("sub"));
  CHECK(held.hi - held.lo < ~uint64_t{0}); // a part of the split directory
  CHECK(c.top[0].lo == held.lo);
  CHECK(c.top[0].hi == held.hi);
  CHECK(c.top[1].name == "n5");
  CHECK(c.top[1].child == 0); // a file leads nowhere
}

TEST_CASE_FIXTURE(fixture, "a received part counts on its range, idle too") {
  ns_shard b{1, small()};
  for (int i = 0; i < 6; ++i)
    run(make_request(ns_op::create, 7, "n" + std::to_string(i)));
  hash_range upper{uint64_t{1} << 63, ~uint64_t{0}};
  REQUIRE(s.begin_export(7, upper, 5) == errc::ok);
  REQUIRE(b.import(7, upper, 5, s.part_entries(7, upper)) == errc::ok);
  REQUIRE(s.release(7, upper, 5, 1, 3) == errc::ok);
  REQUIRE(b.activate(7, upper, 5, 3) == errc::ok);
  auto moved = b.entries_in(7, upper);
  while (s.has_garbage()) // what the shard actor does after a release
    s.collect_garbage(1024);
  CHECK(s.entries_in(7, upper) == 0); // none left at home
  log.take(b);
  auto idle = log.take(b); // nothing served: still reported
  REQUIRE(idle.parts.size() == 1);
  CHECK(find(idle, 7, upper) != nullptr);
  CHECK(idle.parts[0].counts.total() == 0);
  CHECK(idle.parts[0].entries == moved);
  std::string in_upper;
  for (int i = 0; in_upper.empty(); ++i)
    if (upper.contains(name_hash("m" + std::to_string(i))))
      in_upper = "m" + std::to_string(i);
  run(b, make_request(ns_op::create, 7, in_upper));
  auto c = log.take(b);
  REQUIRE(c.parts.size() == 1);
  CHECK(c.parts[0].counts[op::create] == 1);
  CHECK(c.parts[0].entries == moved + 1);
  // The home shard refuses that name now: EWRONGSHARD is not counted.
  run(make_request(ns_op::lookup, 7, in_upper));
  CHECK(log.take(s).parts.empty());
}

TEST_CASE("a sampled sketch still finds the hottest names") {
  ns_shard s{0, {}};
  access::shard_log log{8, 16};
  bool wait = false;
  for (int i = 0; i < 50; ++i)
    s.apply(make_request(ns_op::create, 7, "n" + std::to_string(i)), 1, wait);
  // "n0" gets a third of 30,000 lookups, the rest spread over 49 names.
  for (int i = 0; i < 30000; ++i) {
    auto r = make_request(ns_op::lookup, 7,
                          "n" + std::to_string(i % 3 == 0 ? 0 : 1 + i % 49));
    log.record(s, r, s.apply(r, 1, wait));
  }
  auto c = log.take(s);
  REQUIRE(!c.top.empty());
  CHECK(c.top[0].name == "n0");
  // Its estimate is within a fifth of its 10,000 accesses.
  CHECK(c.top[0].count > 8000);
  CHECK(c.top[0].count < 12000);
  CHECK(c.parts[0].counts[op::lookup] == 30000); // the counts stay exact
}

TEST_CASE("imported events count per slot on the parts held now") {
  ns_shard s{0, fixture::small()};
  bool wait = false;
  for (int i = 0; i < 30; ++i)
    s.apply(make_request(ns_op::create, 7, "n" + std::to_string(i)), 1, wait);
  std::vector<access::access_event> xs = {{7, "n1", 0, 1'000},
                                          {7, "n1", 0, 1'999},
                                          {7, "n2", 1, 2'000},
                                          {7, "", 3, 2'500}};
  auto got = access::import_events(s, xs, 1.0);
  CHECK(got.counted == 4);
  CHECK(got.skipped == 0);
  REQUIRE(got.slots.size() == 2);
  CHECK(got.slots[0].first == 1);
  uint64_t lookups = 0;
  for (auto& p : got.slots[0].second.parts) {
    lookups += p.counts[op::lookup];
    CHECK(p.entries == s.entries_in(7, hash_range{p.part.lo, p.part.hi}));
  }
  CHECK(lookups == 2);
  CHECK(got.slots[1].first == 2);
  CHECK(got.slots[0].second.top[0].name == "n1");
  CHECK(access::check_event(xs[0]).empty());
  CHECK(access::check_event({7, "a", 3, 0}) == "a readdir names no entry");
  CHECK(access::check_event({0, "a", 0, 0}) == "no directory");
}

TEST_CASE_FIXTURE(fixture, "at home, a part moved out narrows the range "
                           "counted to the block the home still serves") {
  // The root list stays whole (6 names), so the home's list covers hashes
  // it no longer serves once the upper half is moved out: counting on that
  // list would report the whole directory as a part, overlapping the part
  // moved out, and the planner would plan on a part that no longer exists.
  ns_shard b{1, small()};
  std::vector<std::string> lower;
  for (int i = 0; i < 6; ++i) {
    auto n = "n" + std::to_string(i);
    run(make_request(ns_op::create, 7, n));
    if (name_hash(n) < (uint64_t{1} << 63))
      lower.push_back(n);
  }
  REQUIRE(!lower.empty());
  hash_range upper{uint64_t{1} << 63, ~uint64_t{0}};
  hash_range low{0, (uint64_t{1} << 63) - 1};
  REQUIRE(s.begin_export(7, upper, 5) == errc::ok);
  REQUIRE(b.import(7, upper, 5, s.part_entries(7, upper)) == errc::ok);
  REQUIRE(s.release(7, upper, 5, 1, 3) == errc::ok);
  log.take(s);
  run(make_request(ns_op::lookup, 7, lower[0]));
  auto c = log.take(s);
  REQUIRE(c.parts.size() == 1);
  CHECK(c.parts[0].part.lo == low.lo);
  CHECK(c.parts[0].part.hi == low.hi);
  CHECK(c.parts[0].counts[op::lookup] == 1);
  CHECK(c.parts[0].entries == lower.size());
}
