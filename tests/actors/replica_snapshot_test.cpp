// Log compaction and streamed snapshots of shard groups
// (actors/replica/host_snapshots.cpp): a follower behind the leader's
// compacted log catches up from the leader's sink, sent in acknowledged
// chunks; a sink never goes back to an older state; chunks from anyone but
// the leader's host are dropped.
#include "tests/actors/replica_host_fixture.hpp"

#include "messages/group_chunk.hpp"

using namespace ds;
using namespace ds::test;

namespace {

// Logs compact once 20 entries are durable past the snapshot point, down to
// 5 below the sink's index.
struct compacting_fixture : host_fixture {
  compacting_fixture() : host_fixture(20, 5) {}

  /// Once every group leads: group 0's leader `l` writes 60 entries while
  /// its follower `f` is down (far past the compaction point); returns them.
  std::vector<std::string> write_while_down(uint64_t& l, uint64_t& f) {
    for (int k = 0; k < 60 && !all_led(); ++k)
      tick();
    REQUIRE(all_led());
    l = leader(0);
    f = l % 3 + 1;
    std::vector<std::string> want;
    kill(f);
    write(l, "c", 60, want);
    return want;
  }

  /// Leader l writes n entries prefix0..prefix(n-1) to group 0, each
  /// committed, and adds them to `want`.
  void write(uint64_t l, const std::string& prefix, int n,
             std::vector<std::string>& want) {
    for (int i = 0; i < n; ++i) {
      auto a = propose(l, 0, prefix + std::to_string(i));
      REQUIRE(a);
      REQUIRE(a->status == group_answer::ok);
      want.push_back(prefix + std::to_string(i));
    }
  }

  /// Ticks until follower f's sink holds `want` for group 0, at most
  /// `limit` ticks; returns the ticks taken.
  int ticks_to_catch_up(uint64_t f, const std::vector<std::string>& want,
                        int limit) {
    int waited = 0;
    for (; waited < limit && commands(f, 0) != want; ++waited)
      tick();
    MESSAGE("caught up after " << waited << " ticks");
    return waited;
  }

  /// Follower f's new host `real` and leader l talk through a proxy that
  /// passes their Raft messages and drops the leader's snapshot chunks (as
  /// if they went to a process that died); the third node talks to `real`
  /// directly. Returns the proxy.
  caf::actor wire_through_chunk_eater(uint64_t l, uint64_t f) {
    auto real = hosts[f - 1];
    auto lead = hosts[l - 1];
    auto proxy = sys.spawn([real, lead](caf::event_based_actor* a) {
      return caf::behavior{
          [a, real, lead](group_env_atom x, std::string& b) {
            if (a->current_sender() ==
                caf::actor_cast<caf::strong_actor_ptr>(lead))
              a->send(real, x, std::move(b));
            else
              a->send(lead, x, std::move(b));
          },
          [](group_chunk_atom, std::string&) {}, // lost
      };
    });
    auto handle = [](const auto& h) {
      return caf::actor_cast<caf::strong_actor_ptr>(h);
    };
    for (uint64_t j = 1; j <= 3; ++j) {
      if (j == f)
        continue;
      auto via = j == l ? handle(proxy) : handle(real);
      self->send(real, group_peer_atom::value, j,
                 j == l ? handle(proxy) : handle(hosts[j - 1]));
      self->send(hosts[j - 1], group_peer_atom::value, f, via);
    }
    sched.run();
    return proxy;
  }
};

} // namespace

TEST_CASE_FIXTURE(compacting_fixture,
                  "a follower behind the compacted log catches up from a "
                  "snapshot streamed in chunks") {
  for (int k = 0; k < 60 && !all_led(); ++k)
    tick();
  REQUIRE(all_led());
  uint64_t l = leader(0);
  uint64_t f = l % 3 + 1;
  std::vector<std::string> want;
  auto write = [&](const std::string& x) {
    auto a = propose(l, 0, x);
    REQUIRE(a);
    REQUIRE(a->status == group_answer::ok);
    want.push_back(x);
  };
  write("first");
  tick(2);
  CHECK(commands(f, 0) == want);
  kill(f);
  for (int i = 0; i < 60; ++i)
    write("c" + std::to_string(i));
  tick(2);
  CHECK(commands(l, 0) == want);
  // The leader's log no longer holds what the follower lacks.
  start(f);
  link(f, true);
  for (int k = 0; k < 100 && commands(f, 0) != want; ++k)
    tick();
  CHECK(commands(f, 0) == want);
  CHECK((*installs[f - 1])[0] == 1);
  CHECK(in_order((*applied[f - 1])[0]));
  // It follows from the log again: new entries reach it, without another
  // snapshot.
  write("after");
  tick(3);
  CHECK(commands(f, 0) == want);
  CHECK((*installs[f - 1])[0] == 1);
  CHECK(in_order((*applied[f - 1])[0]));
  // The other groups, idle meanwhile, needed none.
  for (uint32_t g = 1; g < groups; ++g)
    CHECK((*installs[f - 1])[g] == 0);
}

