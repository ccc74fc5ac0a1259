// Scenarios with a misbehaving network, snapshots, reads and membership, and
// the randomized run of many seeds that ends with a liveness phase.
#include "tests/model/raft/sim.hpp"

#include <doctest/doctest.h>

#include <algorithm>

using namespace ds::raft;
using namespace ds::raft::sim;

namespace {

bool has_leader(cluster& c) {
  auto l = c.leader();
  return l && c.get(*l).committed_in_term();
}

std::optional<node_id> settle(cluster& c, int ticks = 300) {
  c.run_until([&] { return has_leader(c); }, ticks);
  return c.leader();
}

// Heals everything, restarts every node, then requires that a fresh proposal
// commits everywhere: the liveness phase at the end of a randomized run.
void liveness(cluster& c, const std::string& tag) {
  c.heal_all();
  c.net.min_delay = 1;
  c.net.max_delay = 1;
  for (node_id a : c.ids())
    c.restart(a);
  REQUIRE(settle(c, 600));
  // A proposal may be lost with a leader change: retry, as a client would.
  bool done = false;
  for (int attempt = 0; attempt < 10 && !done; ++attempt) {
    std::optional<proposal> p;
    REQUIRE(
        c.run_until([&] { return (p = c.propose_any(tag)).has_value(); }, 100));
    done = c.run_until([&] { return c.ops().back().acked; }, 50);
  }
  REQUIRE(done);
  c.run(30);
  INFO("final check: " << c.final_check());
  CHECK(c.final_check().empty());
}

} // namespace

TEST_CASE("unreliable network with churn: every acknowledged value survives") {
  for (auto seed : seeds(1000, 50)) {
    CAPTURE(seed);
    config base;
    base.seed = seed;
    cluster c(5, seed, base);
    c.net.drop = 0.10;
    c.net.duplicate = 0.05;
    c.net.max_delay = 30; // up to three ticks: long reordering
    for (int round = 0; round < 60; ++round) {
      for (int i = 0; i < 3; ++i)
        c.propose_any("u" + std::to_string(round) + "." + std::to_string(i));
      c.run(static_cast<int>(1 + c.rng() % 10));
      node_id a = 1 + c.rng() % 5;
      switch (c.rng() % 6) {
      case 0:
        c.crash(a, static_cast<crash_point>(c.rng() % 3));
        break;
      case 1:
        c.restart(a);
        break;
      case 2:
        c.isolate(a);
        break;
      case 3:
        for (node_id b : c.ids())
          c.heal(a, b);
        break;
      default:
        break;
      }
      INFO("violation: " << c.violation());
      REQUIRE(c.violation().empty());
    }
    liveness(c, "end");
  }
}

TEST_CASE("snapshots: a laggard catches up by InstallSnapshot") {
  for (auto seed : seeds(1100, 6)) {
    CAPTURE(seed);
    cluster c(3, seed);
    c.snapshot_every = 10;
    auto l = settle(c);
    REQUIRE(l);
    node_id lag = *l == 1 ? 2 : 1;
    bool crash_lag = seed % 2 == 0;
    if (crash_lag)
      c.crash(lag);
    else
      c.isolate(lag);
    for (int i = 0; i < 60; ++i) {
      REQUIRE(c.propose(*l, "s" + std::to_string(i)));
      c.run(1);
    }
    c.run(20);
    CHECK(c.get(*l).log().last_snapshot().meta.index >= 50);
    auto snaps = c.sent["snapshot"];
    if (crash_lag)
      c.restart(lag);
    else
      c.heal_all();
    c.run(100);
    CHECK(c.sent["snapshot"] > snaps);
    CHECK(c.at(lag).last_applied == c.at(*l).last_applied);
    // Everyone crashes and restarts from its snapshot plus its log tail.
    for (node_id a : c.ids())
      c.crash(a);
    for (node_id a : c.ids())
      c.restart(a);
    for (node_id a : c.ids())
      CHECK(c.at(a).last_applied >= c.at(a).stored.snap.meta.index);
    liveness(c, "after");
  }
}

