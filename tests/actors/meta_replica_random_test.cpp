// The metadata replica actors under seeded random faults on CAF's test
// coordinator (virtual time): links cut and healed, replicas killed and
// respawned from their stores, while sets and reads go to random replicas.
// Every acknowledged set must be visible at the end through every replica,
// and the history of answered operations must be linearizable.
// RAFT_SEED=<n> replays one seed.
#include "tests/actors/fixture.hpp"

#include "actors/meta_replica.hpp"
#include "tests/support/linearizability.hpp"

#include <cstdlib>
#include <random>
#include <set>

using namespace ds;
using namespace ds::test;

namespace {

struct random_group : test_coordinator_fixture<ns_config> {
  std::vector<std::shared_ptr<raft_store>> stores;
  std::vector<metadata_actor> reps;
  std::vector<bool> up;
  std::set<std::pair<uint64_t, uint64_t>> cuts;
  std::mt19937_64 rng;
  int64_t now = 0; // virtual milliseconds

  explicit random_group(uint64_t seed) : rng(seed) {
    for (int i = 0; i < 3; ++i)
      stores.push_back(make_memory_raft_store());
    reps.resize(3);
    up.assign(3, false);
    for (uint64_t i = 1; i <= 3; ++i)
      start(i, seed);
  }
  ~random_group() {
    for (auto& r : reps)
      if (r)
        caf::anon_send_exit(r, caf::exit_reason::user_shutdown);
    sched.run();
  }

  void start(uint64_t id, uint64_t seed) {
    meta_replica_options o;
    o.id = id;
    o.voters = {1, 2, 3};
    o.seed = seed + now;
    o.snapshot_every = 15;
    // A faster clock than the default, so that elections fit between the
    // faults of a round (the history search grows with unanswered writes).
    o.tick = std::chrono::milliseconds(50);
    o.heartbeat_ticks = 2;
    o.wait_ticks = 40;
    reps[id - 1] = sys.spawn(meta_replica_behavior, stores[id - 1], o);
    up[id - 1] = true;
    sched.run();
    relink();
  }
  void kill(uint64_t id) {
    caf::anon_send_exit(reps[id - 1], caf::exit_reason::kill);
    up[id - 1] = false;
    sched.run();
  }
  bool linked(uint64_t a, uint64_t b) const {
    return up[a - 1] && up[b - 1] &&
           !cuts.count({std::min(a, b), std::max(a, b)});
  }
  void relink() {
    for (uint64_t a = 1; a <= 3; ++a)
      for (uint64_t b = 1; b <= 3; ++b)
        if (a != b && up[a - 1])
          self->send(reps[a - 1], raft_peer_atom::value, b,
                     caf::actor_cast<caf::strong_actor_ptr>(
                         linked(a, b) ? reps[b - 1] : metadata_actor{}));
    sched.run();
  }
  void pass(int ms) {
    for (int t = 0; t < ms; t += 10) {
      sched.run();
      advance_time(std::chrono::milliseconds(10));
      now += 10;
    }
    sched.run();
  }
};

struct history_log {
  std::vector<lin::op> ops;
  std::vector<bool> drop; ///< reads that got no answer: no effect, left out
  int64_t now = 0;
};

// A client actor: sends each operation and records its answer time.
caf::behavior client_behavior(caf::event_based_actor* self,
                              std::shared_ptr<history_log> log) {
  return {
      [=](meta_atom, metadata_actor r, meta_command c, std::size_t i) {
        self->request(r, caf::infinite, meta_atom::value, c)
            .then(
                [=](meta_result& res) {
                  if (res.code == errc::ok) {
                    log->ops[i].answered = true;
                    log->ops[i].ret = log->now;
                  }
                },
                [](caf::error&) {});
      },
      [=](cfg_get_atom, metadata_actor r, std::string key, std::size_t i) {
        self->request(r, caf::infinite, cfg_get_atom::value, key)
            .then(
                [=](config_entry& e) {
                  log->ops[i].answered = true;
                  log->ops[i].ret = log->now;
                  if (e.version != 0)
                    log->ops[i].result = e.value;
                  log->drop[i] = false;
                },
                [](caf::error&) {});
      },
  };
}

} // namespace

