// The seeded random test of moving parts over the pure cores (issue 13,
// "Tests" point 2). A world of three shards, the metadata log, drivers of
// moves, two routers' scans, and clients that create, unlink and look up
// names through routers with stale placements; a seeded scheduler delivers
// messages in any order, loses some, commits shards' changes, crashes and
// restarts shards, kills drivers, runs scans and advances time. Checked
// after every event: no hash is served by two shards. At the end, once
// everything is healed and the scans are quiet: every part has exactly one
// holder, the one the placement names, and the history of the names (with
// a lookup of each at the end, after a restart of every shard) is
// linearizable, so no acknowledged write is lost.
//
// DS_SEED=n runs seed n alone (a failure prints its seed); DS_SEEDS=k runs
// seeds 1..k (default 300); DS_EVENTS=e sets the events per seed (1500);
// DS_TRACE=1 with DS_SEED prints every event.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "model/namespace/name.hpp"
#include "tests/storage/move_scan.hpp"
#include "tests/storage/move_sim.hpp"
#include "tests/support/linearizability.hpp"

using namespace ds;
using namespace ds::sim;

namespace {

const hash_range lower_half{0, (uint64_t{1} << 63) - 1};
const hash_range upper_half{uint64_t{1} << 63, ~uint64_t{0}};

/// A client with its router's cached placement: one operation at a time.
struct client {
  dir_placement cache;
  bool busy = false;
  size_t op = 0; ///< its index in the history
  ns_request req;
  int tries = 0;
  /// A shard applied the operation (any answer but EWRONGSHARD): if its
  /// answer is lost, it may have taken effect.
  bool applied = false;
};

struct run {
  world w;
  scanner scans[2]{scanner{w, "a"}, scanner{w, "b"}}; ///< two routers'
  std::vector<std::shared_ptr<driver>> drivers;
  std::vector<client> clients;
  std::vector<std::string> names;
  std::vector<lin::op> history;
  std::vector<size_t> skip; ///< operations that changed nothing, unanswered
  int64_t tick = 1;         ///< the history's clock: one per event

  run(uint64_t seed) : w(seed, 3), clients(3) {
    for (auto& c : clients)
      c.cache.dir = sim_dir;
    // Names on both halves, initially absent ("0").
    for (int k = 0; names.size() < 6; ++k) {
      auto n = "f" + std::to_string(k);
      size_t lo = 0;
      for (auto& m : names)
        lo += lower_half.contains(name_hash(m));
      if (lower_half.contains(name_hash(n)) == (lo < 3))
        names.push_back(n);
    }
    for (auto& n : names)
      history.push_back(lin::op{lin::op::write, n, "0", "", {}, true, 0, 0});
  }

  std::vector<uint64_t> samples() const {
    std::vector<uint64_t> out{lower_half.lo, lower_half.hi, upper_half.lo,
                              upper_half.hi};
    for (auto& n : names)
      out.push_back(name_hash(n));
    return out;
  }

  void check_single_server() {
    for (auto h : samples())
      if (w.servers(h).size() > 1)
        w.fail("hash " + std::to_string(h) + " served by two shards");
  }

  // -- clients -------------------------------------------------------------

  void start_op(client& c) {
    auto& n = names[w.pick(names.size())];
    lin::op o;
    o.key = n;
    o.call = tick;
    switch (w.pick(3)) {
    case 0:
      c.req = make_request(ns_op::create, sim_dir, n);
      o.kind = lin::op::cas, o.expected = "0", o.value = "1";
      break;
    case 1:
      c.req = make_request(ns_op::unlink, sim_dir, n);
      o.kind = lin::op::cas, o.expected = "1", o.value = "0";
      break;
    default:
      c.req = make_request(ns_op::lookup, sim_dir, n);
      o.kind = lin::op::read;
    }
    w.note("client " + std::string(str(c.req.op)) + " " + n);
    c.busy = true;
    c.tries = 0;
    c.applied = false;
    c.op = history.size();
    history.push_back(o);
    send(c);
  }