TEST_CASE("snapshots: one reported lost is sent again at the follower's "
          "next answer") {
  // Ticks from the loss of a snapshot until the leader sends another, with
  // the loss reported (node::snapshot_failed) or not.
  auto resend_after = [](std::uint64_t seed, bool report) {
    cluster c(3, seed);
    c.snapshot_every = 10;
    auto l = settle(c);
    REQUIRE(l);
    node_id lag = *l == 1 ? 2 : 1;
    c.crash(lag);
    for (int i = 0; i < 60; ++i) {
      REQUIRE(c.propose(*l, "s" + std::to_string(i)));
      c.run(1);
    }
    c.run(20);
    REQUIRE(c.get(*l).log().last_snapshot().meta.index >= 50);
    auto snaps = c.sent["snapshot"];
    c.restart(lag);
    REQUIRE(c.run_until([&] { return c.sent["snapshot"] > snaps; }, 50));
    // The follower's process dies with the snapshot on its way (lost with
    // it), and its node is back a tick later.
    c.crash(lag);
    c.run(1);
    c.restart(lag);
    snaps = c.sent["snapshot"];
    if (report)
      c.get(*l).snapshot_failed(lag);
    int ticks = 0;
    while (ticks < 100 && c.sent["snapshot"] == snaps) {
      c.run(1);
      ++ticks;
    }
    c.run(50);
    CHECK(c.at(lag).last_applied == c.at(*l).last_applied);
    return ticks;
  };
  for (auto seed : seeds(1150, 6)) {
    CAPTURE(seed);
    int told = resend_after(seed, true);
    int untold = resend_after(seed, false);
    CAPTURE(told);
    CAPTURE(untold);
    CHECK(told <= 3); // a heartbeat and its answer
    CHECK(untold > told);
  }
}

TEST_CASE("reads: a partitioned old leader serves no stale read") {
  for (auto seed : seeds(1200, 8)) {
    CAPTURE(seed);
    cluster c(5, seed);
    auto old = settle(c);
    REQUIRE(old);
    REQUIRE(c.propose(*old, "v1"));
    c.run(20);
    REQUIRE(c.ops().back().acked);
    c.isolate(*old);
    // A new leader on the majority side commits v2.
    std::optional<node_id> nl;
    REQUIRE(c.run_until(
        [&] {
          auto l = c.leader();
          if (l && *l != *old && c.get(*l).committed_in_term())
            nl = l;
          return nl.has_value();
        },
        300));
    REQUIRE(c.propose(*nl, "v2"));
    REQUIRE(c.run_until([&] { return c.ops().back().acked; }, 100));
    // The old leader (if it still thinks it leads) must not answer a read.
    c.read(*old, "stale?");
    c.run(50);
    CHECK(c.at(*old).read_values.count("stale?") == 0);
    // On the majority side, a read from any node sees v2.
    for (node_id a : c.ids()) {
      if (a == *old)
        continue;
      std::string ctx = "r" + std::to_string(a);
      REQUIRE(c.read(a, ctx));
      REQUIRE(
          c.run_until([&] { return c.at(a).read_values.count(ctx) > 0; }, 50));
      CHECK(c.at(a).read_values[ctx] == "v2");
    }
    // Back in the group, the old node reads v2 too.
    c.heal_all();
    c.run(30);
    REQUIRE(c.read(*old, "late"));
    REQUIRE(c.run_until(
        [&] { return c.at(*old).read_values.count("late") > 0; }, 50));
    CHECK(c.at(*old).read_values["late"] == "v2");
    CHECK(c.violation().empty());
  }
}

