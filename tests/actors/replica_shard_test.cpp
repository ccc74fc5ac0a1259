// A shard as one replica of its shard group (actors/shard_group.cpp) on
// CAF's test coordinator: three nodes, each a Raft host on a memory group
// log, a committer on a memory shard store (the group's sink) and the shard
// replica; virtual time by hand-sent ticks; crashes by killing a node's
// actors and starting them again on the same disks.
#include "tests/actors/fixture.hpp"

#include <set>

#include "actors/replica/host.hpp"

using namespace ds;
using namespace ds::test;

namespace {

constexpr uint32_t group_id = 0;

struct group_fixture : test_coordinator_fixture<ns_config> {
  std::vector<std::shared_ptr<memory_group_log_disk>> disks;
  std::vector<std::shared_ptr<faulty_store>> stores;
  std::vector<replica_host_actor> hosts;
  std::vector<committer_actor> committers;
  std::vector<shard_actor> shards;

  uint64_t compact_every = 0; ///< the hosts' log compaction (0: never)
  uint64_t compact_keep = 0;

  explicit group_fixture(uint64_t every = 0, uint64_t keep = 0)
      : compact_every(every), compact_keep(keep) {
    hosts.resize(3);
    committers.resize(3);
    shards.resize(3);
    for (int i = 0; i < 3; ++i) {
      disks.push_back(make_memory_group_log_disk());
      stores.push_back(std::make_shared<faulty_store>());
    }
    for (uint64_t i = 1; i <= 3; ++i)
      start(i);
    for (uint64_t i = 1; i <= 3; ++i)
      link(i, true);
  }

  ~group_fixture() {
    for (uint64_t i = 1; i <= 3; ++i)
      if (hosts[i - 1])
        kill(i);
  }

  void start(uint64_t id) {
    replica_host_options o;
    o.id = id;
    o.groups[group_id] = {1, 2, 3};
    o.tick = caf::timespan{0};
    o.multi = default_group_settings();
    o.seed = 5;
    o.compact_every = compact_every;
    o.compact_keep = compact_keep;
    std::shared_ptr<group_log_store> log =
        make_memory_group_log_store(0, disks[id - 1]);
    auto& host = hosts[id - 1];
    host = sys.spawn(replica_host_behavior, log, o);
    auto& committer = committers[id - 1];
    committer = sys.spawn(committer_behavior,
                          std::shared_ptr<shard_store>{stores[id - 1]});
    self->send(host, group_sink_atom::value, group_id,
               caf::actor_cast<group_sink_actor>(committer));
    shard_group_options g;
    g.host = host;
    g.group = group_id;
    g.self = id;
    shards[id - 1] = sys.spawn(replica_shard_behavior, g, committer,
                               std::make_shared<shard_meters>(),
                               shard_psm_options{}, shard_capacity_options{});
    sched.run();
  }

  void link(uint64_t id, bool up) {
    for (uint64_t j = 1; j <= 3; ++j) {
      if (j == id || !hosts[j - 1])
        continue;
      auto handle = [&](uint64_t k) {
        return caf::actor_cast<caf::strong_actor_ptr>(
            up ? hosts[k - 1] : replica_host_actor{});
      };
      self->send(hosts[id - 1], group_peer_atom::value, j, handle(j));
      self->send(hosts[j - 1], group_peer_atom::value, id, handle(id));
    }
    sched.run();
  }

  void kill(uint64_t id) {
    link(id, false);
    for (auto hdl : {caf::actor_cast<caf::actor>(shards[id - 1]),
                     caf::actor_cast<caf::actor>(committers[id - 1]),
                     caf::actor_cast<caf::actor>(hosts[id - 1])})
      caf::anon_send_exit(hdl, caf::exit_reason::kill);
    sched.run();
    hosts[id - 1] = nullptr;
    committers[id - 1] = nullptr;
    shards[id - 1] = nullptr;
  }

  void tick(int n = 1) {
    for (int k = 0; k < n; ++k) {
      for (auto& h : hosts)
        if (h)
          self->send(h, group_tick_atom::value);
      sched.run();
    }
  }

