// `dagctl psm import` on the test coordinator: the gateway checks the
// accesses whole, the router sends each to the shard holding its name, the
// shard counts them per slot and reports to its node's forecaster; a part
// that moved behind the router's back still gets its accesses.
#include "tests/actors/caf_doctest.hpp"

#include "actors/gateway.hpp"
#include "actors/meta_replica.hpp"
#include "actors/psm/forecaster.hpp"
#include "actors/router/router.hpp"
#include "actors/shard.hpp"
#include "model/namespace/name.hpp"
#include "tests/actors/fixture.hpp"

using namespace ds;
using namespace ds::test;

namespace {

struct import_node : test_coordinator_fixture<ns_config> {
  std::shared_ptr<psm_history::history_store> store =
      psm_history::make_memory_history_store();
  psm_forecaster_actor forecaster;
  std::vector<shard_actor> shards;
  std::vector<caf::actor> all; ///< stopped at the end
  cluster_map cluster;
  metadata_actor md;
  router_actor router;
  gateway_actor gateway;

  import_node() {
    psm_forecaster_options fo;
    fo.period = std::chrono::hours(1);
    fo.slot_seconds = 10;
    forecaster = sys.spawn(psm_forecaster_behavior, store, fo);
    all.push_back(caf::actor_cast<caf::actor>(forecaster));
    for (uint32_t i = 0; i < 2; ++i) {
      auto c =
          sys.spawn(committer_behavior,
                    std::shared_ptr<shard_store>{make_memory_shard_store()});
      shard_psm_options o;
      o.forecaster = forecaster;
      o.slot_seconds = 10;
      o.unix_seconds = [] { return 5000.0; };
      shards.push_back(sys.spawn(
          metered_shard_behavior,
          std::make_shared<ns_shard>(i, ns_shard_config{}), c,
          std::make_shared<shard_meters>(), o, shard_capacity_options{}));
      all.push_back(caf::actor_cast<caf::actor>(c));
      all.push_back(caf::actor_cast<caf::actor>(shards.back()));
    }
    REQUIRE(cluster_map::make({"test", "127.0.0.1", 1}, {}, 2, cluster) == "");
    md = sys.spawn(meta_replica_behavior,
                   std::shared_ptr<raft_store>{make_memory_raft_store()},
                   meta_replica_options{});
    router = sys.spawn(router_behavior, cluster, shards, md,
                       caf::timespan{std::chrono::seconds(1)}, caf::timespan{0},
                       size_t{16});
    gateway = sys.spawn(gateway_behavior, router, peers_actor{}, cluster,
                        shards, md, std::string{"test"}, psm_planner_actor{},
                        forecaster, uint64_t{0});
    caf::anon_send(router, psm_fcaster_atom::value, forecaster);
    for (auto a :
         {caf::actor_cast<caf::actor>(md), caf::actor_cast<caf::actor>(router),
          caf::actor_cast<caf::actor>(gateway)})
      all.push_back(a);
    sched.run();
  }

  ~import_node() {
    for (auto& a : all)
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    sched.run();
  }

  caf::expected<psm_import_result> import(std::vector<psm_access> xs) {
    caf::expected<psm_import_result> out = psm_import_result{};
    auto rh = self->request(gateway, caf::infinite, psm_import_atom::value,
                            std::move(xs));
    sched.run();
    rh.receive([&](psm_import_result& r) { out = r; },
               [&](caf::error& e) { out = std::move(e); });
    return out;
  }

  uint64_t total(const access::series_key& k) {
    uint64_t n = 0;
    for (auto& p : store->read(k))
      n += p.counts.total();
    return n;
  }
};

psm_access at(uint64_t dir, std::string name, access::op o, int64_t ms) {
  return psm_access{dir, std::move(name), static_cast<uint8_t>(o), ms};
}

} // namespace

