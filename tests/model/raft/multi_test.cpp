// Many groups on several nodes (model/raft/multi.hpp): coalesced envelopes,
// quiescence, failover of quiescent groups, leases, and a randomized run
// under crashes, partitions and message loss.
#include "tests/model/raft/multi_sim.hpp"
#include "tests/model/raft/sim.hpp"

#include <doctest/doctest.h>

using namespace ds::raft;
using namespace ds::raft::msim;

namespace {

multi_config base_config(int quiesce_ticks) {
  multi_config c;
  c.group.election_ticks = 10;
  c.group.lease_ticks = 8;
  c.quiesce_ticks = quiesce_ticks;
  c.liveness_ticks = 10;
  return c;
}

// Every group on every one of `nodes` nodes.
std::map<group_id, std::vector<node_id>> everywhere(std::size_t nodes,
                                                    group_id groups) {
  std::map<group_id, std::vector<node_id>> out;
  for (group_id g = 0; g < groups; ++g)
    for (node_id a = 1; a <= nodes; ++a)
      out[g].push_back(a);
  return out;
}

// Group g on nodes g, g+1, g+2 (mod nodes): three replicas each.
std::map<group_id, std::vector<node_id>> spread(std::size_t nodes,
                                                group_id groups) {
  std::map<group_id, std::vector<node_id>> out;
  for (group_id g = 0; g < groups; ++g) {
    for (std::size_t k = 0; k < 3; ++k)
      out[g].push_back((g + k) % nodes + 1);
    std::sort(out[g].begin(), out[g].end());
  }
  return out;
}

bool all_quiet(cluster& c) {
  for (node_id a : c.ids())
    if (c.get(a).awake() != 0)
      return false;
  return true;
}

bool all_serving(cluster& c) {
  for (group_id g : c.groups())
    if (!c.serving(g))
      return false;
  return true;
}

// Proposes to g until one proposal is acknowledged (a client's retries).
bool commit_one(cluster& c, group_id g, const std::string& data) {
  for (int attempt = 0; attempt < 10; ++attempt) {
    if (!c.run_until([&] { return c.propose(g, data).has_value(); }, 100))
      continue;
    if (c.run_until([&] { return c.ops().back().acked; }, 50))
      return true;
  }
  return false;
}

} // namespace

TEST_CASE("multi: heartbeats of many groups share one envelope per node pair") {
  cluster c(3, everywhere(3, 24), 3100, base_config(0));
  REQUIRE(c.run_until([&] { return all_serving(c); }, 400));
  c.envelopes = c.group_messages = 0;
  c.run(100);
  // Each node sends each peer at most its heartbeats and its answers: two
  // envelopes per ordered pair and tick, not two per group.
  INFO("envelopes " << c.envelopes << ", group messages " << c.group_messages);
  // (The answers to the tick before the window may fall inside it.)
  CHECK(c.envelopes <= 101 * 2 * 6);
  CHECK(c.group_messages >= 100 * 24 * 2 * 2 * 9 / 10);
  CHECK(c.violation().empty());
}

TEST_CASE("multi: idle groups go quiet, work wakes one and it quiets again") {
  cluster c(3, everywhere(3, 24), 3200, base_config(2));
  REQUIRE(c.run_until([&] { return all_serving(c); }, 400));
  for (group_id g : c.groups())
    REQUIRE(commit_one(c, g, "w" + std::to_string(g)));
  REQUIRE(c.run_until([&] { return all_quiet(c); }, 50));
  c.envelopes = c.group_messages = c.group_ticks = 0;
  c.run(100);
  // Quiet: no group ticks or sends; only the nodes' pings go.
  CHECK(c.group_messages == 0);
  CHECK(c.group_ticks == 0);
  CHECK(c.envelopes <= 100 * 6);
  CHECK(c.envelopes >= 100 * 6 * 9 / 10);
  // A write wakes its group alone, and commits.
  REQUIRE(commit_one(c, 7, "later"));
  std::size_t awake = 0;
  for (node_id a : c.ids())
    awake += c.get(a).awake();
  CHECK(awake <= 3);
  REQUIRE(c.run_until([&] { return c.get(1).awake() == 0; }, 20));
  CHECK(c.violation().empty());
  CHECK(c.final_check().empty());
}