TEST_CASE("replica actors under random cuts and kills: acked sets survive, "
          "reads are linearizable") {
  std::vector<uint64_t> seeds;
  if (const char* one = std::getenv("RAFT_SEED"))
    seeds.push_back(std::strtoull(one, nullptr, 10));
  else
    for (uint64_t s = 1; s <= 40; ++s)
      seeds.push_back(s);
  for (uint64_t seed : seeds) {
    CAPTURE(seed);
    random_group g(seed);
    auto log = std::make_shared<history_log>();
    auto client = g.sys.spawn(client_behavior, log);
    uint64_t value_seq = 0;
    auto submit = [&](uint64_t at, bool write, const std::string& key) {
      lin::op o;
      o.key = key;
      o.call = log->now;
      o.answered = false;
      o.ret = std::numeric_limits<int64_t>::max();
      std::size_t i = log->ops.size();
      if (write) {
        o.kind = lin::op::write;
        o.value = std::to_string(++value_seq);
        meta_command c = config_set{key, o.value};
        log->ops.push_back(o);
        log->drop.push_back(false);
        g.self->send(client, meta_atom::value, g.reps[at - 1], c, i);
      } else {
        o.kind = lin::op::read;
        log->ops.push_back(o);
        log->drop.push_back(true);
        g.self->send(client, cfg_get_atom::value, g.reps[at - 1], key, i);
      }
    };
    auto pass = [&](int ms) {
      for (int t = 0; t < ms; t += 10) {
        g.sched.run();
        g.advance_time(std::chrono::milliseconds(10));
        log->now += 10;
      }
      g.sched.run();
    };
    pass(2000);
    for (int round = 0; round < 80; ++round) {
      for (int k = 0; k < 3; ++k) {
        uint64_t at = 1 + g.rng() % 3;
        if (g.up[at - 1])
          submit(at, g.rng() % 2 == 0, "k" + std::to_string(g.rng() % 2));
      }
      switch (g.rng() % 8) {
      case 0: {
        uint64_t a = 1 + g.rng() % 3, b = 1 + g.rng() % 3;
        if (a != b)
          g.cuts.insert({std::min(a, b), std::max(a, b)});
        g.relink();
        break;
      }
      case 1:
        g.cuts.clear();
        g.relink();
        break;
      case 2: {
        uint64_t a = 1 + g.rng() % 3;
        if (g.up[a - 1])
          g.kill(a);
        break;
      }
      case 3:
        for (uint64_t a = 1; a <= 3; ++a)
          if (!g.up[a - 1])
            g.start(a, seed);
        break;
      default:
        break;
      }
      pass(static_cast<int>(10 + g.rng() % 300));
    }
    // Heal everything; every replica must then answer with the final state.
    g.cuts.clear();
    for (uint64_t a = 1; a <= 3; ++a)
      if (!g.up[a - 1])
        g.start(a, seed);
    g.relink();
    pass(3000);
    std::size_t final_from = log->ops.size();
    for (uint64_t a = 1; a <= 3; ++a)
      for (const char* key : {"k0", "k1"})
        submit(a, false, key);
    pass(3000);
    std::size_t acked = 0;
    for (std::size_t i = 0; i < log->ops.size(); ++i)
      acked += log->ops[i].kind == lin::op::write && log->ops[i].answered;
    for (std::size_t i = final_from; i < log->ops.size(); ++i)
      CHECK(log->ops[i].answered);
    std::vector<lin::op> history;
    for (std::size_t i = 0; i < log->ops.size(); ++i)
      if (!log->drop[i])
        history.push_back(log->ops[i]);
    auto v = lin::check(history);
    INFO("key " << v.key << ": " << v.detail);
    CHECK(v.linearizable);
    CHECK(!v.gave_up);
    CHECK(acked > 0);
    caf::anon_send_exit(client, caf::exit_reason::user_shutdown);
  }
}
