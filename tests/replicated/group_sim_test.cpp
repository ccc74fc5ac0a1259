// The seeded simulation of replicated shards (issue 15, "Tests:
// Simulation"): three shard groups and the metadata group on three nodes
// (group_sim.hpp), clients that create, unlink and look up names in three
// directories (one homed by each group) through routers with stale leader
// hints and placements that send a write again, with its request id, when
// its answer does not come (group_clients.hpp), and moves of halves of one
// directory between groups (group_moves.hpp), under crashes and restarts of
// nodes, cut links, message loss and reordering. Checked at every step: one
// leader per term per group, monotone commits, one command per index, the lease
// rule (multi_sim.hpp), and no hash of the moved directory served by two
// groups. At the end, once everything is healed and the scans are quiet: every
// replica of a group holds the same store, every part has one holder, the
// one the placement names, and the history of the names (with a lookup of
// each at the end, from the stores) is linearizable, so no acknowledged
// write is lost.
//
// DS_SEED=n runs seed n alone (a failure prints its seed); DS_SEEDS=k runs
// seeds 1..k (default 60); DS_STEPS=s sets the steps per seed (3000, 30 s
// of virtual time); DS_TRACE=1 with DS_SEED prints every event.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <set>

#include "storage/batch_codec.hpp"
#include "tests/replicated/group_clients.hpp"
#include "tests/replicated/group_scan.hpp"

using namespace ds;
using namespace ds::gsim;

namespace {

struct run {
  world w;
  scanner scans[2]{scanner{w, "a"}, scanner{w, "b"}};
  std::vector<std::shared_ptr<driver>> drivers;
  std::unique_ptr<clients> cl;

  explicit run(uint64_t seed) : w(seed) {
    // Most seeds compact the logs often, so that replicas behind them
    // catch up from snapshots.
    w.compact_every = w.chance(25) ? 0 : 5 + w.pick(20);
    // Checks and proposals given up after 5 to 40 ticks (the hosts: 40),
    // so that some proposals answered as unknown commit afterwards.
    w.wait_steps = 50 + w.pick(351);
    cl = std::make_unique<clients>(w);
    // The routers' request timeout: 1 to 3 s (the hosts give up after
    // 0.5 to 4 s).
    cl->timeout = 100 + w.pick(201);
  }

  int64_t tick() const { return cl->tick(); }

  std::vector<uint64_t> samples() const {
    std::vector<uint64_t> out{lower_half.lo, lower_half.hi, upper_half.lo,
                              upper_half.hi};
    for (auto& [d, n] : cl->names)
      if (d == moved_dir)
        out.push_back(name_hash(n));
    return out;
  }

  void check_single_server() {
    for (auto h : samples()) {
      int by = 0;
      for (group_id g = 0; g < shard_groups; ++g)
        by += w.serves(g, moved_dir, h);
      if (by > 1)
        w.fail("hash " + std::to_string(h) + " served by two groups");
    }
  }

  // -- moves and faults ------------------------------------------------------

  void start_move() {
    w.read_meta([this](const meta_state* m) {
      if (m && live().size() < 2)
        start_move(*m);
    });
  }

  void start_move(const meta_state& m) {
    auto r = w.chance(50) ? lower_half : upper_half;
    auto p = m.placement(moved_dir);
    group_id from = holder_of(&p, r.lo, home_of(moved_dir));
    group_id to = (from + 1 + static_cast<group_id>(w.pick(2))) % 3;
    auto d = std::make_shared<driver>(w, moved_dir, r, from, to, 1 + w.pick(3));
    drivers.push_back(d);
    d->start();
  }

  std::vector<std::shared_ptr<driver>> live() {
    std::vector<std::shared_ptr<driver>> out;
    for (auto& d : drivers)
      if (d->alive && !d->done)
        out.push_back(d);
    return out;
  }

  node_id any_node() { return static_cast<node_id>(1 + w.pick(nodes)); }