  group_state_info status(uint64_t id) {
    group_state_info out;
    self->send(hosts[id - 1], group_status_atom::value);
    sched.run();
    self->receive([&](std::vector<group_state_info>& x) { out = x.at(0); });
    return out;
  }

  uint64_t leader() {
    for (uint64_t i = 1; i <= 3; ++i)
      if (hosts[i - 1] && status(i).role == "leader")
        return i;
    return 0;
  }

  uint64_t elect() {
    for (int k = 0; k < 80 && leader() == 0; ++k)
      tick();
    return leader();
  }

  /// Sends a batch to node `at`'s shard; ticks until it is answered.
  std::vector<ns_reply> call(uint64_t at, std::vector<ns_request> reqs) {
    std::optional<std::vector<ns_reply>> out;
    self->send(shards[at - 1], ns_atom::value, std::move(reqs));
    for (int k = 0; k < 80 && !out; ++k) {
      sched.run();
      self->receive([&](std::vector<ns_reply>& r) { out = r; },
                    caf::after(std::chrono::seconds(0)) >> [] {});
      if (!out)
        tick();
    }
    REQUIRE(out);
    return *out;
  }

  errc create(uint64_t at, const std::string& name) {
    return call(at, {make_request(ns_op::create, root_ino, name)}).at(0).code;
  }

  ns_reply lookup(uint64_t at, const std::string& name) {
    return call(at, {make_request(ns_op::lookup, root_ino, name)}).at(0);
  }

  /// The names in node `id`'s store.
  std::set<std::string> stored(uint64_t id) {
    std::set<std::string> out;
    for (auto& e : stores[id - 1]->load().entries)
      out.insert(e.e.name);
    return out;
  }
};

struct compacting_fixture : group_fixture {
  compacting_fixture() : group_fixture(10, 3) {}
};

} // namespace

TEST_CASE_FIXTURE(group_fixture, "a write is answered once its group "
                                 "committed it; every replica stores it") {
  uint64_t l = elect();
  REQUIRE(l != 0);
  CHECK(create(l, "a") == errc::ok);
  CHECK(create(l, "b") == errc::ok);
  CHECK(create(l, "a") == errc::eexist);
  auto r = lookup(l, "b");
  CHECK(r.code == errc::ok);
  tick(3); // followers learn the commit index
  for (uint64_t i = 1; i <= 3; ++i)
    CHECK(stored(i) == std::set<std::string>{"a", "b"});
}

TEST_CASE_FIXTURE(group_fixture, "a follower answers ENOTLEADER naming the "
                                 "leader and applies nothing") {
  uint64_t l = elect();
  REQUIRE(l != 0);
  CHECK(create(l, "x") == errc::ok);
  uint64_t f = l % 3 + 1;
  auto r = call(f, {make_request(ns_op::create, root_ino, "y")}).at(0);
  CHECK(r.code == errc::enotleader);
  CHECK(r.node == l);
  tick(3);
  for (uint64_t i = 1; i <= 3; ++i)
    CHECK(stored(i) == std::set<std::string>{"x"});
}

TEST_CASE_FIXTURE(group_fixture, "after the leader's node dies, the new "
                                 "leader serves every acknowledged write") {
  uint64_t l = elect();
  REQUIRE(l != 0);
  for (int i = 0; i < 5; ++i)
    REQUIRE(create(l, "f" + std::to_string(i)) == errc::ok);
  kill(l);
  uint64_t nl = elect();
  REQUIRE(nl != 0);
  CHECK(nl != l);
  // The new leader's shard loads its store on the first request.
  for (int i = 0; i < 5; ++i)
    CHECK(lookup(nl, "f" + std::to_string(i)).code == errc::ok);
  CHECK(create(nl, "f0") == errc::eexist);
  CHECK(create(nl, "g") == errc::ok);
  // The dead node comes back, catches up from the log and follows.
  start(l);
  link(l, true);
  tick(10);
  CHECK(stored(l).count("g") == 1);
  CHECK(stored(l).size() == 6);
  auto r = lookup(l, "g");
  CHECK(r.code == errc::enotleader);
  CHECK(r.node == nl);
}