TEST_CASE_FIXTURE(import_node, "imported accesses land in their slots") {
  auto r = import({at(7, "a", access::op::lookup, 100'000),
                   at(7, "a", access::op::lookup, 105'000),
                   at(7, "b", access::op::create, 112'000),
                   at(8, "c", access::op::remove, 112'500),
                   at(8, "", access::op::readdir, 131'000)});
  REQUIRE(r);
  CHECK(r->imported == 5);
  CHECK(r->skipped == 0);
  CHECK(r->reports >= 3); // slots 10, 11 and 13, on one or two shards
  auto d7 = store->read(access::series_key::directory("7"));
  REQUIRE(d7.size() == 2);
  CHECK(d7[0].slot == 10);
  CHECK(d7[0].counts[access::op::lookup] == 2);
  CHECK(d7[1].slot == 11);
  CHECK(d7[1].counts[access::op::create] == 1);
  auto d8 = store->read(access::series_key::directory("8"));
  REQUIRE(d8.size() == 2);
  CHECK(d8[0].counts[access::op::remove] == 1);
  CHECK(d8[1].slot == 13);
  CHECK(d8[1].counts[access::op::readdir] == 1);
  // The whole directory lives at home: one part, the whole range.
  CHECK(total(access::series_key::range("7", 0, ~uint64_t{0})) == 3);
}

TEST_CASE_FIXTURE(import_node, "a malformed import is refused whole") {
  auto bad = import({at(7, "a", access::op::lookup, 100'000),
                     at(7, "x/y", access::op::lookup, 100'000)});
  REQUIRE_FALSE(bad);
  CHECK(bad.error() == caf::sec::invalid_argument);
  CHECK(sys.render(bad.error()).find("access 1: bad name") !=
        std::string::npos);
  CHECK_FALSE(import({at(0, "a", access::op::lookup, 1)}));
  CHECK_FALSE(import({at(7, "a", access::op::lookup, -5)}));
  CHECK_FALSE(import({psm_access{7, "a", 9, 1}}));
  CHECK_FALSE(import({at(7, "a", access::op::readdir, 1)}));
  CHECK(store->rows() == 0); // nothing stored
}

TEST_CASE_FIXTURE(import_node, "a directory's history by its path") {
  path_request mk;
  mk.op = path_op::mkdir;
  mk.path = "/p";
  auto rh = self->request(gateway, caf::infinite, path_atom::value, mk);
  sched.run();
  inode_id ino = 0;
  rh.receive([&](ns_reply& r) { ino = r.a.ino; },
             [&](caf::error& e) { FAIL(sys.render(e)); });
  REQUIRE(ino != 0);
  REQUIRE(import({at(ino, "a", access::op::lookup, 100'000),
                  at(ino, "b", access::op::lookup, 120'000)}));
  psm_series_view v;
  auto fh = self->request(gateway, caf::infinite, psm_series_atom::value, "/p");
  sched.run();
  fh.receive([&](psm_series_view& x) { v = std::move(x); },
             [&](caf::error& e) { FAIL(sys.render(e)); });
  CHECK(v.key.dir == std::to_string(ino));
  CHECK(v.slot_seconds == 10);
  CHECK(v.slots == std::vector<uint64_t>{10, 12});
  CHECK(v.totals == std::vector<uint64_t>{1, 1});
  // A path that is no directory is refused.
  auto bad =
      self->request(gateway, caf::infinite, psm_series_atom::value, "/nope");
  sched.run();
  bool refused = false;
  bad.receive([](psm_series_view&) {},
              [&](caf::error& e) {
                refused = sys.render(e).find("ENOENT") != std::string::npos;
              });
  CHECK(refused);
}

TEST_CASE_FIXTURE(import_node,
                  "an import through a router started after a move reaches "
                  "the part where it is now") {
  path_request mk;
  mk.op = path_op::mkdir;
  mk.path = "/m";
  auto rh = self->request(gateway, caf::infinite, path_atom::value, mk);
  sched.run();
  inode_id ino = 0;
  rh.receive([&](ns_reply& r) { ino = r.a.ino; },
             [&](caf::error& e) { FAIL(sys.render(e)); });
  REQUIRE(ino != 0);
  // The upper half moves away from the home shard.
  uint32_t home = hash_ring{2}.home(ino);
  hash_range upper{uint64_t{1} << 63, ~uint64_t{0}};
  auto mh = self->request(router, caf::infinite, move_atom::value,
                          move_request{ino, upper, 1 - home});
  sched.run();
  mh.receive([](meta_result& r) { REQUIRE(r.code == errc::ok); },
             [&](caf::error& e) { FAIL(sys.render(e)); });
  // A node restarted since: its router's cache knows no placement.
  auto router2 = sys.spawn(router_behavior, cluster, shards, md,
                           caf::timespan{std::chrono::seconds(1)},
                           caf::timespan{0}, size_t{16});
  auto gateway2 = sys.spawn(gateway_behavior, router2, peers_actor{}, cluster,
                            shards, md, std::string{"test"},
                            psm_planner_actor{}, forecaster, uint64_t{0});
  all.push_back(caf::actor_cast<caf::actor>(router2));
  all.push_back(caf::actor_cast<caf::actor>(gateway2));
  sched.run();
  std::vector<psm_access> xs;
  for (int i = 0; xs.size() < 5; ++i) {
    auto name = "n" + std::to_string(i);
    if (upper.contains(name_hash(name)))
      xs.push_back(at(ino, name, access::op::lookup, 100'000));
  }
  auto ih = self->request(gateway2, caf::infinite, psm_import_atom::value, xs);
  sched.run();
  psm_import_result r;
  ih.receive([&](psm_import_result& x) { r = x; },
             [&](caf::error& e) { FAIL(sys.render(e)); });
  CHECK(r.imported == 5);
  CHECK(r.skipped == 0);
  CHECK(total(access::series_key::range(std::to_string(ino), upper.lo,
                                        upper.hi)) == 5);
}
