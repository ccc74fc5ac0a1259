// Routers' directory-lookup caches under concurrent mkdir, rmdir, re-create
// and deep path operations through several routers, on CAF's test
// coordinator with a seeded random order of every actor's turn. Each path is
// a register (absent, or the inode of the directory there); the history of
// answers must be linearizable (tests/support/linearizability.hpp). The same
// run with shards whose ESTALE answers are hidden from the routers (a
// router that trusts its cached entries) must be caught.
// DAGSHARD_SEED=<n> replays one seed.
#include "tests/actors/fixture.hpp"

#include "tests/support/linearizability.hpp"

#include <cstdlib>
#include <random>

using namespace ds;
using namespace ds::test;

namespace {

/// The mutation: a shard in front of which a router's cached handles are
/// trusted, since its ESTALE answers arrive as ENOENT and the hint that a
/// handle came from a cache is lost.
shard_actor::behavior_type stale_blind(shard_actor::pointer self,
                                       shard_actor inner) {
  return {
      [=](ns_atom,
          std::vector<ns_request>& reqs) -> caf::result<std::vector<ns_reply>> {
        auto rp = self->make_response_promise<std::vector<ns_reply>>();
        for (auto& r : reqs)
          r.cached = false;
        self->request(inner, caf::infinite, ns_atom::value, std::move(reqs))
            .then(
                [rp](std::vector<ns_reply>& reps) mutable {
                  for (auto& rep : reps)
                    if (rep.code == errc::estale)
                      rep.code = errc::enoent;
                  rp.deliver(std::move(reps));
                },
                [rp](caf::error& e) mutable { rp.deliver(std::move(e)); });
        return rp;
      },
      [=](shards_atom a) -> caf::result<shard_info> {
        return self->delegate(inner, a);
      },
      [=](part_atom a, part_request& p) -> caf::result<part_reply> {
        return self->delegate(inner, a, std::move(p));
      },
      [](psm_tick_atom, uint64_t) {}, // the inner shard keeps its own slots
      [](capacity_atom) {}, [](park_atom) {},           // and its own capacity
      [=](psm_import_atom a, std::vector<psm_access>& xs)
          -> caf::result<psm_import_result> {
        return self->delegate(inner, a, std::move(xs));
      },
  };
}

struct history {
  std::vector<lin::op> ops;
  std::vector<bool> keep; ///< answers that say something of their path
  int64_t now = 0;
};

/// Records an answer as an operation on the register of its path.
void record(history& h, size_t i, path_op op, const ns_reply& rep) {
  auto& o = h.ops[i];
  o.ret = h.now;
  o.answered = true;
  auto ino = std::to_string(rep.a.ino);
  bool absent = rep.code == errc::enoent;
  h.keep[i] = true;
  if (op == path_op::stat && (rep.code == errc::ok || absent)) {
    o.kind = lin::op::read;
    o.result = absent ? "-" : ino;
  } else if (op == path_op::mkdir && rep.code == errc::ok) {
    o.kind = lin::op::cas; // absent -> the new directory
    o.expected = "-";
    o.value = ino;
  } else if (op == path_op::rmdir && rep.code == errc::ok) {
    o.kind = lin::op::cas; // that directory -> absent
    o.expected = ino;
    o.value = "-";
  } else if ((op == path_op::mkdir && rep.code == errc::eexist) ||
             (op == path_op::rmdir && rep.code == errc::enotempty)) {
    o.kind = lin::op::cas; // a failed cas: present, whatever its inode
    o.expected = "-";
    o.ok = false;
  } else if (absent) { // of itself or of an ancestor: absent too
    o.kind = lin::op::read;
    o.result = "-";
  } else {
    h.keep[i] = false; // EBUSY: another rmdir under way; nothing learnt
  }
}

caf::behavior client_behavior(caf::event_based_actor* self,
                              std::shared_ptr<history> h) {
  return {
      [=](router_actor r, path_request req, size_t i) {
        auto op = req.op;
        self->request(r, caf::infinite, path_atom::value, std::move(req))
            .then([=](ns_reply& rep) { record(*h, i, op, rep); },
                  [](caf::error&) {});
      },
  };
}

/// Three routers with caches over the fixture's shards (through the
/// mutation if `blind`).
struct routers_fixture : node_fixture {
  std::vector<router_actor> routers;
  std::vector<shard_actor> blinds;

