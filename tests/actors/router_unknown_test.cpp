// A replica of a shard group that answers EUNAVAILABLE (the proposal that
// held the request is unanswered in time: its outcome unknown) is asked
// again until the router's deadline, as an unanswered request is; the
// router answers EUNAVAILABLE only after that, counted by cause.
#include "tests/actors/dir_fixture.hpp"

#include "model/meta/placement.hpp"

using namespace ds;
using namespace ds::test;

namespace {

struct unsure_state {
  int left = 0; ///< answers still EUNAVAILABLE (-1: every one)
};

/// A shard replica whose first `times` batches are answered EUNAVAILABLE
/// (every batch with times < 0); later ones ENOENT, as a leader that does
/// not hold the name.
shard_actor::behavior_type
unsure(shard_actor::stateful_pointer<unsure_state> self, int times) {
  self->state.left = times;
  return {
      [=](ns_atom, std::vector<ns_request>& reqs) {
        auto code = errc::enoent;
        if (self->state.left != 0) {
          code = errc::eunavailable;
          if (self->state.left > 0)
            --self->state.left;
        }
        ns_reply r;
        r.code = code;
        return std::vector<ns_reply>(reqs.size(), r);
      },
      [](shards_atom) { return shard_info{}; },
      [](part_atom, part_request&) { return part_reply{}; },
      [](psm_tick_atom, uint64_t) {},
      [](capacity_atom) {},
      [](park_atom) {},
      [](psm_import_atom, std::vector<psm_access>&) {
        return psm_import_result{};
      },
  };
}

struct unsure_fixture : dir_fixture {
  shard_actor replica;
  router_actor r;

  /// A router of member n1 in a cluster of three with R = 3, whose view of
  /// the group of shard 0 (led by n1) is `unsure(times)`.
  void start(int times) {
    replica = sys.spawn(unsure, times);
    cluster_map cluster;
    REQUIRE(cluster_map::make({"n1", "127.0.0.1", 1},
                              {{"n2", "127.0.0.1", 2}, {"n3", "127.0.0.1", 3}},
                              1, cluster, 3) == "");
    r = sys.spawn(router_behavior, cluster, std::vector<shard_actor>{replica},
                  metadata, caf::timespan{std::chrono::seconds(1)},
                  caf::timespan{0}, size_t{256});
    sched.run();
  }

  ~unsure_fixture() {
    caf::anon_send_exit(r, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(replica, caf::exit_reason::user_shutdown);
    sched.run();
  }

  /// A directory homed on shard 0.
  static inode_id dir_at_0() {
    hash_ring ring{3};
    inode_id d = 1000;
    while (ring.home(d) != 0)
      ++d;
    return d;
  }

  std::vector<ns_reply> lookup() {
    std::vector<ns_reply> out;
    auto rh = self->request(
        r, caf::infinite, ns_atom::value,
        std::vector<ns_request>{make_request(ns_op::lookup, dir_at_0(), "x")});
    run_all();
    rh.receive([&](std::vector<ns_reply>& reps) { out = reps; },
               [&](caf::error& e) { FAIL(sys.render(e)); });
    return out;
  }
};

} // namespace

TEST_CASE_FIXTURE(unsure_fixture,
                  "a replica's EUNAVAILABLE is asked again, not passed on") {
  start(2);
  auto reps = lookup();
  REQUIRE(reps.size() == 1);
  CHECK(reps[0].code == errc::enoent);
  auto s = stats_of(r);
  CHECK(s.outcome_unknown == 2);
  CHECK(s.gave_up_unknown == 0);
}

TEST_CASE_FIXTURE(unsure_fixture,
                  "an outcome unknown past the deadline is answered "
                  "EUNAVAILABLE, counted as such") {
  start(-1);
  auto reps = lookup();
  REQUIRE(reps.size() == 1);
  CHECK(reps[0].code == errc::eunavailable);
  auto s = stats_of(r);
  CHECK(s.outcome_unknown > 2);
  CHECK(s.gave_up_unknown == 1);
  CHECK(s.gave_up_no_leader == 0);
}
