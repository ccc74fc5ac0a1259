// The node's Raft host for shard groups (actors/replica/host.*) on CAF's test
// coordinator: three hosts with memory group logs, four groups on all three,
// virtual time by hand-sent ticks, crashes by killing a host and starting it
// again on the same disk.
#include "tests/actors/replica_host_fixture.hpp"

using namespace ds;
using namespace ds::test;

TEST_CASE_FIXTURE(
    host_fixture,
    "shard groups elect and hand every replica the same entries") {
  for (int k = 0; k < 60 && !all_led(); ++k)
    tick();
  REQUIRE(all_led());
  uint64_t l = leader(2);
  auto a = propose(l, 2, "a");
  auto b = propose(l, 2, "b");
  REQUIRE(a);
  REQUIRE(b);
  CHECK(a->status == group_answer::ok);
  CHECK(b->status == group_answer::ok);
  CHECK(b->index == a->index + 1);
  tick(2);
  for (uint64_t i = 1; i <= 3; ++i) {
    CHECK(commands(i, 2) == std::vector<std::string>{"a", "b"});
    CHECK(in_order((*applied[i - 1])[2]));
    CHECK(commands(i, 1).empty());
  }
  // A follower refuses, naming the leader.
  uint64_t f = l % 3 + 1;
  auto r = propose(f, 2, "c");
  REQUIRE(r);
  CHECK(r->status == group_answer::not_leader);
  CHECK(r->leader == l);
  // A group this node does not host.
  auto none = propose(l, 9, "x");
  REQUIRE(none);
  CHECK(none->status == group_answer::no_group);
}

TEST_CASE_FIXTURE(host_fixture, "a proposal for another term is refused "
                                "before it is appended; reads name the "
                                "leader") {
  for (int k = 0; k < 60 && !all_led(); ++k)
    tick();
  REQUIRE(all_led());
  uint64_t l = leader(0);
  uint64_t term = status(l)[0].term;
  auto ok =
      ask(l, group_propose_atom::value, uint32_t{0}, term, std::string{"now"});
  REQUIRE(ok);
  CHECK(ok->status == group_answer::ok);
  CHECK(ok->term == term);
  // Any other term: one the group is not in (here, the next).
  auto stale = ask(l, group_propose_atom::value, uint32_t{0}, term + 1,
                   std::string{"then"});
  REQUIRE(stale);
  CHECK(stale->status == group_answer::not_leader);
  CHECK(stale->term == term);
  tick(2);
  for (uint64_t i = 1; i <= 3; ++i)
    CHECK(commands(i, 0) == std::vector<std::string>{"now"});
  // A read at the leader names it, with its term.
  auto at_leader = ask(l, group_read_atom::value, uint32_t{0});
  REQUIRE(at_leader);
  CHECK(at_leader->leader == l);
  CHECK(at_leader->term == term);
}

TEST_CASE_FIXTURE(host_fixture, "reads: the leader's, after every "
                                "acknowledged write; a follower refuses at "
                                "once, naming the leader") {
  for (int k = 0; k < 60 && !all_led(); ++k)
    tick();
  REQUIRE(all_led());
  uint64_t l = leader(1);
  auto w = propose(l, 1, "w");
  REQUIRE(w);
  REQUIRE(w->status == group_answer::ok);
  tick(1);
  auto at_leader = ask(l, group_read_atom::value, uint32_t{1});
  REQUIRE(at_leader);
  CHECK(at_leader->status == group_answer::ok);
  CHECK(at_leader->index >= w->index);
  uint64_t f = l % 3 + 1;
  // Sent to the test without a tick: the refusal needs no message to the
  // leader (which a dead leader would never answer).
  self->send(hosts[f - 1], group_read_atom::value, uint32_t{1});
  sched.run();
  std::optional<group_answer> at_follower;
  self->receive([&](group_answer& a) { at_follower = a; },
                caf::after(std::chrono::seconds(0)) >> [] {});
  REQUIRE(at_follower);
  CHECK(at_follower->status == group_answer::not_leader);
  CHECK(at_follower->leader == l);
}

TEST_CASE_FIXTURE(host_fixture, "a killed host's groups fail over; restarted "
                                "on its disk it catches up") {
  for (int k = 0; k < 60 && !all_led(); ++k)
    tick();
  REQUIRE(all_led());
  uint64_t victim = leader(0);
  REQUIRE(propose(victim, 0, "before")->status == group_answer::ok);
  tick(2);
  kill(victim);
  uint64_t other = victim % 3 + 1;
  uint64_t nl = 0;
  for (int k = 0; k < 60 && nl == 0; ++k) {
    tick();
    auto st = status(other)[0];
    if (st.role == "leader")
      nl = other;
    else if (st.leader != 0 && st.leader != victim)
      nl = st.leader;
  }
  REQUIRE(nl != 0);
  for (int i = 0; i < 5; ++i) {
    auto r = propose(nl, 0, "during" + std::to_string(i));
    REQUIRE(r);
    CHECK(r->status == group_answer::ok);
  }
  start(victim);
  link(victim, true);
  tick(20);
  auto got = commands(victim, 0);
  std::vector<std::string> want{"before"};
  for (int i = 0; i < 5; ++i)
    want.push_back("during" + std::to_string(i));
  CHECK(got == want);
  CHECK(in_order((*applied[victim - 1])[0]));
}

