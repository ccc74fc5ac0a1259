// The classic Raft scenarios (elections, agreement, failures, persistence),
// one test case each, run on the simulated network.
// Each case prints its seed on failure; RAFT_SEED=<n> replays one seed.
#include "tests/model/raft/sim.hpp"

#include <doctest/doctest.h>

#include <algorithm>

using namespace ds::raft;
using namespace ds::raft::sim;

namespace {

// Runs until some node leads and has committed an entry of its term.
std::optional<node_id> settle(cluster& c, int ticks = 200) {
  c.run_until(
      [&] {
        auto l = c.leader();
        return l && c.get(*l).committed_in_term();
      },
      ticks);
  return c.leader();
}

// Runs until a node outside `away` leads and has committed in its term.
std::optional<node_id> settle_without(cluster& c, std::vector<node_id> away,
                                      int ticks = 200) {
  std::optional<node_id> found;
  c.run_until(
      [&] {
        for (node_id a : c.ids()) {
          if (std::find(away.begin(), away.end(), a) != away.end() ||
              !c.alive(a))
            continue;
          node& n = c.get(a);
          if (n.current_role() == role::leader && n.committed_in_term()) {
            found = a;
            return true;
          }
        }
        return false;
      },
      ticks);
  return found;
}

std::size_t acked(const cluster& c) {
  return static_cast<std::size_t>(
      std::count_if(c.ops().begin(), c.ops().end(),
                    [](const client_op& o) { return o.acked; }));
}

#define REQUIRE_CLEAN(c)                                                       \
  do {                                                                         \
    INFO("violation: " << (c).violation());                                    \
    REQUIRE((c).violation().empty());                                          \
  } while (false)

} // namespace

TEST_CASE("initial election: exactly one leader, no term change while idle") {
  for (std::size_t n : {3u, 5u}) {
    for (auto seed : seeds(1, 10)) {
      CAPTURE(n);
      CAPTURE(seed);
      cluster c(n, seed);
      auto l = settle(c);
      REQUIRE(l);
      CHECK(c.leaders() == 1);
      term_t t = c.get(*l).term();
      c.run(300);
      CHECK(c.leaders() == 1);
      CHECK(c.leader() == l);
      for (node_id a : c.ids())
        CHECK(c.get(a).term() == t);
      REQUIRE_CLEAN(c);
    }
  }
}

TEST_CASE("re-election: no leader without quorum, old leader steps down") {
  for (auto seed : seeds(100, 10)) {
    CAPTURE(seed);
    cluster c(3, seed);
    auto l1 = settle(c);
    REQUIRE(l1);
    c.isolate(*l1);
    auto l2 = settle_without(c, {*l1});
    REQUIRE(l2);
    CHECK(*l2 != *l1);
    // Cut one more: nobody has a quorum now.
    c.isolate(*l2);
    c.run(100);
    CHECK(c.leaders() == 0); // check-quorum made both old leaders step down
    CHECK(!c.propose_any("x"));
    c.heal_all();
    auto l3 = settle(c);
    REQUIRE(l3);
    c.run(50);
    CHECK(c.leaders() == 1);
    REQUIRE_CLEAN(c);
  }
}

TEST_CASE("many elections: a leader whenever a majority is connected") {
  for (auto seed : seeds(200, 5)) {
    CAPTURE(seed);
    cluster c(7, seed);
    REQUIRE(settle(c));
    for (int round = 0; round < 20; ++round) {
      CAPTURE(round);
      c.heal_all();
      std::vector<node_id> ids = c.ids();
      std::shuffle(ids.begin(), ids.end(), c.rng);
      for (int k = 0; k < 3; ++k)
        c.isolate(ids[k]);
      // The four connected nodes elect (or keep) a leader among themselves.
      bool ok = c.run_until(
          [&] {
            for (int k = 3; k < 7; ++k) {
              node& n = c.get(ids[k]);
              if (n.current_role() == role::leader && n.committed_in_term())
                return true;
            }
            return false;
          },
          200);
      CHECK(ok);
      REQUIRE_CLEAN(c);
    }
  }
}

TEST_CASE("basic agreement: indexes in order, every node applies the same") {
  for (auto seed : seeds(300, 5)) {
    CAPTURE(seed);
    cluster c(5, seed);
    auto l = settle(c);
    REQUIRE(l);
    index_t last = 0;
    for (int i = 0; i < 50; ++i) {
      auto p = c.propose(*l, "v" + std::to_string(i));
      REQUIRE(p);
      CHECK(p->index > last);
      last = p->index;
      // Nothing is committed before it was proposed.
      CHECK(c.committed().count(p->index) == 0);
      if (i % 7 == 0)
        c.run(1);
    }
    c.run(50);
    CHECK(acked(c) == 50);
    CHECK(c.final_check() == "");
  }
}

