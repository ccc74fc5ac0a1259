// Leader leases (config::lease_ticks): reads served by the leader without a
// round of messages, and never from a lease that a later term could overlap.
// The simulation checks at every step that no node holds a lease while an
// entry of a later term is committed.
#include "tests/model/raft/sim.hpp"

#include <doctest/doctest.h>

#include <algorithm>

using namespace ds::raft;
using namespace ds::raft::sim;

namespace {

config lease_config(std::uint64_t seed) {
  config base;
  base.seed = seed;
  base.election_ticks = 10;
  base.lease_ticks = 8;
  return base;
}

std::optional<node_id> settle(cluster& c, int ticks = 300) {
  c.run_until(
      [&] {
        auto l = c.leader();
        return l && c.get(*l).lease_valid();
      },
      ticks);
  return c.leader();
}

// The highest log index of an op acknowledged so far.
index_t acked_top(const cluster& c) {
  index_t top = 0;
  for (const client_op& op : c.ops())
    if (op.acked)
      top = std::max(top, op.where.index);
  return top;
}

} // namespace

TEST_CASE("lease: a settled leader reads alone, followers never") {
  cluster c(3, 2100, lease_config(2100));
  auto l = settle(c);
  REQUIRE(l);
  REQUIRE(c.propose(*l, "a"));
  REQUIRE(c.run_until([&] { return c.ops().back().acked; }, 20));
  std::size_t sent_before = 0;
  for (auto& [k, n] : c.sent)
    sent_before += n;
  REQUIRE(c.lease_read(*l, "r1"));
  CHECK(c.at(*l).read_values["r1"] == "a");
  std::size_t sent_after = 0;
  for (auto& [k, n] : c.sent)
    sent_after += n;
  CHECK(sent_after == sent_before); // no round of messages
  for (node_id a : c.ids())
    if (a != *l)
      CHECK_FALSE(c.lease_read(a, "f" + std::to_string(a)));
  // The lease lasts while heartbeats are acknowledged.
  c.run(100);
  CHECK(c.get(*l).lease_valid());
  CHECK(c.violation().empty());
}

TEST_CASE("lease: without one configured, no node ever holds a lease") {
  config base;
  base.seed = 2150;
  cluster c(3, 2150, base);
  c.run(200);
  auto l = c.leader();
  REQUIRE(l);
  CHECK_FALSE(c.get(*l).lease_valid());
}

TEST_CASE("lease: a cut-off leader's lease ends before a new leader commits") {
  for (auto seed : seeds(2200, 16)) {
    CAPTURE(seed);
    cluster c(5, seed, lease_config(seed));
    auto old = settle(c);
    REQUIRE(old);
    REQUIRE(c.propose(*old, "v1"));
    REQUIRE(c.run_until([&] { return c.ops().back().acked; }, 20));
    c.isolate(*old);
    std::uint64_t cut_at = c.get(*old).ticks();
    // The old leader keeps reading from its lease at most lease_ticks.
    REQUIRE(c.run_until([&] { return !c.get(*old).lease_valid(); }, 20));
    CHECK(c.get(*old).ticks() - cut_at <= 8);
    std::optional<node_id> nl;
    REQUIRE(c.run_until(
        [&] {
          auto l = c.leader();
          if (l && *l != *old && c.get(*l).lease_valid())
            nl = l;
          return nl.has_value();
        },
        300));
    REQUIRE(c.propose(*nl, "v2"));
    REQUIRE(c.run_until([&] { return c.ops().back().acked; }, 50));
    CHECK_FALSE(c.lease_read(*old, "stale?"));
    REQUIRE(c.lease_read(*nl, "fresh"));
    CHECK(c.at(*nl).read_values["fresh"] == "v2");
    INFO(c.violation());
    CHECK(c.violation().empty());
  }
}

TEST_CASE("lease: a restarted voter does not elect a leader inside a lease") {
  // The leader's lease rests on acks from `b`. `b` restarts and forgets it
  // heard from the leader; `a`, cut from the leader, campaigns. Were `b` to
  // vote at once, `a` would commit in a new term while the old lease runs.
  for (auto seed : seeds(2300, 16)) {
    CAPTURE(seed);
    cluster c(3, seed, lease_config(seed));
    auto l = settle(c);
    REQUIRE(l);
    node_id a = *l % 3 + 1;
    node_id b = a % 3 + 1;
    REQUIRE(b != *l);
    c.cut(*l, a);
    c.run(2); // the leader renews its lease with b alone
    REQUIRE(c.get(*l).lease_valid());
    c.crash(b);
    c.restart(b);
    c.at(a).core->campaign();
    c.run(30);
    INFO(c.violation());
    CHECK(c.violation().empty());
    // Once the lease has run out, the group moves on.
    c.heal_all();
    REQUIRE(settle(c));
    CHECK(c.violation().empty());
  }
}

