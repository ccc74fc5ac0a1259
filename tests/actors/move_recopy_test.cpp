// A move whose source loses its copy of the part (the source restarted, or
// its group's leader changed and the new leader holds no copy): the driver
// discards the destination's copy and copies again, a bounded number of
// times, instead of aborting the move.
#include "tests/actors/dir_fixture.hpp"
#include "tests/actors/step_proxy.hpp"

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "model/namespace/name.hpp"

using namespace ds;
using namespace ds::test;

namespace {

const hash_range upper{uint64_t{1} << 63, ~uint64_t{0}};

/// A hook for step_proxy: a source seen through a link that answers ENOENT,
/// `times` times, to a copy chunk after the first (`freeze` false) or to
/// the freeze (`freeze` true), as a source that lost its copy does. With
/// `apply`, the step reaches the real shard first and only its answer is
/// replaced (a freeze that committed before the leader changed).
step_hook copy_loser(shard_actor real, bool freeze, int times, bool apply) {
  auto left = std::make_shared<int>(times); // answers still to replace
  return [=](shard_actor::pointer self,
             part_request& req) -> std::optional<caf::result<part_reply>> {
    if (*left == 0)
      return std::nullopt;
    bool hit = freeze ? std::holds_alternative<part_freeze>(req)
                      : std::holds_alternative<part_copy>(req) &&
                            !std::get<part_copy>(req).first;
    if (!hit)
      return std::nullopt;
    --*left;
    part_reply gone;
    gone.code = errc::enoent;
    if (!apply)
      return caf::result<part_reply>{gone};
    auto rp = self->make_response_promise<part_reply>();
    self->request(real, caf::infinite, part_atom::value, std::move(req))
        .then([rp, gone](part_reply&) mutable { rp.deliver(gone); });
    return caf::result<part_reply>{rp};
  };
}

struct recopy_fixture : dir_fixture {
  /// A router that reaches the home shard through copy_loser.
  router_actor driver_via_loser(bool freeze, int times, bool apply) {
    auto view = shards;
    view[home] = sys.spawn(step_proxy, shards[home],
                           copy_loser(shards[home], freeze, times, apply));
    extras.push_back(caf::actor_cast<caf::actor>(view[home]));
    cluster_map cluster;
    REQUIRE(cluster_map::make({"test", "127.0.0.1", 1}, {}, 4, cluster) == "");
    auto r = sys.spawn(router_behavior, cluster, view, metadata,
                       caf::timespan{std::chrono::seconds(1)}, caf::timespan{0},
                       size_t{256});
    extras.push_back(caf::actor_cast<caf::actor>(r));
    sched.run();
    return r;
  }

  migration_record record(uint64_t id) {
    migration_record out;
    auto rh = self->request(metadata, caf::infinite, migrations_atom::value);
    run_all();
    rh.receive(
        [&](std::vector<migration_record>& log) {
          for (auto& m : log)
            if (m.id == id)
              out = m;
        },
        [&](caf::error& e) { FAIL(sys.render(e)); });
    return out;
  }
};

} // namespace

TEST_CASE_FIXTURE(recopy_fixture,
                  "a source that loses its copy mid-way is copied again and "
                  "the move commits") {
  make_dir(200);
  auto to = (home + 1) % 4;
  auto driver = driver_via_loser(false, 1, false);
  auto m =
      move_via(driver, upper, to, 10); // several chunks: the second is lost
  REQUIRE(m.code == errc::ok);
  CHECK(stats_of(driver).copy_restarts == 1);
  CHECK(record(m.migration).state == migration_record::committed);
  // Entries sent, counted as sent: the part once, and what went before the
  // loss once more.
  CHECK(m.entries > files_in(upper, 200));
  auto h = name_hash("f0");
  auto held = upper.contains(h) ? to : home;
  CHECK(cores[held]->dag(dir) != nullptr);
  CHECK(cores[to]->unresolved().empty());
  CHECK(cores[home]->unresolved().empty());
  CHECK(cores[to]->entries_in(dir, upper) == files_in(upper, 200));
  CHECK(list_all().size() == 200);
  CHECK(path(path_op::create, "/hot/after").code == errc::ok);
}

TEST_CASE_FIXTURE(recopy_fixture,
                  "a freeze that took effect but whose copy was lost: the part "
                  "stays frozen, is copied again whole, and the move commits") {
  make_dir(120);
  auto to = (home + 2) % 4;
  auto driver = driver_via_loser(true, 1, true);
  auto m = move_via(driver, upper, to, 16);
  REQUIRE(m.code == errc::ok);
  CHECK(stats_of(driver).copy_restarts == 1);
  CHECK(record(m.migration).state == migration_record::committed);
  CHECK(cores[to]->entries_in(dir, upper) == files_in(upper, 120));
  CHECK(cores[home]->entries_in(dir, upper) == 0); // given away, then dropped
  CHECK(list_all().size() == 120);
  for (int i = 0; i < 30; ++i)
    CHECK(path(path_op::create, "/hot/g" + std::to_string(i)).code == errc::ok);
  CHECK(list_all().size() == 150);
}

TEST_CASE_FIXTURE(recopy_fixture,
                  "a copy lost again and again is given up after three "
                  "restarts, and the move is undone") {
  make_dir(80);
  auto to = (home + 1) % 4;
  auto driver = driver_via_loser(true, 100, false);
  auto m = move_via(driver, upper, to, 10);
  CHECK(m.code == errc::enoent);
  CHECK(stats_of(driver).copy_restarts == 3);
  REQUIRE(m.migration != 0);
  CHECK(record(m.migration).state == migration_record::aborted);
  // Thawed at the source, discarded at the destination.
  CHECK(cores[home]->parts(dir) == nullptr);
  CHECK(cores[to]->unresolved().empty());
  CHECK(cores[to]->entries_in(dir, upper) == 0);
  CHECK(path(path_op::create, "/hot/after").code == errc::ok);
  CHECK(list_all().size() == 81);
}