  void send(client& c) {
    auto req = c.req;
    auto s = choose_shard(req, &c.cache, home, ~uint64_t{0});
    auto* cp = &c;
    w.queue.push_back(
        message{"client " + c.req.name + " -> s" + std::to_string(s),
                [this, cp, s, req] {
                  if (!w.shards[s]->up)
                    return unknown(*cp);
                  bool wait = false;
                  auto rep = w.shards[s]->core.apply(req, w.now, wait);
                  cp->applied |= rep.code != errc::ewrongshard;
                  w.note("  s" + std::to_string(s) + " " + req.name + ": " +
                         str(rep.code));
                  w.answer_after_commit(
                      s, message{"client reply " + req.name,
                                 [this, cp, rep] { answer(*cp, rep); },
                                 [this, cp] { unknown(*cp); }});
                },
                [this, cp] { unknown(*cp); }});
  }

  /// The client gets no answer. An operation no shard applied (each
  /// attempt lost on its way or refused), or a lookup, changed nothing: it
  /// leaves the history, which spares the checker operations that would
  /// overlap everything after them. Any other may have taken effect.
  void unknown(client& c) {
    auto& o = history[c.op];
    o.answered = false;
    if (!c.applied || o.kind == lin::op::read)
      skip.push_back(c.op);
    c.busy = false;
  }

  void answer(client& c, const ns_reply& rep) {
    auto& o = history[c.op];
    if (rep.code == errc::ewrongshard) {
      if (++c.tries > 30)
        return unknown(c); // refused each time: it had no effect
      part_redirect r;
      if (part_redirect::decode(rep.cookie, r))
        learn_part(c.cache, placement_entry{r.range, r.shard, r.epoch});
      else
        c.cache = w.meta.placement(sim_dir);
      return send(c);
    }
    o.ret = tick;
    c.busy = false;
    switch (c.req.op) {
    case ns_op::create:
      if (rep.code != errc::ok && rep.code != errc::eexist)
        return w.fail("create " + c.req.name + ": " + str(rep.code));
      o.ok = rep.code == errc::ok;
      break;
    case ns_op::unlink:
      if (rep.code != errc::ok && rep.code != errc::enoent)
        return w.fail("unlink " + c.req.name + ": " + str(rep.code));
      o.ok = rep.code == errc::ok;
      break;
    default:
      if (rep.code != errc::ok && rep.code != errc::enoent)
        return w.fail("lookup " + c.req.name + ": " + str(rep.code));
      o.result = rep.code == errc::ok ? "1" : "0";
    }
  }

  // -- moves ---------------------------------------------------------------

  void start_move() {
    auto r = w.chance(50) ? lower_half : upper_half;
    auto p = w.meta.placement(sim_dir);
    auto from = holder_of(&p, r.lo, home);
    auto to = static_cast<uint32_t>((from + 1 + w.pick(2)) % 3);
    auto d = std::make_shared<driver>(w, r, from, to, 1 + w.pick(3));
    drivers.push_back(d);
    d->start();
  }

  void live_drivers(std::vector<std::shared_ptr<driver>>& out) {
    for (auto& d : drivers)
      if (d->alive && !d->done)
        out.push_back(d);
  }

  // -- the scheduler -------------------------------------------------------

  void event() {
    ++tick;
    auto k = w.pick(1000); // per mille
    if (k < 480 && !w.queue.empty())
      return w.step_message(w.pick(w.queue.size()), false);
    if (k < 520 && !w.queue.empty())
      return w.step_message(w.pick(w.queue.size()), true);
    if (k < 700) {
      auto& c = clients[w.pick(clients.size())];
      if (!c.busy)
        start_op(c);
      return;
    }
    std::vector<std::shared_ptr<driver>> live;
    live_drivers(live);
    if (k < 760 && live.size() < 2)
      return start_move();
    if (k < 780) {
      // At most one shard is down at a time; the next such event
      // brings it back.
      for (uint32_t d = 0; d < w.shards.size(); ++d)
        if (!w.shards[d]->up)
          return bring_up(d);
      auto s = static_cast<uint32_t>(w.pick(w.shards.size()));
      if (w.shards[s]->up) {
        w.note("crash s" + std::to_string(s));
        w.crash(s);
        return;
      }
      return bring_up(s);
    }
    if (k < 795 && !live.empty()) {
      auto& d = live[w.pick(live.size())];
      w.note("kill driver " + d->name());
      d->alive = false;
      return;
    }
    if (k < 850)
      return scans[w.pick(2)].scan();
    if (k < 910) {
      w.now += 5 * second;
      w.note("time +5s");
      for (auto& d : live)
        d->renew();
      return;
    }
    auto s = static_cast<uint32_t>(w.pick(w.shards.size()));
    if (w.shards[s]->up) {
      w.note("commit s" + std::to_string(s));
      w.commit(s);
    }
  }