TEST_CASE("lease: clocks that drift within the bound keep reads fresh") {
  // A leader clock up to 10 % slower than its followers' needs
  // lease_ticks <= 9 / 1.1: 8 holds. The followers campaign as early as
  // their clocks allow.
  for (auto seed : seeds(2400, 32)) {
    CAPTURE(seed);
    cluster c(3, seed, lease_config(seed));
    auto l = settle(c);
    REQUIRE(l);
    c.tick_period[*l] = 11;
    c.run(5);
    c.isolate(*l);
    c.run(300);
    INFO(c.violation());
    CHECK(c.violation().empty());
  }
}

TEST_CASE("lease: randomized faults, every lease read sees every ack") {
  for (auto seed : seeds(2500, 30)) {
    CAPTURE(seed);
    cluster c(5, seed, lease_config(seed));
    c.net.drop = 0.05;
    c.net.max_delay = 20;
    std::mt19937_64 rng(seed);
    std::size_t served = 0;
    for (int round = 0; round < 80; ++round) {
      c.propose_any("w" + std::to_string(round));
      c.run(3);
      for (node_id a : c.ids()) {
        index_t must = acked_top(c);
        std::string ctx = std::to_string(round) + "." + std::to_string(a);
        if (c.lease_read(a, ctx)) {
          ++served;
          INFO("read " << ctx << " at node " << a);
          CHECK(c.at(a).last_applied >= must);
        }
      }
      switch (rng() % 8) {
      case 0:
        c.isolate(static_cast<node_id>(rng() % 5 + 1));
        break;
      case 1: {
        node_id x = static_cast<node_id>(rng() % 5 + 1);
        if (c.alive(x))
          c.crash(x);
        else
          c.restart(x);
        break;
      }
      case 2:
        c.heal_all();
        c.net.drop = 0.05;
        for (node_id x : c.ids())
          if (!c.alive(x))
            c.restart(x);
        break;
      default:
        break;
      }
    }
    CHECK(served > 0);
    INFO(c.violation());
    CHECK(c.violation().empty());
  }
}

TEST_CASE("transfer: a caught-up voter takes over at once, with no lease "
          "overlap") {
  for (auto seed : seeds(2600, 16)) {
    CAPTURE(seed);
    cluster c(3, seed, lease_config(seed));
    auto l = settle(c);
    REQUIRE(l);
    REQUIRE(c.propose(*l, "a"));
    REQUIRE(c.run_until([&] { return c.ops().back().acked; }, 20));
    node_id to = *l % 3 + 1;
    term_t before = c.get(*l).term();
    c.get(*l).transfer_leadership(to);
    // The old leader gives up its lease and takes no proposals meanwhile.
    CHECK_FALSE(c.get(*l).lease_valid());
    CHECK_FALSE(c.get(*l).propose("refused"));
    // Well within an election timeout (10 ticks), and without waiting out
    // the voters' leader stickiness.
    REQUIRE(c.run_until(
        [&] {
          auto x = c.leader();
          return x && *x == to;
        },
        4));
    CHECK(c.get(to).term() == before + 1);
    REQUIRE(c.propose(to, "b"));
    REQUIRE(c.run_until([&] { return c.ops().back().acked; }, 20));
    REQUIRE(settle(c) == to);
    REQUIRE(c.lease_read(to, "after"));
    CHECK(c.at(to).read_values["after"] == "b");
    INFO(c.violation());
    CHECK(c.violation().empty());
  }
}

TEST_CASE("transfer: to a voter cut off, it is abandoned and the leader "
          "carries on without its lease") {
  cluster c(3, 2700, lease_config(2700));
  auto l = settle(c);
  REQUIRE(l);
  node_id to = *l % 3 + 1;
  c.isolate(to);
  c.get(*l).transfer_leadership(to);
  CHECK(c.get(*l).transferring_to() == to);
  CHECK_FALSE(c.get(*l).propose("refused"));
  c.run(11);
  CHECK(c.leader() == l);
  CHECK(c.get(*l).transferring_to() == no_node);
  REQUIRE(c.propose(*l, "c"));
  REQUIRE(c.run_until([&] { return c.ops().back().acked; }, 20));
  // No lease for the rest of the term: a transfer's votes skip stickiness.
  c.run(30);
  CHECK_FALSE(c.get(*l).lease_valid());
  CHECK(c.violation().empty());
}