  explicit routers_fixture(bool blind) {
    auto targets = shards;
    if (blind) {
      for (auto& s : shards)
        blinds.push_back(sys.spawn(stale_blind, s));
      targets = blinds;
    }
    cluster_map cluster;
    REQUIRE(cluster_map::make({"test", "127.0.0.1", 1}, {},
                              static_cast<uint32_t>(shards.size()),
                              cluster) == "");
    for (int i = 0; i < 3; ++i)
      routers.push_back(sys.spawn(router_behavior, cluster, targets, metadata,
                                  caf::timespan{std::chrono::seconds(1)},
                                  caf::timespan{0}, size_t{64}));
    sched.run();
  }
  ~routers_fixture() {
    for (auto& r : routers)
      caf::anon_send_exit(r, caf::exit_reason::user_shutdown);
    for (auto& b : blinds)
      caf::anon_send_exit(b, caf::exit_reason::user_shutdown);
    sched.run();
  }

  /// Runs every ready actor in a random order until none is left.
  void run_shuffled(std::mt19937_64& rng, history& h) {
    while (sched.has_job()) {
      auto k = rng() % sched.jobs.size();
      std::swap(sched.jobs[0], sched.jobs[k]);
      sched.run_once();
      ++h.now;
    }
  }

  router_stats stats_of(const router_actor& r) {
    router_stats out;
    auto rh = self->request(r, caf::infinite, router_stats_atom::value);
    sched.run();
    rh.receive([&](router_stats& s) { out = s; },
               [&](caf::error& e) { FAIL(sys.render(e)); });
    return out;
  }
};

/// Every path of 1 to 4 components named a or b.
std::vector<std::string> universe() {
  std::vector<std::string> out;
  std::vector<std::string> level{""};
  for (int depth = 1; depth <= 4; ++depth) {
    std::vector<std::string> next;
    for (auto& p : level)
      for (const char* n : {"/a", "/b"})
        next.push_back(p + n);
    out.insert(out.end(), next.begin(), next.end());
    level = std::move(next);
  }
  return out;
}

struct outcome {
  lin::verdict verdict;
  uint64_t stale = 0; ///< ESTALE detections over all routers
  uint64_t hits = 0;
};

outcome run_seed(uint64_t seed, bool blind) {
  routers_fixture f{blind};
  std::mt19937_64 rng{seed};
  auto h = std::make_shared<history>();
  auto client = f.sys.spawn(client_behavior, h);
  auto paths = universe();
  for (auto& p : paths) { // every register starts absent
    lin::op o;
    o.kind = lin::op::write;
    o.key = p;
    o.value = "-";
    o.call = -2;
    o.ret = -1;
    h->ops.push_back(o);
    h->keep.push_back(true);
  }
  auto submit = [&](path_op op, const std::string& p, size_t router) {
    lin::op o;
    o.key = p;
    o.call = h->now;
    o.answered = false;
    h->ops.push_back(o);
    h->keep.push_back(false);
    path_request req;
    req.op = op;
    req.path = p;
    f.self->send(client, f.routers[router], req, h->ops.size() - 1);
  };
  for (int round = 0; round < 60; ++round) {
    for (int k = 0; k < 6; ++k) {
      auto dice = rng() % 20;
      // Shallow paths more often: they are what deep paths hang from.
      auto range = rng() % 2 ? size_t{6} : paths.size();
      auto& p = paths[rng() % range];
      auto op = dice < 7    ? path_op::mkdir
                : dice < 12 ? path_op::rmdir
                            : path_op::stat;
      submit(op, p, rng() % f.routers.size());
    }
    f.run_shuffled(rng, *h);
  }
  outcome out;
  for (auto& r : f.routers) {
    auto s = f.stats_of(r);
    out.stale += s.dir_stale;
    out.hits += s.dir_hits;
  }
  std::vector<lin::op> kept;
  for (size_t i = 0; i < h->ops.size(); ++i) {
    CHECK(h->ops[i].answered); // no virtual time passes: nothing times out
    if (h->keep[i])
      kept.push_back(h->ops[i]);
  }
  out.verdict = lin::check(kept);
  caf::anon_send_exit(client, caf::exit_reason::user_shutdown);
  return out;
}

std::vector<uint64_t> seeds(uint64_t n) {
  if (const char* one = std::getenv("DAGSHARD_SEED"))
    return {std::strtoull(one, nullptr, 10)};
  std::vector<uint64_t> out;
  for (uint64_t s = 1; s <= n; ++s)
    out.push_back(s);
  return out;
}

} // namespace