  /// One event of the scheduler, per step: mostly clients' operations;
  /// faults every few hundred steps (an election takes about a hundred).
  void event() {
    auto k = w.pick(1000);
    if (k < 300) {
      auto& c = cl->all[w.pick(cl->all.size())];
      if (!c.busy)
        cl->start_op(c);
    } else if (k < 303) {
      // At most one node is down at a time.
      for (node_id a = 1; a <= nodes; ++a)
        if (!w.c.alive(a))
          return w.restart(a);
      w.crash(any_node());
    } else if (k < 307) {
      auto a = any_node(), b = any_node();
      auto l = w.c.leader(static_cast<group_id>(w.pick(shard_groups)));
      if (w.chance(30)) {
        w.note("heal links");
        w.c.heal_all();
      } else if (l && w.chance(50)) {
        // A leader cut off from its group while clients still reach it.
        w.note("isolate leader n" + std::to_string(*l));
        w.c.isolate(*l);
      } else if (a != b) {
        w.note("cut n" + std::to_string(a) + "-n" + std::to_string(b));
        w.c.cut(a, b);
      } else {
        w.note("isolate n" + std::to_string(a));
        w.c.isolate(a);
      }
    } else if (k < 310) {
      // A leadership transfer (as leaders go back to their home member):
      // leadership moves without a crash or a cut, and may come back.
      auto g = static_cast<group_id>(w.pick(shard_groups + 1));
      if (g == shard_groups)
        g = meta_group;
      auto l = w.c.leader(g);
      auto to = any_node();
      if (l && to != *l) {
        w.note("g" + std::to_string(g) + " transfer n" + std::to_string(*l) +
               " -> n" + std::to_string(to));
        w.c.get(*l).transfer(g, to);
      }
    } else if (k < 312) {
      static const double drops[] = {0, 0, 0.02, 0.05, 0.1};
      w.c.drop = drops[w.pick(5)];
      w.c.max_delay = 1 + static_cast<int>(w.pick(5));
      w.note("drop " + std::to_string(w.c.drop) + " delay " +
             std::to_string(w.c.max_delay));
    } else if (k < 315 && live().size() < 2) {
      start_move();
    } else if (k < 316 && !live().empty()) {
      auto l = live();
      auto& d = l[w.pick(l.size())];
      w.note("kill driver " + d->name());
      d->alive = false;
    } else if (k < 323) {
      scans[w.pick(2)].scan();
    }
  }

  /// Leaders go back to their group's home member (as the hosts do, by a
  /// leadership transfer) when it is up.
  void go_home() {
    for (group_id g = 0; g < shard_groups; ++g) {
      auto l = w.c.leader(g);
      node_id h = home_member(g);
      if (l && *l != h && w.c.alive(h)) {
        w.note("g" + std::to_string(g) + " back home n" + std::to_string(*l) +
               " -> n" + std::to_string(h));
        w.c.get(*l).transfer(g, h);
      }
    }
  }

  void steps(int n) {
    for (int i = 0; i < n && w.failure.empty(); ++i) {
      w.step();
      check_single_server();
      if (w.c.now() % 200 == 0)
        for (auto& d : live())
          d->renew();
      if (w.c.now() % 100 == 50)
        go_home();
    }
  }

  /// Every step of the seed, then the healing and the checks at the end.
  void go(int n) {
    for (int i = 0; i < n && w.failure.empty(); ++i) {
      event();
      steps(1);
    }
    if (!w.failure.empty())
      return;
    w.note("heal");
    for (auto& d : drivers)
      d->alive = false;
    w.c.heal_all();
    w.c.max_delay = 1;
    for (node_id a = 1; a <= nodes; ++a)
      if (!w.c.alive(a))
        w.restart(a);
    steps(300);
    for (int i = 0; i < 14 && w.failure.empty(); ++i) {
      scans[i % 2].scan();
      steps(200);
    }
    if (w.failure.empty())
      final_checks();
  }

  static std::string whole(loaded_shard l) {
    auto applied = l.applied;
    return encode_commit_batch(whole_batch(std::move(l))) + "@" +
           std::to_string(applied);
  }