TEST_CASE_FIXTURE(compacting_fixture,
                  "a follower down for long catches up from a snapshot as "
                  "soon as it is back") {
  uint64_t l = 0, f = 0;
  auto want = write_while_down(l, f);
  // Down for 30 s of ticks: the leader's snapshot for it times out again
  // and again meanwhile.
  tick(600);
  start(f);
  link(f, true);
  int waited = ticks_to_catch_up(f, want, 2000);
  CHECK(commands(f, 0) == want);
  CHECK(waited < 100);
}

TEST_CASE_FIXTURE(compacting_fixture,
                  "a snapshot streamed to a process that died is dropped "
                  "when its node comes back, not left to expire") {
  uint64_t l = 0, f = 0;
  auto want = write_while_down(l, f);
  // The follower's node comes back, but the leader's snapshot goes astray
  // (its chunks reach a process that dies before it acknowledges them): the
  // leader and the follower talk through a proxy that drops the chunks.
  start(f);
  auto real = hosts[f - 1];
  auto proxy = wire_through_chunk_eater(l, f);
  tick(10);
  REQUIRE(commands(f, 0) != want);
  // The follower's process dies and its node comes back at once: the
  // stalled transfer goes, and the leader's core, told, sends a new one at
  // the follower's first answer: not after the stalled transfer expires
  // (100 ticks), nor after the core stops waiting for it (2 x election
  // ticks).
  caf::anon_send_exit(real, caf::exit_reason::kill);
  sched.run();
  hosts[f - 1] = nullptr;
  start(f);
  link(f, true);
  int waited = ticks_to_catch_up(f, want, 300);
  CHECK(commands(f, 0) == want);
  CHECK(waited <= 5);
  caf::anon_send_exit(proxy, caf::exit_reason::user_shutdown);
  sched.run();
}

TEST_CASE_FIXTURE(compacting_fixture,
                  "a snapshot chunk from a node the follower has not heard "
                  "from yet is refused to its sender, and sent again later") {
  uint64_t l = 0, f = 0;
  auto want = write_while_down(l, f);
  // The follower's node comes back, and the snapshot the leader streams
  // to it goes astray; its process dies, so the leader's core is told.
  start(f);
  auto proxy = wire_through_chunk_eater(l, f);
  tick(10);
  REQUIRE(commands(f, 0) != want);
  caf::anon_send_exit(hosts[f - 1], caf::exit_reason::kill);
  sched.run();
  // Writes go on meanwhile, and the log is compacted past the snapshot.
  write(l, "d", 30, want);
  // It comes back again. The leader learns of it first, and its next write
  // makes it stream the follower a snapshot before the follower has heard
  // of the leader's node.
  start(f);
  self->send(hosts[l - 1], group_peer_atom::value, f,
             caf::actor_cast<caf::strong_actor_ptr>(hosts[f - 1]));
  sched.run();
  auto a = propose(l, 0, "late");
  REQUIRE(a);
  REQUIRE(a->status == group_answer::ok);
  want.push_back("late");
  REQUIRE(commands(f, 0) != want);
  // Greeted, it gets a snapshot at once, not after the refused one would
  // have expired (100 ticks).
  link(f, true);
  int waited = ticks_to_catch_up(f, want, 300);
  CHECK(commands(f, 0) == want);
  CHECK(waited <= 5);
  caf::anon_send_exit(proxy, caf::exit_reason::user_shutdown);
  sched.run();
}

TEST_CASE_FIXTURE(compacting_fixture,
                  "a follower a little behind catches up from the log") {
  for (int k = 0; k < 60 && !all_led(); ++k)
    tick();
  REQUIRE(all_led());
  uint64_t l = leader(1);
  uint64_t f = l % 3 + 1;
  kill(f);
  std::vector<std::string> want;
  for (int i = 0; i < 4; ++i) {
    auto a = propose(l, 1, "x" + std::to_string(i));
    REQUIRE(a);
    REQUIRE(a->status == group_answer::ok);
    want.push_back("x" + std::to_string(i));
  }
  start(f);
  link(f, true);
  for (int k = 0; k < 60 && commands(f, 1) != want; ++k)
    tick();
  CHECK(commands(f, 1) == want);
  CHECK((*installs[f - 1])[1] == 0);
}

