// Requests to a part that is changing hands wait at the shard for the step
// that settles it (or a short while), instead of bouncing off with
// EWRONGSHARD and coming back after pauses and placement reads.
#include "tests/actors/fixture.hpp"

#include "model/namespace/name.hpp"

using namespace ds;
using namespace ds::test;

namespace {

const inode_id dir = 77;
const hash_range upper{uint64_t{1} << 63, ~uint64_t{0}};

/// The first name "<prefix><i>" whose hash lies in the upper half (or not).
std::string name_in(bool in_upper, const std::string& prefix) {
  for (int i = 0;; ++i) {
    auto n = prefix + std::to_string(i);
    if (upper.contains(name_hash(n)) == in_upper)
      return n;
  }
}

struct two_shards : node_fixture {
  two_shards() : node_fixture(2) {}

  part_reply step(uint32_t s, part_request req) {
    part_reply out;
    auto rh = self->request(shards[s], caf::infinite, part_atom::value,
                            std::move(req));
    sched.run();
    rh.receive([&](part_reply& r) { out = std::move(r); },
               [&](caf::error& e) { FAIL("step failed: " << sys.render(e)); });
    return out;
  }

  /// Shard 0 holds `dir` with one name in each half; its upper half is
  /// copied and frozen for migration `id`.
  void freeze_upper(uint64_t id) {
    auto reps = batch(shards[0], {make_request(ns_op::create, dir, hi_old),
                                  make_request(ns_op::create, dir, lo_old)});
    REQUIRE(reps.size() == 2);
    REQUIRE(reps[0].code == errc::ok);
    part_ref part{dir, upper, id};
    auto c = step(0, part_copy{part, true, 0, {}, 100});
    REQUIRE(c.code == errc::ok);
    REQUIRE(c.entries.size() == 1);
    REQUIRE(step(0, part_freeze{part}).code == errc::ok);
  }

  /// Receives one batch answer if there is one.
  bool answered(std::vector<ns_reply>& out) {
    if (self->mailbox().empty())
      return false;
    self->receive([&](std::vector<ns_reply>& r) { out = std::move(r); });
    return true;
  }

  std::string hi_old = name_in(true, "old");
  std::string lo_old = name_in(false, "old");
  std::string hi_new = name_in(true, "new");
  std::string lo_new = name_in(false, "new");
};

} // namespace

TEST_CASE_FIXTURE(two_shards, "a write to a frozen part waits for the release "
                              "and is told where the part went") {
  freeze_upper(5);
  self->send(shards[0], ns_atom::value,
             std::vector<ns_request>{make_request(ns_op::create, dir, hi_new)});
  sched.run();
  std::vector<ns_reply> r;
  CHECK_FALSE(answered(r)); // held, not refused
  // Reads of the part and writes elsewhere go on meanwhile.
  auto reads = batch(shards[0], {make_request(ns_op::lookup, dir, hi_old),
                                 make_request(ns_op::create, dir, lo_new)});
  REQUIRE(reads.size() == 2);
  CHECK(reads[0].code == errc::ok);
  CHECK(reads[1].code == errc::ok);
  CHECK_FALSE(answered(r));
  // The release answers it: the part is at shard 1 from epoch 3.
  REQUIRE(step(0, part_release{{dir, upper, 5}, 1, 3}).code == errc::ok);
  REQUIRE(answered(r));
  REQUIRE(r.size() == 1);
  CHECK(r[0].code == errc::ewrongshard);
  part_redirect rd;
  REQUIRE(part_redirect::decode(r[0].cookie, rd));
  CHECK(rd.range == upper);
  CHECK(rd.shard == 1);
  CHECK(rd.epoch == 3);
  // Nothing of it was applied at the source.
  auto look = batch(shards[0], {make_request(ns_op::lookup, dir, hi_new)});
  CHECK(look[0].code == errc::ewrongshard);
}

TEST_CASE_FIXTURE(two_shards, "a write held at a frozen part is applied when "
                              "the move is called off") {
  freeze_upper(6);
  self->send(shards[0], ns_atom::value,
             std::vector<ns_request>{make_request(ns_op::create, dir, hi_new),
                                     make_request(ns_op::lookup, dir, lo_old)});
  sched.run();
  std::vector<ns_reply> r;
  CHECK_FALSE(answered(r)); // one held request holds its batch
  REQUIRE(step(0, part_thaw{{dir, upper, 6}}).code == errc::ok);
  REQUIRE(answered(r));
  REQUIRE(r.size() == 2);
  CHECK(r[0].code == errc::ok);
  CHECK(r[1].code == errc::ok);
  // Acknowledged only once durable.
  CHECK(stores[0]->load().entries.size() == 3);
  auto look = batch(shards[0], {make_request(ns_op::lookup, dir, hi_new)});
  CHECK(look[0].code == errc::ok);
}

TEST_CASE_FIXTURE(two_shards, "a held write is refused as before once the "
                              "park limit passes") {
  freeze_upper(7);
  self->send(shards[0], ns_atom::value,
             std::vector<ns_request>{make_request(ns_op::create, dir, hi_new)});
  sched.run();
  std::vector<ns_reply> r;
  advance_time(std::chrono::milliseconds(499));
  sched.run();
  CHECK_FALSE(answered(r));
  advance_time(std::chrono::milliseconds(1));
  sched.run();
  REQUIRE(answered(r));
  REQUIRE(r.size() == 1);
  CHECK(r[0].code == errc::ewrongshard);
  CHECK(r[0].cookie.empty()); // not moved yet: nowhere to send it
}

TEST_CASE_FIXTURE(two_shards, "requests to a received part wait for its "
                              "activation") {
  part_ref part{dir, upper, 8};
  std::vector<entry> es;
  entry e;
  e.name = hi_old;
  e.hash = name_hash(hi_old);
  es.push_back(e);
  REQUIRE(step(1, part_import{part, es}).code == errc::ok);
  self->send(shards[1], ns_atom::value,
             std::vector<ns_request>{make_request(ns_op::lookup, dir, hi_old),
                                     make_request(ns_op::create, dir, hi_new)});
  sched.run();
  std::vector<ns_reply> r;
  CHECK_FALSE(answered(r));
  REQUIRE(step(1, part_activate{part, 4}).code == errc::ok);
  REQUIRE(answered(r));
  REQUIRE(r.size() == 2);
  CHECK(r[0].code == errc::ok);
  CHECK(r[1].code == errc::ok);
}

TEST_CASE_FIXTURE(two_shards, "a guest that gave a part away names where it "
                              "went") {
  part_ref in{dir, upper, 9};
  REQUIRE(step(1, part_import{in, {}}).code == errc::ok);
  REQUIRE(step(1, part_activate{in, 4}).code == errc::ok);
  part_ref out{dir, upper, 10};
  REQUIRE(step(1, part_copy{out, true, 0, {}, 100}).code == errc::ok);
  REQUIRE(step(1, part_freeze{out}).code == errc::ok);
  REQUIRE(step(1, part_release{out, 0, 11}).code == errc::ok);
  auto r = batch(shards[1], {make_request(ns_op::lookup, dir, hi_old)});
  REQUIRE(r.size() == 1);
  CHECK(r[0].code == errc::ewrongshard);
  part_redirect rd;
  REQUIRE(part_redirect::decode(r[0].cookie, rd));
  CHECK(rd.shard == 0);
  CHECK(rd.epoch == 11);
}