  void final_checks() {
    if (auto e = w.c.final_check(); !e.empty())
      return w.fail(e);
    for (auto& c : cl->all)
      if (c.busy)
        return w.fail("a client still waits after the healing: " +
                      cl->history[c.op].key);
    for (group_id g = 0; g < shard_groups; ++g) {
      auto first = whole(w.at(1).shards[g].store->load());
      for (node_id a = 2; a <= nodes; ++a)
        if (whole(w.at(a).shards[g].store->load()) != first)
          return w.fail("the replicas of g" + std::to_string(g) +
                        " hold different stores");
    }
    const meta_state* m = nullptr;
    bool read = false;
    w.read_meta([&](const meta_state* s) { m = s, read = true; });
    for (int i = 0; i < 2000 && !read; ++i)
      w.step();
    if (!m)
      return w.fail("no metadata leader after the healing");
    for (auto& [id, rec] : m->migrations())
      if (rec.state == migration_record::started)
        return w.fail("m" + std::to_string(id) + " still started");
    auto p = m->placement(moved_dir);
    for (auto h : samples()) {
      group_id by = 0;
      int n = 0;
      for (group_id g = 0; g < shard_groups; ++g)
        if (w.serves(g, moved_dir, h))
          by = g, ++n;
      if (n != 1 || by != holder_of(&p, h, home_of(moved_dir)))
        return w.fail("hash " + std::to_string(h) + " has " +
                      std::to_string(n) + " holders, placement says g" +
                      std::to_string(holder_of(&p, h, home_of(moved_dir))));
    }
    // A lookup of every name in the store of the group that holds it.
    int64_t t = tick() + 1;
    for (auto& [d, n] : cl->names) {
      auto req = make_request(ns_op::lookup, d, n);
      group_id g = d == moved_dir ? choose_shard(req, &p, home_of(d), ~0ull)
                                  : home_of(d);
      auto l = w.at(1).shards[g].store->load();
      ns_shard core{g, {}};
      if (auto e = core.restore(l.nodes, l.entries, l.dead, l.next_seq,
                                l.next_row, l.parts);
          !e.empty())
        return w.fail("restore of g" + std::to_string(g) + ": " + e);
      if (!core.unresolved().empty())
        return w.fail("g" + std::to_string(g) + " has unresolved parts");
      bool wait = false;
      auto rep = core.apply(req, w.now_ns(), wait);
      if (rep.code != errc::ok && rep.code != errc::enoent)
        return w.fail("final lookup " + clients::key(d, n) + ": " +
                      str(rep.code));
      lin::op o{lin::op::read, clients::key(d, n), "", "", {}, true, t, t};
      o.result = rep.code == errc::ok ? "1" : "0";
      cl->history.push_back(o);
      ++t;
    }
    std::vector<lin::op> kept;
    std::set<size_t> out(cl->skip.begin(), cl->skip.end());
    for (size_t i = 0; i < cl->history.size(); ++i)
      if (!out.count(i))
        kept.push_back(cl->history[i]);
    auto v = lin::check(kept);
    if (v.gave_up)
      w.fail("the checker gave up");
    else if (!v.linearizable)
      w.fail("not linearizable: " + v.key + " " + v.detail);
  }
};

uint64_t env_number(const char* name, uint64_t fallback) {
  auto v = std::getenv(name);
  return v && *v ? std::strtoull(v, nullptr, 10) : fallback;
}

} // namespace

TEST_CASE("replicated shards under crashes, partitions and losses keep one "
          "leader per term, every acknowledged write and a linearizable "
          "namespace") {
  uint64_t only = env_number("DS_SEED", 0);
  uint64_t count = env_number("DS_SEEDS", 60);
  uint64_t steps = env_number("DS_STEPS", 3000);
  uint64_t first = only ? only : 1, last = only ? only : count;
  uint64_t moves = 0, committed = 0, ops = 0, acked = 0, snaps = 0;
  uint64_t recopies = 0;
  uint64_t again = 0, answered_again = 0;
  uint64_t seed = first;
  for (; seed <= last; ++seed) {
    CAPTURE(seed);
    run r{seed};
    r.go(static_cast<int>(steps));
    auto& m = r.w.at(1).meta.machine; // every replica agrees at the end
    committed += m.epoch();           // one epoch per commit
    moves += m.next_migration() - 1;
    snaps += r.w.snapshots;
    recopies += r.w.recopies;
    again += r.cl->sent_again;
    answered_again += r.cl->answered_again;
    for (auto& o : r.cl->history)
      if (o.call > 0) {
        ++ops;
        acked += o.answered && o.kind != lin::op::read;
      }
    if (!r.w.failure.empty()) {
      FAIL_CHECK("seed " << seed << " (replay: DS_SEED=" << seed
                         << "): " << r.w.failure << "\nlast events:\n"
                         << r.w.tail(only ? 1000000 : 120));
      break;
    }
    if (only && std::getenv("DS_TRACE"))
      MESSAGE("trace of seed " << seed << ":\n" << r.w.tail(1000000));
  }
  MESSAGE(
      "seeds " << first << ".." << std::min(seed, last) << ": " << ops
               << " client operations (" << acked << " acknowledged writes, "
               << answered_again << " of them after going again; " << again
               << " tries sent again), " << moves << " moves begun, "
               << committed << " committed, " << recopies
               << " copies started again, " << snaps << " snapshots installed");
  CHECK((only || moves > 0));
  CHECK(acked > 0);
  CHECK((only || snaps > 0));
  CHECK((only || answered_again > 0));
}
