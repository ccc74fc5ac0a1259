// The metadata Raft group as actors on CAF's test coordinator: three
// replicas with memory raft stores, virtual time, links cut by withdrawing
// peer handles.
#include "tests/actors/fixture.hpp"

#include "actors/meta_replica.hpp"

using namespace ds;
using namespace ds::test;

namespace {

struct group_fixture : test_coordinator_fixture<ns_config> {
  std::vector<std::shared_ptr<raft_store>> stores;
  std::vector<metadata_actor> reps;

  explicit group_fixture(int fail_after_on_first = 0) {
    for (int i = 0; i < 3; ++i)
      stores.push_back(
          make_memory_raft_store(i == 0 ? fail_after_on_first : 0));
    for (uint64_t i = 1; i <= 3; ++i)
      spawn(i);
    for (uint64_t i = 1; i <= 3; ++i)
      link_all(i);
  }

  ~group_fixture() {
    for (auto& r : reps)
      caf::anon_send_exit(r, caf::exit_reason::user_shutdown);
    sched.run();
  }

  void spawn(uint64_t id) {
    meta_replica_options o;
    o.id = id;
    o.voters = {1, 2, 3};
    o.seed = 5;
    o.snapshot_every = 20;
    if (reps.size() < id)
      reps.resize(id);
    reps[id - 1] = sys.spawn(meta_replica_behavior, stores[id - 1], o);
    sched.run();
  }

  void peer(uint64_t at, uint64_t id, bool up) {
    self->send(reps[at - 1], raft_peer_atom::value, id,
               caf::actor_cast<caf::strong_actor_ptr>(up ? reps[id - 1]
                                                         : metadata_actor{}));
  }

  void link_all(uint64_t id) {
    for (uint64_t j = 1; j <= 3; ++j)
      if (j != id) {
        peer(id, j, true);
        peer(j, id, true);
      }
    sched.run();
  }

  void cut(uint64_t a, uint64_t b) {
    peer(a, b, false);
    peer(b, a, false);
    sched.run();
  }

  /// Runs `ms` milliseconds of virtual time in 10 ms steps.
  void pass(int ms) {
    for (int t = 0; t < ms; t += 10) {
      sched.run();
      advance_time(std::chrono::milliseconds(10));
    }
    sched.run();
  }

  raft_status status(uint64_t id) {
    raft_status s;
    self->send(reps[id - 1], raft_status_atom::value);
    sched.run();
    self->receive([&](raft_status& x) { s = x; });
    return s;
  }

  uint64_t leader() {
    for (uint64_t i = 1; i <= 3; ++i)
      if (status(i).role == "leader")
        return i;
    return 0;
  }

  // Sends a request, lets up to `ms` of virtual time pass, returns the answer.
  template <class T, class... Ts>
  std::optional<T> ask(uint64_t at, int ms, Ts... xs) {
    std::optional<T> out;
    bool failed = false;
    self->send(reps[at - 1], xs...);
    for (int t = 0; t <= ms && !out && !failed; t += 10) {
      pass(10);
      self->receive([&](T& x) { out = std::move(x); },
                    [&](caf::error&) { failed = true; },
                    caf::after(std::chrono::seconds(0)) >> [] {});
    }
    return out;
  }

  std::optional<meta_result> set(uint64_t at, std::string key,
                                 std::string value) {
    meta_command c = config_set{std::move(key), std::move(value)};
    return ask<meta_result>(at, 3000, meta_atom::value, c);
  }

  std::optional<config_entry> get(uint64_t at, std::string key, int ms = 3000) {
    return ask<config_entry>(at, ms, cfg_get_atom::value, std::move(key));
  }
};

} // namespace

TEST_CASE_FIXTURE(
    group_fixture,
    "three replicas elect one leader, any replica serves sets and reads") {
  pass(3000);
  uint64_t l = leader();
  REQUIRE(l != 0);
  uint64_t f = l % 3 + 1;
  auto r = set(f, "app.period", "60");
  REQUIRE(r);
  CHECK(r->code == errc::ok);
  CHECK(r->version == 1);
  for (uint64_t i = 1; i <= 3; ++i) {
    auto e = get(i, "app.period");
    REQUIRE(e);
    CHECK(e->value == "60");
    CHECK(e->version == 1);
  }
  meta_command c = config_set{"app.period", "90", 7, true};
  auto conflict = ask<meta_result>(l, 3000, meta_atom::value, c);
  REQUIRE(conflict);
  CHECK(conflict->code == errc::econflict);
  CHECK(get(f, "app.period")->value == "60");
}