TEST_CASE("routers with directory caches answer linearizably under "
          "concurrent mkdir, rmdir and re-create") {
  uint64_t stale = 0, hits = 0;
  for (auto seed : seeds(12)) {
    CAPTURE(seed);
    auto o = run_seed(seed, false);
    INFO("path " << o.verdict.key << ": " << o.verdict.detail);
    CHECK(o.verdict.linearizable);
    CHECK_FALSE(o.verdict.gave_up);
    stale += o.stale;
    hits += o.hits;
  }
  // The runs did rest on cached entries, and met stale ones.
  MESSAGE("cache hits " << hits << ", stale entries detected " << stale);
  CHECK(hits > 0);
  CHECK(stale > 0);
}

TEST_CASE("a router that trusts stale cache entries is caught") {
  int caught = 0;
  for (auto seed : seeds(12)) {
    auto o = run_seed(seed, true);
    CHECK_FALSE(o.verdict.gave_up);
    caught += !o.verdict.linearizable;
  }
  MESSAGE("histories found not linearizable: " << caught << " of "
                                               << seeds(12).size());
  CHECK(caught > 0);
}

TEST_CASE_FIXTURE(node_fixture, "a directory made again under a router's "
                                "cached entry is found, and counted stale") {
  cluster_map cluster;
  REQUIRE(cluster_map::make({"test", "127.0.0.1", 1}, {}, 4, cluster) == "");
  auto other = sys.spawn(router_behavior, cluster, shards, metadata,
                         caf::timespan{std::chrono::seconds(1)},
                         caf::timespan{0}, size_t{64});
  auto via = [&](const router_actor& r, path_op op, const std::string& p) {
    path_request req;
    req.op = op;
    req.path = p;
    ns_reply out;
    auto rh = self->request(r, caf::infinite, path_atom::value, req);
    sched.run();
    rh.receive([&](ns_reply& rep) { out = rep; },
               [&](caf::error& e) { FAIL(sys.render(e)); });
    return out;
  };
  REQUIRE(via(router, path_op::mkdir, "/a").code == errc::ok);
  REQUIRE(via(router, path_op::mkdir, "/a/b").code == errc::ok);
  REQUIRE(via(router, path_op::stat, "/a/b/x").code == errc::enoent); // warm
  // Another router removes /a/b and makes it again, with x in it.
  REQUIRE(via(other, path_op::rmdir, "/a/b").code == errc::ok);
  REQUIRE(via(other, path_op::mkdir, "/a/b").code == errc::ok);
  auto x = via(other, path_op::create, "/a/b/x");
  REQUIRE(x.code == errc::ok);
  auto seen = via(router, path_op::stat, "/a/b/x");
  CHECK(seen.code == errc::ok);
  CHECK(seen.a.ino == x.a.ino);
  router_stats s;
  auto rh = self->request(router, caf::infinite, router_stats_atom::value);
  sched.run();
  rh.receive([&](router_stats& r) { s = r; },
             [&](caf::error& e) { FAIL(sys.render(e)); });
  CHECK(s.dir_stale == 1);
  CHECK(s.dir_hits > 0);
  // A warm path costs one shard operation: the final one.
  uint64_t before = 0, after = 0;
  for (auto& c : cores)
    before += c->stats().ops;
  CHECK(via(router, path_op::stat, "/a/b/x").code == errc::ok);
  for (auto& c : cores)
    after += c->stats().ops;
  CHECK(after - before == 1);
  caf::anon_send_exit(other, caf::exit_reason::user_shutdown);
}
