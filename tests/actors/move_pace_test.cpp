// A paced copy (the node setting move-copy-rate): the driver spaces the
// copy's chunks so that a chunk of n entries starts no sooner than n / rate
// after the one before it, in chunks of a 25 ms share of the rate; unpaced,
// the chunks follow each other at once.
#include "tests/actors/dir_fixture.hpp"
#include "tests/actors/step_proxy.hpp"

#include <memory>
#include <vector>

using namespace ds;
using namespace ds::test;

namespace {

const hash_range upper{uint64_t{1} << 63, ~uint64_t{0}};

/// What the spy saw of the copy: when each chunk was asked for, and its
/// most entries.
struct chunk_seen {
  caf::actor_clock::time_point at;
  uint32_t max = 0;
  bool first = false;
};

struct pace_fixture : dir_fixture {
  std::shared_ptr<std::vector<chunk_seen>> seen =
      std::make_shared<std::vector<chunk_seen>>();

  /// A router copying at most `rate` entries a second (0: unpaced) that
  /// reaches the home shard through copy_spy.
  router_actor driver(uint64_t rate) {
    auto view = shards;
    auto spy = [seen = seen](shard_actor::pointer self, part_request& req)
        -> std::optional<caf::result<part_reply>> {
      if (auto c = std::get_if<part_copy>(&req))
        seen->push_back(chunk_seen{self->clock().now(), c->max, c->first});
      return std::nullopt;
    };
    view[home] = sys.spawn(step_proxy, shards[home], step_hook{spy});
    extras.push_back(caf::actor_cast<caf::actor>(view[home]));
    cluster_map cluster;
    REQUIRE(cluster_map::make({"test", "127.0.0.1", 1}, {}, 4, cluster) == "");
    auto r = sys.spawn(router_with_history, cluster, view, metadata,
                       caf::timespan{std::chrono::seconds(1)}, caf::timespan{0},
                       size_t{256}, migration_history{}, rate);
    extras.push_back(caf::actor_cast<caf::actor>(r));
    sched.run();
    return r;
  }
};

} // namespace

TEST_CASE_FIXTURE(pace_fixture,
                  "a paced copy asks for chunks of a 25 ms share of its rate, "
                  "no sooner than the rate allows, and the move commits") {
  make_dir(400);
  auto to = (home + 1) % 4;
  // 1,600 entries/s: 40 per 25 ms, raised to the least chunk of 64, so a
  // chunk may start 40 ms after the one before.
  auto m = move_via(driver(1600), upper, to);
  REQUIRE(m.code == errc::ok);
  auto part = files_in(upper, 400);
  REQUIRE(seen->size() >= (part + 63) / 64);
  CHECK(seen->front().first);
  for (size_t i = 0; i < seen->size(); ++i) {
    CAPTURE(i);
    CHECK((*seen)[i].max == 64);
    if (i > 0)
      CHECK((*seen)[i].at - (*seen)[i - 1].at >= std::chrono::milliseconds(40));
  }
  CHECK(cores[to]->entries_in(dir, upper) == part);
  CHECK(list_all().size() == 400);
  CHECK(path(path_op::create, "/hot/after").code == errc::ok);
}

TEST_CASE_FIXTURE(pace_fixture,
                  "an unpaced copy asks for its chunks back to back") {
  make_dir(400);
  auto to = (home + 1) % 4;
  auto m = move_via(driver(0), upper, to);
  REQUIRE(m.code == errc::ok);
  REQUIRE(seen->size() == 1); // the whole part fits one chunk of 4096
  CHECK(seen->front().max == 4096);
  CHECK(cores[to]->entries_in(dir, upper) == files_in(upper, 400));
  CHECK(list_all().size() == 400);
}