TEST_CASE_FIXTURE(compacting_fixture,
                  "snapshot chunks from anyone but a peer's host are "
                  "dropped") {
  for (int k = 0; k < 60 && !all_led(); ++k)
    tick();
  REQUIRE(all_led());
  uint64_t l = leader(2);
  uint64_t f = l % 3 + 1;
  group_chunk c;
  c.group = 2;
  c.from = l; // claims to be the leader, but comes from the test
  c.transfer = 1;
  c.seq = 0;
  c.last = true;
  c.leader_term = status(l)[2].term;
  c.index = 1000;
  c.index_term = c.leader_term;
  c.voters = {1, 2, 3};
  c.data = "1000 1 forged";
  self->send(hosts[f - 1], group_chunk_atom::value, encode_group_chunk(c));
  // Bytes that are no chunk at all.
  self->send(hosts[f - 1], group_chunk_atom::value, std::string{"\x93junk"});
  sched.run();
  tick(2);
  CHECK((*installs[f - 1])[2] == 0);
  CHECK(commands(f, 2).empty());
  CHECK(status(f)[2].committed < 1000);
  // The host still serves.
  auto a = propose(l, 2, "fine");
  REQUIRE(a);
  CHECK(a->status == group_answer::ok);
}

TEST_CASE_FIXTURE(test_coordinator_fixture<ns_config>,
                  "a committer installs a snapshot only ahead of its state, "
                  "and only whole") {
  auto store = std::shared_ptr<shard_store>{make_memory_shard_store()};
  auto committer = sys.spawn(committer_behavior, store);
  ns_shard leader{0, {}};
  bool wait = false;
  auto create = [&](const std::string& name) {
    leader.apply(make_request(ns_op::create, root_ino, name), 1000, wait);
    return encode_commit_batch(leader.take_changes());
  };
  std::vector<group_entry> es;
  for (uint64_t i = 1; i <= 5; ++i)
    es.push_back(group_entry{i, 1, create("e" + std::to_string(i))});
  caf::anon_send(committer, group_apply_atom::value, uint32_t{0}, es);
  sched.run();
  REQUIRE(store->applied() == 5);
  auto install = [&](uint64_t t, uint32_t seq, std::string chunk,
                     uint64_t index) {
    std::optional<uint64_t> held;
    bool failed = false;
    auto rh = self->request(committer, caf::infinite, group_install_atom::value,
                            uint32_t{0}, t, seq, std::move(chunk), index);
    sched.run();
    rh.receive([&](uint64_t h) { held = h; },
               [&](caf::error&) { failed = true; });
    return failed ? std::optional<uint64_t>{} : held;
  };
  // Another state: one name only.
  ns_shard other{0, {}};
  other.apply(make_request(ns_op::create, root_ino, "z"), 1000, wait);
  auto z = encode_commit_batch(other.take_changes());
  // Stale: at index 3 < 5. Answered with what it holds, nothing changes.
  auto stale = install(1, 0, z, 3);
  REQUIRE(stale);
  CHECK(*stale == 5);
  CHECK(store->load().entries.size() == 5);
  // Out of order, or undecodable: refused, nothing changes.
  CHECK_FALSE(install(2, 1, z, 0));
  CHECK(install(3, 0, z, 0) == uint64_t{0});
  CHECK_FALSE(install(3, 2, z, 9)); // chunk 1 missing
  CHECK_FALSE(install(4, 0, "junk", 9));
  CHECK(store->applied() == 5);
  CHECK(store->load().entries.size() == 5);
  // Ahead: the state is replaced whole, and later entries follow it.
  auto ahead = install(5, 0, z, 9);
  REQUIRE(ahead);
  CHECK(*ahead == 9);
  CHECK(store->applied() == 9);
  auto l = store->load();
  REQUIRE(l.entries.size() == 1);
  CHECK(l.entries[0].e.name == "z");
  caf::anon_send(committer, group_apply_atom::value, uint32_t{0},
                 std::vector<group_entry>{{8, 1, create("skipped")},
                                          {9, 1, create("skipped2")},
                                          {10, 1, std::string{}}});
  sched.run();
  CHECK(store->applied() == 10);
  CHECK(store->load().entries.size() == 1);
  caf::anon_send_exit(committer, caf::exit_reason::user_shutdown);
  sched.run();
}