TEST_CASE_FIXTURE(host_fixture,
                  "a failed log write stops the host; the others serve on") {
  for (int k = 0; k < 60 && !all_led(); ++k)
    tick();
  REQUIRE(all_led());
  uint64_t l = leader(3);
  kill(l);
  // Back on the same disk, with its first write failing.
  start(l, 1);
  self->monitor(hosts[l - 1]);
  link(l, true);
  tick(3, l);
  bool stopped = false;
  self->receive([&](caf::down_msg&) { stopped = true; },
                caf::after(std::chrono::seconds(0)) >> [] {});
  CHECK(stopped);
  hosts[l - 1] = nullptr;
  uint64_t nl = 0;
  for (int k = 0; k < 60 && nl == 0; ++k) {
    tick();
    nl = leader(3);
  }
  REQUIRE(nl != 0);
  auto r = propose(nl, 3, "still");
  REQUIRE(r);
  CHECK(r->status == group_answer::ok);
}

TEST_CASE_FIXTURE(host_fixture,
                  "envelopes not from the named node's host are dropped") {
  for (int k = 0; k < 60 && !all_led(); ++k)
    tick();
  REQUIRE(all_led());
  uint64_t l = leader(0);
  uint64_t f = l % 3 + 1;
  auto term = status(f)[0].term;
  // An envelope claiming to come from the leader's node, sent by the test:
  // a heartbeat of a far later term would raise the follower's term.
  raft::envelope e;
  e.from = l;
  e.to = f;
  raft::group_message gm;
  gm.group = 0;
  gm.msg.type = raft::msg_type::heartbeat;
  gm.msg.from = l;
  gm.msg.to = f;
  gm.msg.term = term + 100;
  e.msgs.push_back(gm);
  self->send(hosts[f - 1], group_env_atom::value, encode_envelope(e));
  self->send(hosts[f - 1], group_env_atom::value, std::string("junk"));
  tick(1);
  CHECK(status(f)[0].term == term);
}

TEST_CASE_FIXTURE(host_fixture, "a shard group's batches reach every "
                                "replica's store, once each") {
  // Each node's committer is the sink of group 1, on a memory store, from
  // the group's first entry on.
  std::vector<std::shared_ptr<shard_store>> stores;
  for (uint64_t i = 1; i <= 3; ++i) {
    stores.push_back(make_memory_shard_store());
    auto c = sys.spawn(committer_behavior, stores.back());
    self->send(hosts[i - 1], group_sink_atom::value, uint32_t{1},
               caf::actor_cast<group_sink_actor>(c));
  }
  sched.run();
  for (int k = 0; k < 60 && !all_led(); ++k)
    tick();
  REQUIRE(all_led());
  ns_shard s{1, {}};
  auto direct = make_memory_shard_store();
  uint64_t l = leader(1);
  uint64_t last = 0;
  for (int round = 0; round < 5; ++round) {
    bool wait = false;
    for (int i = 0; i < 40; ++i)
      s.apply(
          make_request(ns_op::create, root_ino,
                       "r" + std::to_string(round) + "." + std::to_string(i)),
          1000, wait);
    auto b = s.take_changes();
    direct->commit(b);
    auto r = propose(l, 1, encode_commit_batch(b));
    REQUIRE(r);
    REQUIRE(r->status == group_answer::ok);
    last = r->index;
  }
  tick(2);
  auto want = direct->load();
  for (auto& st : stores) {
    CHECK(st->applied() == last);
    auto got = st->load();
    CHECK(got.entries.size() == want.entries.size());
    CHECK(got.nodes.size() == want.nodes.size());
    CHECK(got.next_seq == want.next_seq);
  }
  // Handed the same entries again (a restarted host), a store skips them.
  auto commits = stores[0]->commits();
  std::vector<group_entry> again{{last, 1, "not a batch"}};
  auto c0 = sys.spawn(committer_behavior, stores[0]);
  self->send(c0, group_apply_atom::value, uint32_t{1}, again);
  sched.run();
  CHECK(stores[0]->commits() == commits);
  // A gap (a replica behind a compacted log) is refused, not skipped over.
  std::vector<group_entry> gap{{last + 5, 1, std::string{}}};
  self->send(c0, group_apply_atom::value, uint32_t{1}, gap);
  sched.run();
  CHECK(stores[0]->applied() == last);
}

TEST_CASE_FIXTURE(host_fixture, "a proposal unanswered in time names the "
                                "index it was appended at") {
  for (int k = 0; k < 60 && !all_led(); ++k)
    tick();
  REQUIRE(all_led());
  uint64_t l = leader(1);
  auto before = propose(l, 1, "before");
  REQUIRE(before);
  REQUIRE(before->status == group_answer::ok);
  // Cut off, the leader appends the next one but cannot commit it: its
  // outcome is unknown, and the shard replica must not load a core in
  // this term before the commit index reaches it (shard_group.cpp).
  link(l, false);
  self->send(hosts[l - 1], group_propose_atom::value, uint32_t{1}, uint64_t{0},
             std::string{"cut"});
  std::optional<group_answer> out;
  for (int k = 0; k < 100 && !out; ++k) {
    tick();
    self->receive([&](group_answer& a) { out = a; },
                  caf::after(std::chrono::seconds(0)) >> [] {});
  }
  REQUIRE(out);
  CHECK(out->status == group_answer::unavailable);
  CHECK(out->index == before->index + 1);
}