TEST_CASE("reads: a new leader answers only after committing in its term") {
  cluster c(3, 1300);
  auto l = settle(c);
  REQUIRE(l);
  REQUIRE(c.propose(*l, "a"));
  c.run(10);
  // Cut the leader, let a new one win but hold back its no-op's commit by
  // cutting it from the third node right after it wins.
  c.isolate(*l);
  std::optional<node_id> nl;
  REQUIRE(c.run_until(
      [&] {
        for (node_id a : c.ids())
          if (a != *l && c.get(a).current_role() == role::leader)
            nl = a;
        return nl.has_value();
      },
      300));
  node_id third = 6 - *l - *nl;
  c.cut(*nl, third);
  REQUIRE(!c.get(*nl).committed_in_term());
  REQUIRE(c.read(*nl, "early"));
  c.run(5);
  CHECK(c.at(*nl).read_values.count("early") == 0);
  c.heal(*nl, third);
  REQUIRE(c.run_until([&] { return c.at(*nl).read_values.count("early") > 0; },
                      100));
  CHECK(c.at(*nl).read_values["early"] == "a");
  CHECK(c.violation().empty());
}

TEST_CASE("membership: one server at a time, no change without quorum") {
  for (auto seed : seeds(1400, 5)) {
    CAPTURE(seed);
    cluster c(3, seed);
    auto l = settle(c);
    REQUIRE(l);
    node_id four = c.add_node({1, 2, 3});
    REQUIRE(c.get(*l).propose_membership(four, true));
    // A second change waits for the first to commit.
    CHECK(!c.get(*l).propose_membership(four, false));
    REQUIRE(c.run_until([&] { return c.get(four).voters().size() == 4; }, 100));
    c.run(20);
    CHECK(c.at(four).last_applied == c.at(*l).last_applied);
    // Two of four cut off: removing one of the connected followers would
    // leave a configuration whose majority is unreachable, so it must not
    // commit (the new configuration counts as soon as it is appended).
    auto leader = c.leader();
    REQUIRE(leader);
    std::vector<node_id> rest;
    for (node_id a : c.ids())
      if (a != *leader)
        rest.push_back(a);
    c.isolate(rest[0]);
    c.isolate(rest[1]);
    auto before = c.committed().size();
    auto p = c.get(*leader).propose_membership(rest[2], false);
    REQUIRE(p);
    c.run(30);
    CHECK(c.committed().size() == before);
    CHECK(c.committed().count(p->index) == 0);
    // After healing, the group settles on one configuration and serves;
    // a removed node is shut down before the final comparison.
    c.heal_all();
    REQUIRE(settle(c, 600));
    REQUIRE(c.propose_any("m"));
    REQUIRE(c.run_until([&] { return c.ops().back().acked; }, 300));
    c.run(30);
    auto l2 = c.leader();
    REQUIRE(l2);
    const auto& voters = c.get(*l2).voters();
    for (node_id a : c.ids())
      if (!std::binary_search(voters.begin(), voters.end(), a))
        c.crash(a);
    CHECK(voters.size() >= 3);
    INFO("final check: " << c.final_check());
    CHECK(c.final_check().empty());
  }
}

TEST_CASE("randomized: faults of every kind over many seeds, then liveness") {
  for (auto seed : seeds(5000, 300)) {
    CAPTURE(seed);
    config base;
    base.seed = seed;
    std::size_t n = 3 + 2 * (seed % 2);
    cluster c(n, seed, base);
    c.snapshot_every = seed % 3 == 0 ? 7 : 0;
    for (int round = 0; round < 80; ++round) {
      switch (c.rng() % 10) {
      case 0:
        c.net.drop = static_cast<double>(c.rng() % 30) / 100;
        break;
      case 1:
        c.net.max_delay = 1 + static_cast<int>(c.rng() % 40);
        c.net.duplicate = static_cast<double>(c.rng() % 10) / 100;
        break;
      case 2:
        c.cut(1 + c.rng() % n, 1 + c.rng() % n);
        break;
      case 3:
        c.isolate(1 + c.rng() % n);
        break;
      case 4:
        c.heal_all();
        break;
      case 5:
        c.crash(1 + c.rng() % n, static_cast<crash_point>(c.rng() % 3));
        break;
      case 6:
        c.restart(1 + c.rng() % n);
        break;
      default:
        for (int i = 0; i < 4; ++i)
          c.propose_any("x" + std::to_string(round) + "." + std::to_string(i));
      }
      c.run(static_cast<int>(1 + c.rng() % 8));
      INFO("violation: " << c.violation());
      REQUIRE(c.violation().empty());
    }
    liveness(c, "live");
  }
}