  void bring_up(uint32_t s) {
    w.note("restart s" + std::to_string(s));
    auto e = w.shards[s]->restart();
    if (!e.empty())
      w.fail("restart of s" + std::to_string(s) + ": " + e);
    w.shards[s]->up = true;
  }

  /// Delivers every message, and commits, until nothing is left.
  void drain() {
    for (;;) {
      for (uint32_t s = 0; s < w.shards.size(); ++s)
        w.commit(s);
      if (w.queue.empty() || !w.failure.empty())
        return;
      ++tick;
      w.step_message(w.pick(w.queue.size()), false);
      check_single_server();
    }
  }

  /// Every event of the seed, then the healing and the checks at the end.
  void go(int events) {
    for (int i = 0; i < events && w.failure.empty(); ++i) {
      event();
      check_single_server();
    }
    if (!w.failure.empty())
      return;
    // Heal: drivers gone, the log answers, every message delivered.
    w.note("heal");
    for (auto& d : drivers)
      d->alive = false;
    w.meta_loss_pct = 0;
    for (uint32_t s = 0; s < w.shards.size(); ++s)
      if (!w.shards[s]->up)
        bring_up(s);
    drain();
    for (int i = 0; i < 8 && w.failure.empty(); ++i) {
      w.now += 10 * second;
      scans[i % 2].scan();
      check_single_server();
      drain();
    }
    if (!w.failure.empty())
      return;
    for (auto& s : w.shards) {
      if (!s->core.unresolved().empty())
        w.fail("s" + std::to_string(s->id) + " has unresolved parts");
      if (auto e = s->restart(); !e.empty())
        w.fail("restart: " + e);
    }
    for (auto& [id, m] : w.meta.migrations())
      if (m.state == migration_record::started)
        w.fail("m" + std::to_string(id) + " still started");
    auto p = w.meta.placement(sim_dir);
    for (auto h : samples()) {
      auto by = w.servers(h);
      if (by.size() != 1 || by[0] != holder_of(&p, h, home))
        w.fail("hash " + std::to_string(h) + " has " +
               std::to_string(by.size()) + " holders, placement says s" +
               std::to_string(holder_of(&p, h, home)));
    }
    // A lookup of every name through a fresh router.
    for (auto& n : names) {
      ++tick;
      auto req = make_request(ns_op::lookup, sim_dir, n);
      auto s = choose_shard(req, &p, home, ~uint64_t{0});
      bool wait = false;
      auto rep = w.shards[s]->core.apply(req, w.now, wait);
      if (rep.code != errc::ok && rep.code != errc::enoent)
        w.fail("final lookup " + n + ": " + str(rep.code));
      lin::op o{lin::op::read, n, "", "", {}, true, tick, tick};
      o.result = rep.code == errc::ok ? "1" : "0";
      history.push_back(o);
    }
    std::vector<lin::op> kept;
    std::set<size_t> out(skip.begin(), skip.end());
    for (size_t i = 0; i < history.size(); ++i)
      if (!out.count(i))
        kept.push_back(history[i]);
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

TEST_CASE("moves under writes, losses, restarts and dead drivers keep one "
          "holder per part and a linearizable namespace") {
  uint64_t only = env_number("DS_SEED", 0);
  uint64_t count = env_number("DS_SEEDS", 300);
  uint64_t events = env_number("DS_EVENTS", 1500);
  uint64_t first = only ? only : 1, last = only ? only : count;
  uint64_t moves = 0, committed = 0, recopies = 0, seed = first;
  for (; seed <= last; ++seed) {
    CAPTURE(seed);
    run r{seed};
    r.go(static_cast<int>(events));
    committed += r.w.meta.epoch(); // one epoch per commit
    moves += r.w.meta.next_migration() - 1;
    recopies += r.w.recopies;
    if (!r.w.failure.empty()) {
      FAIL_CHECK("seed " << seed << " (replay: DS_SEED=" << seed
                         << "): " << r.w.failure << "\nlast events:\n"
                         << r.w.tail(only ? 100000 : 80));
      break;
    }
    if (only && std::getenv("DS_TRACE"))
      MESSAGE("trace of seed " << seed << ":\n" << r.w.tail(100000));
  }
  MESSAGE("seeds " << first << ".." << std::min(seed, last) << ": " << moves
                   << " moves begun, " << committed << " committed, "
                   << recopies << " copies started again");
  CHECK(moves > 0);
}