TEST_CASE("follower and leader failure: no commit without a majority") {
  for (auto seed : seeds(400, 5)) {
    CAPTURE(seed);
    cluster c(5, seed);
    auto l = settle(c);
    REQUIRE(l);
    std::vector<node_id> others;
    for (node_id a : c.ids())
      if (a != *l)
        others.push_back(a);
    // Leave the leader with one follower: a minority of two.
    for (std::size_t k = 0; k < 3; ++k)
      c.isolate(others[k]);
    auto before = c.committed().size();
    auto p = c.propose(*l, "minority");
    REQUIRE(p);
    c.run(30);
    CHECK(c.committed().size() == before);
    c.heal_all();
    auto l2 = settle(c);
    REQUIRE(l2);
    REQUIRE(c.propose(*l2, "after"));
    c.run(50);
    CHECK(c.final_check() == "");
    CHECK(c.ops().back().acked);
  }
}

TEST_CASE(
    "rejoin and backup: conflicting entries overwritten with fast back-off") {
  for (auto seed : seeds(500, 5)) {
    CAPTURE(seed);
    cluster c(5, seed);
    auto old = settle(c);
    REQUIRE(old);
    c.isolate(*old);
    for (int i = 0; i < 50; ++i)
      REQUIRE(c.propose(*old, "lost" + std::to_string(i)));
    auto nl = settle_without(c, {*old});
    REQUIRE(nl);
    REQUIRE(*nl != *old);
    for (int i = 0; i < 50; ++i)
      REQUIRE(c.propose(*nl, "kept" + std::to_string(i)));
    c.run(30);
    auto rejects_before = c.sent["append_resp.reject"];
    c.heal_all();
    c.run(100);
    // One round trip per term of mismatch, not one per entry.
    CHECK(c.sent["append_resp.reject"] - rejects_before <= 3);
    CHECK(c.final_check() == "");
    for (const auto& [i, v] : c.committed())
      CHECK(v.second.rfind("lost", 0) != 0);
  }
}

TEST_CASE("persistence: crash and restart all, the leader, or subsets") {
  for (auto seed : seeds(600, 8)) {
    CAPTURE(seed);
    cluster c(5, seed);
    REQUIRE(settle(c));
    for (int round = 0; round < 12; ++round) {
      CAPTURE(round);
      for (int i = 0; i < 5; ++i)
        c.propose_any("r" + std::to_string(round) + "." + std::to_string(i));
      c.run(1 + static_cast<int>(c.rng() % 5));
      std::vector<node_id> victims;
      switch (round % 3) {
      case 0:
        victims = c.ids();
        break;
      case 1:
        if (auto l = c.leader())
          victims = {*l};
        break;
      default:
        for (node_id a : c.ids())
          if (c.rng() % 2)
            victims.push_back(a);
      }
      for (node_id a : victims) {
        auto point = static_cast<crash_point>(c.rng() % 3);
        c.crash(a, point);
      }
      c.run(3);
      for (node_id a : c.ids())
        c.crash(a, crash_point::between_readies), void();
      for (node_id a : c.ids())
        c.restart(a);
      REQUIRE(settle(c));
      REQUIRE_CLEAN(c);
    }
    c.run(50);
    CHECK(acked(c) > 0);
    CHECK(c.final_check() == "");
  }
}

TEST_CASE(
    "figure 8: leaders crash soon after proposing, all agree in the end") {
  for (auto seed : seeds(700, 300)) {
    CAPTURE(seed);
    config base;
    base.seed = seed;
    // One entry per append: a follower acknowledges an old-term entry apart
    // from the new leader's no-op, which is what Figure 8 needs.
    base.max_entries_per_msg = 1;
    base.max_inflight = 2;
    cluster c(5, seed, base);
    c.net.max_delay = 15;
    std::size_t up = 5;
    for (int round = 0; round < 100; ++round) {
      if (auto l = c.leader()) {
        c.propose(*l, "f" + std::to_string(round));
        for (int s = 0; s < static_cast<int>(c.rng() % 25); ++s)
          c.step();
        if (c.rng() % 2 == 0) {
          c.crash(*l);
          --up;
        }
      } else {
        c.run(2);
      }
      if (up < 3) {
        for (node_id a : c.ids())
          if (!c.alive(a) && up < 5 && c.rng() % 2 == 0) {
            c.restart(a);
            ++up;
          }
      }
      REQUIRE_CLEAN(c);
    }
    for (node_id a : c.ids())
      c.restart(a);
    REQUIRE(settle(c, 400));
    REQUIRE(c.propose_any("final"));
    c.run(60);
    CHECK(c.final_check() == "");
  }
}