TEST_CASE("multi: a quiet group holds no lease, and a read wakes it") {
  cluster c(3, everywhere(3, 4), 3300, base_config(2));
  REQUIRE(c.run_until([&] { return all_serving(c); }, 400));
  REQUIRE(commit_one(c, 2, "x"));
  auto l = c.leader(2);
  REQUIRE(l);
  // Woken by the write, the group's next heartbeat round renews the lease;
  // reads served from it keep the group awake.
  REQUIRE(c.run_until([&] { return c.get(*l).lease_valid(2); }, 2));
  for (int i = 0; i < 20; ++i) {
    CHECK(c.get(*l).lease_read(2));
    c.run(1);
  }
  CHECK_FALSE(c.get(*l).quiescent(2));
  REQUIRE(c.run_until([&] { return c.get(*l).quiescent(2); }, 50));
  CHECK_FALSE(c.get(*l).lease_valid(2));
  REQUIRE(c.get(*l).read_index(2, "r"));
  REQUIRE(c.run_until([&] { return c.at(*l).groups[2].reads.count("r"); }, 20));
  CHECK(c.at(*l).groups[2].reads["r"] >= c.ops().back().where.index);
  // Awake again, heartbeats renew the lease.
  CHECK(c.run_until([&] { return c.get(*l).lease_valid(2); }, 5));
}

TEST_CASE("multi: the groups a dead node led elect again, quiet or not") {
  for (auto seed : sim::seeds(3400, 8)) {
    CAPTURE(seed);
    cluster c(5, spread(5, 20), seed, base_config(2));
    REQUIRE(c.run_until([&] { return all_serving(c); }, 400));
    for (group_id g : c.groups())
      REQUIRE(commit_one(c, g, "w" + std::to_string(g)));
    REQUIRE(c.run_until([&] { return all_quiet(c); }, 50));
    node_id victim = *c.leader(0);
    c.crash(victim);
    // Found down after liveness_ticks, then an election: well within
    // liveness + 2 election timeouts.
    REQUIRE(c.run_until([&] { return all_serving(c); }, 10 + 2 * 10 + 5));
    for (group_id g : c.groups())
      CHECK(commit_one(c, g, "after" + std::to_string(g)));
    c.restart(victim);
    c.run(50);
    INFO(c.final_check());
    CHECK(c.final_check().empty());
  }
}

TEST_CASE("multi: randomized faults lose no acknowledged write in any group") {
  for (auto seed : sim::seeds(3500, 20)) {
    CAPTURE(seed);
    cluster c(5, spread(5, 10), seed, base_config(2));
    c.drop = 0.05;
    c.max_delay = 20;
    std::mt19937_64 rng(seed);
    for (int round = 0; round < 60; ++round) {
      for (int i = 0; i < 3; ++i)
        c.propose(static_cast<group_id>(rng() % 10),
                  "u" + std::to_string(round) + "." + std::to_string(i));
      c.run(static_cast<int>(rng() % 8));
      switch (rng() % 10) {
      case 0:
        c.isolate(static_cast<node_id>(rng() % 5 + 1));
        break;
      case 1:
      case 2: {
        node_id x = static_cast<node_id>(rng() % 5 + 1);
        if (c.alive(x))
          c.crash(x);
        else
          c.restart(x);
        break;
      }
      case 3:
        c.heal_all();
        c.drop = 0.05;
        break;
      default:
        break;
      }
    }
    // Liveness: healed and restarted, every group serves and commits.
    c.heal_all();
    c.max_delay = 1;
    for (node_id a : c.ids())
      c.restart(a);
    REQUIRE(c.run_until([&] { return all_serving(c); }, 600));
    for (group_id g : c.groups())
      REQUIRE(commit_one(c, g, "final" + std::to_string(g)));
    c.run(30);
    INFO(c.final_check());
    CHECK(c.final_check().empty());
  }
}