TEST_CASE_FIXTURE(group_fixture, "a create sent again to the next leader "
                                 "after its answer was lost is answered "
                                 "ok, not EEXIST") {
  uint64_t l = elect();
  REQUIRE(l != 0);
  auto req = make_request(ns_op::create, root_ino, "once");
  req.rid = 42;
  auto first = call(l, {req}).at(0); // as if this answer were lost
  REQUIRE(first.code == errc::ok);
  auto unlink = make_request(ns_op::unlink, root_ino, "once");
  REQUIRE(create(l, "other") == errc::ok);
  kill(l);
  uint64_t nl = elect();
  REQUIRE(nl != 0);
  // The router sends the same request (same id) to the new leader.
  auto again = call(nl, {req}).at(0);
  CHECK(again.code == errc::ok);
  CHECK(again.a == first.a);
  // Another create of the name, and a request without an id, are new.
  auto rival = req;
  rival.rid = 43;
  CHECK(call(nl, {rival}).at(0).code == errc::eexist);
  CHECK(create(nl, "once") == errc::eexist);
  // Likewise an unlink: the second try after a failover answers ok.
  unlink.rid = 44;
  REQUIRE(call(nl, {unlink}).at(0).code == errc::ok);
  start(l);
  link(l, true);
  tick(10);
  kill(nl);
  uint64_t third = elect();
  REQUIRE(third != 0);
  CHECK(call(third, {unlink}).at(0).code == errc::ok);
  CHECK(lookup(third, "once").code == errc::enoent);
}

TEST_CASE_FIXTURE(group_fixture, "a leader cut off never answers from its "
                                 "old state") {
  uint64_t l = elect();
  REQUIRE(l != 0);
  REQUIRE(create(l, "old") == errc::ok);
  // Cut the leader off; the others elect a new leader and write.
  link(l, false);
  uint64_t nl = 0;
  for (int k = 0; k < 80 && nl == 0; ++k) {
    tick();
    for (uint64_t i = 1; i <= 3; ++i)
      if (i != l && status(i).role == "leader")
        nl = i;
  }
  REQUIRE(nl != 0);
  REQUIRE(create(nl, "new") == errc::ok);
  // The old leader's shard would find no "new" in its memory; it answers
  // ENOTLEADER instead (its lease ran out; no quorum confirms it).
  auto r = lookup(l, "new");
  CHECK(r.code == errc::enotleader);
  auto w = call(l, {make_request(ns_op::create, root_ino, "lost")}).at(0);
  CHECK(w.code == errc::enotleader);
  // Healed, it follows; nothing it refused was applied anywhere.
  link(l, true);
  tick(10);
  for (uint64_t i = 1; i <= 3; ++i)
    CHECK(stored(i) == std::set<std::string>{"old", "new"});
}

TEST_CASE_FIXTURE(compacting_fixture, "a replica behind the compacted log "
                                      "catches up from the leader's store, "
                                      "and serves it once it leads") {
  uint64_t l = elect();
  REQUIRE(l != 0);
  uint64_t f = l % 3 + 1;
  REQUIRE(create(l, "a") == errc::ok);
  tick(2);
  kill(f);
  for (int i = 0; i < 40; ++i)
    REQUIRE(create(l, "f" + std::to_string(i)) == errc::ok);
  REQUIRE(stored(l).size() == 41);
  start(f);
  link(f, true);
  for (int k = 0; k < 60 && stored(f) != stored(l); ++k)
    tick();
  CHECK(stored(f) == stored(l));
  CHECK(stores[f - 1]->applied() >= 40);
  // Writes after the snapshot reach it from the log.
  REQUIRE(create(l, "g") == errc::ok);
  tick(3);
  CHECK(stored(f).count("g") == 1);
  // The old leader dies; the group (f among its two) serves everything.
  kill(l);
  uint64_t nl = elect();
  REQUIRE(nl != 0);
  CHECK(lookup(nl, "a").code == errc::ok);
  CHECK(lookup(nl, "f39").code == errc::ok);
  CHECK(create(nl, "g") == errc::eexist);
  CHECK(create(nl, "h") == errc::ok);
  tick(3);
  CHECK(stored(f).count("h") == 1);
}