TEST_CASE_FIXTURE(
    group_fixture,
    "a cut-off leader serves no stale read, the majority goes on") {
  pass(3000);
  uint64_t old = leader();
  REQUIRE(old != 0);
  REQUIRE(set(old, "k", "v1"));
  for (uint64_t j = 1; j <= 3; ++j)
    if (j != old)
      cut(old, j);
  pass(3000);
  uint64_t a = old % 3 + 1;
  auto r = set(a, "k", "v2");
  REQUIRE(r);
  CHECK(r->code == errc::ok);
  CHECK(r->version == 2);
  // The old leader has stepped down; its read waits and then fails rather
  // than answer v1.
  auto stale = get(old, "k", 4000);
  CHECK(!stale);
  link_all(old);
  pass(3000);
  auto fresh = get(old, "k");
  REQUIRE(fresh);
  CHECK(fresh->value == "v2");
}

TEST_CASE_FIXTURE(
    group_fixture,
    "a replica restarts from its raft log, snapshots compact it") {
  pass(3000);
  uint64_t l = leader();
  REQUIRE(l != 0);
  for (int i = 0; i < 45; ++i)
    REQUIRE(set(l, "n", std::to_string(i)));
  uint64_t f = l % 3 + 1;
  pass(500);
  auto before = status(f);
  CHECK(before.snapshot >= 20);
  CHECK(before.stored < 45);
  caf::anon_send_exit(reps[f - 1], caf::exit_reason::kill);
  sched.run();
  spawn(f);
  link_all(f);
  pass(2000);
  auto after = status(f);
  CHECK(after.applied >= before.applied);
  auto e = get(f, "n");
  REQUIRE(e);
  CHECK(e->value == "44");
  CHECK(e->version == 45);
}

TEST_CASE(
    "a replica whose log cannot be synced stops, the other two keep serving") {
  group_fixture g(3); // replica 1's third save fails
  g.pass(4000);
  // Whatever happened, replica 1 is gone or never acked past its last save;
  // the other two still form a majority and serve.
  uint64_t l = 0;
  for (uint64_t i = 2; i <= 3 && !l; ++i)
    if (g.status(i).role == "leader")
      l = i;
  if (!l) {
    g.pass(3000);
    for (uint64_t i = 2; i <= 3 && !l; ++i)
      if (g.status(i).role == "leader")
        l = i;
  }
  REQUIRE(l != 0);
  auto r = g.set(l, "after", "1");
  REQUIRE(r);
  CHECK(r->code == errc::ok);
}

TEST_CASE_FIXTURE(group_fixture,
                  "a batch of sets sent to a follower: forwarded, answered in "
                  "order, a bad key refused alone") {
  pass(3000);
  uint64_t l = leader();
  REQUIRE(l != 0);
  uint64_t f = l % 3 + 1;
  std::vector<meta_command> cmds;
  for (size_t i = 0; i < 5; ++i)
    cmds.push_back(
        config_set{"batch.k" + std::to_string(i % 3), "v" + std::to_string(i)});
  std::get<config_set>(cmds[2]).key = "bad key"; // not a valid setting name
  auto r = ask<meta_batch_reply>(f, 3000, meta_batch_atom::value, cmds);
  REQUIRE(r);
  CHECK(r->leader == l); // the follower forwarded the whole batch
  REQUIRE(r->results.size() == 5);
  CHECK(r->results[0].code == errc::ok);
  CHECK(r->results[1].code == errc::ok);
  CHECK(r->results[2].code == errc::einval);
  CHECK(r->results[3].code == errc::ok);
  CHECK(r->results[4].code == errc::ok);
  // k0 was set twice (items 0 and 3), in order: version 2, value v3.
  CHECK(r->results[3].version == 2);
  auto e = get(f, "batch.k0");
  REQUIRE(e);
  CHECK(e->value == "v3");
  CHECK(e->version == 2);
  CHECK(get(f, "batch.k1")->value == "v4");
  // A batch with no leader reachable: every entry answers EUNAVAILABLE.
  for (uint64_t j = 1; j <= 3; ++j)
    if (j != f)
      cut(f, j);
  auto lost = ask<meta_batch_reply>(f, 5000, meta_batch_atom::value, cmds);
  REQUIRE(lost);
  REQUIRE(lost->results.size() == 5);
  for (auto& x : lost->results)
    CHECK(x.code == errc::eunavailable);
}
