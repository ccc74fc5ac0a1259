// A paced copy (the node setting move-copy-rate): the driver spaces the
// copy's chunks so that a chunk of n entries starts no sooner than n / rate
// after the one before it, in chunks of a 25 ms share of the rate; unpaced,
// the chunks follow each other at once.
#include "tests/actors/dir_fixture.hpp"

#include <memory>
#include <vector>

#include "model/namespace/name.hpp"

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

/// A source seen through a link that notes every copy chunk asked of it and
/// passes everything on.
shard_actor::behavior_type
copy_spy(shard_actor::pointer self, shard_actor real,
         std::shared_ptr<std::vector<chunk_seen>> seen) {
  return {
      [=](ns_atom a, std::vector<ns_request>& reqs) {
        return self->delegate(real, a, std::move(reqs));
      },
      [=](shards_atom a) { return self->delegate(real, a); },
      [=](part_atom a, part_request& req) {
        if (auto c = std::get_if<part_copy>(&req))
          seen->push_back(chunk_seen{self->clock().now(), c->max, c->first});
        return self->delegate(real, a, std::move(req));
      },
      [=](psm_tick_atom a, uint64_t slot) { self->send(real, a, slot); },
      [](capacity_atom) {},
      [](park_atom) {},
      [=](psm_import_atom a, std::vector<psm_access>& xs) {
        return self->delegate(real, a, std::move(xs));
      },
  };
}

struct pace_fixture : dir_fixture {
  std::vector<caf::actor> extras;
  std::shared_ptr<std::vector<chunk_seen>> seen =
      std::make_shared<std::vector<chunk_seen>>();

  ~pace_fixture() {
    for (auto& a : extras)
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    sched.run();
  }

  /// A router copying at most `rate` entries a second (0: unpaced) that
  /// reaches the home shard through copy_spy.
  router_actor driver(uint64_t rate) {
    auto view = shards;
    view[home] = sys.spawn(copy_spy, shards[home], seen);
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

  meta_result move(const router_actor& via, uint32_t to) {
    meta_result out;
    out.code = errc::eio;
    auto rh = self->request(via, caf::infinite, move_atom::value,
                            move_request{dir, upper, to, false, 0});
    run_all();
    rh.receive([&](meta_result& m) { out = m; },
               [&](caf::error& e) { FAIL(sys.render(e)); });
    return out;
  }

  static size_t files_in(int files) {
    size_t n = 0;
    for (int i = 0; i < files; ++i)
      n += upper.contains(name_hash("f" + std::to_string(i)));
    return n;
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
  auto m = move(driver(1600), to);
  REQUIRE(m.code == errc::ok);
  auto part = files_in(400);
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
  auto m = move(driver(0), to);
  REQUIRE(m.code == errc::ok);
  REQUIRE(seen->size() == 1); // the whole part fits one chunk of 4096
  CHECK(seen->front().max == 4096);
  CHECK(cores[to]->entries_in(dir, upper) == files_in(400));
  CHECK(list_all().size() == 400);
}
