// Unit tests of the Raft core through its public interface, one node or a
// hand-driven pair; the simulated-network suites live in raft_faults_test.cpp
// and raft_scenarios_test.cpp.
#include "model/raft/check.hpp"
#include "model/raft/raft.hpp"

#include <doctest/doctest.h>

using namespace ds::raft;

namespace {

config make_config(node_id id, std::vector<node_id> voters) {
  config c;
  c.id = id;
  c.voters = std::move(voters);
  c.seed = id;
  return c;
}

// Drives one ready the way an actor does, returning it.
ready drain(node& n) {
  ready rd = n.get_ready();
  n.advance(rd);
  return rd;
}

} // namespace

TEST_CASE("a group of one elects itself and commits after persisting") {
  node n(make_config(1, {1}), {});
  CHECK(n.current_role() == role::follower);
  for (int i = 0; i < 30 && n.current_role() != role::leader; ++i)
    n.tick();
  REQUIRE(n.current_role() == role::leader);
  CHECK(n.term() == 1);
  // The no-op of the new term is not committed before it is persisted.
  CHECK(n.log().committed() == 0);
  REQUIRE(n.has_ready());
  ready rd = n.get_ready();
  CHECK(rd.entries.size() == 1);
  CHECK(rd.committed.empty());
  n.advance(rd);
  CHECK(n.log().committed() == 1);
  auto p = n.propose("x");
  REQUIRE(p);
  CHECK(p->index == 2);
  ready r2 = n.get_ready();
  CHECK(r2.committed.size() == 1); // the no-op, committed at advance above
  n.advance(r2);
  ready r3 = drain(n);
  REQUIRE(r3.committed.size() == 1);
  CHECK(r3.committed[0].data == "x");
  CHECK(!n.has_ready());
}

TEST_CASE("proposals are refused by a follower") {
  node n(make_config(1, {1, 2, 3}), {});
  CHECK(!n.propose("x"));
  CHECK(!n.read_index("r")); // no leader known
}

TEST_CASE("a restarted node keeps its term, vote and log") {
  restored_state rs;
  rs.hard = hard_state{7, 2, 2};
  for (index_t i = 1; i <= 3; ++i)
    rs.entries.push_back(entry{i == 3 ? term_t{7} : term_t{5}, i,
                               entry_type::normal, "e" + std::to_string(i)});
  node n(make_config(1, {1, 2, 3}), rs);
  CHECK(n.term() == 7);
  CHECK(n.vote() == 2);
  CHECK(n.log().last_index() == 3);
  CHECK(n.log().committed() == 2);
  // It re-applies what was committed without waiting for a leader.
  ready rd = drain(n);
  CHECK(rd.committed.size() == 2);
  CHECK(!rd.hard);
  // A vote request of the same term from another candidate is refused.
  message m;
  m.type = msg_type::vote;
  m.from = 3;
  m.to = 1;
  m.term = 7;
  m.index = 10;
  m.log_term = 7;
  n.step(m);
  ready r2 = drain(n);
  REQUIRE(r2.messages.size() == 1);
  CHECK(r2.messages[0].type == msg_type::vote_resp);
  CHECK(r2.messages[0].reject);
}

TEST_CASE("voter sets encode and decode, malformed data is refused") {
  std::vector<node_id> v{1, 2, 300000000000ULL};
  CHECK(decode_voters(encode_voters(v)) == v);
  CHECK(!decode_voters(""));
  CHECK(!decode_voters("abc"));
  CHECK(!decode_voters(encode_voters({2, 1})));
  CHECK(!decode_voters(encode_voters({0})));
}

TEST_CASE("a vote is persisted in the same ready as its answer") {
  node n(make_config(2, {1, 2, 3}), {});
  message m;
  m.type = msg_type::vote;
  m.from = 1;
  m.to = 2;
  m.term = 1;
  n.step(m);
  ready rd = drain(n);
  REQUIRE(rd.hard);
  CHECK(rd.hard->term == 1);
  CHECK(rd.hard->vote == 1);
  REQUIRE(rd.messages.size() == 1);
  CHECK(!rd.messages[0].reject);
}

TEST_CASE("get_ready twice without advance is a contract violation") {
  node n(make_config(1, {1}), {});
  n.campaign();
  (void)n.get_ready();
  CHECK(!n.has_ready());
  CHECK_THROWS_AS(n.get_ready(), invariant_error);
}

namespace {

// Elects node 1 of {1, 2, 3}: every (pre)vote request is granted by hand.
void elect_first(node& n) {
  n.campaign();
  for (int round = 0; round < 4 && n.current_role() != role::leader; ++round) {
    ready rd = drain(n);
    for (auto& m : rd.messages) {
      if (m.type != msg_type::prevote && m.type != msg_type::vote)
        continue;
      message r;
      r.type = m.type == msg_type::prevote ? msg_type::prevote_resp
                                           : msg_type::vote_resp;
      r.from = m.to;
      r.to = 1;
      r.term = m.term;
      n.step(r);
    }
  }
}

} // namespace

TEST_CASE("a leader's appends leave before its write, batched proposals "
          "share one append per follower") {
  node n(make_config(1, {1, 2, 3}), {});
  elect_first(n);
  REQUIRE(n.current_role() == role::leader);
  // The new term's no-op: its appends may go before the leader's own write
  // (its term and vote are on disk since it campaigned).
  ready rd = n.get_ready();
  REQUIRE(rd.entries.size() == 1);
  CHECK(rd.early.size() == 2);
  for (auto& m : rd.messages)
    CHECK(m.type != msg_type::append);
  n.advance(rd);
  index_t noop = rd.entries[0].index;
  for (node_id f : {node_id{2}, node_id{3}}) {
    message ack;
    ack.type = msg_type::append_resp;
    ack.from = f;
    ack.to = 1;
    ack.term = n.term();
    ack.index = noop;
    n.step(ack);
  }
  (void)drain(n);
  for (int i = 0; i < 5; ++i)
    REQUIRE(n.propose("v" + std::to_string(i)));
  ready r2 = n.get_ready();
  CHECK(r2.entries.size() == 5);
  REQUIRE(r2.early.size() == 2); // one append per follower for all five
  for (auto& m : r2.early) {
    CHECK(m.type == msg_type::append);
    CHECK(m.entries.size() == 5);
  }
  CHECK(r2.messages.empty());
  // Not committed until persisted here or acknowledged by a follower.
  CHECK(r2.committed.empty());
  n.advance(r2);
}

TEST_CASE("a follower's acknowledgement never leaves before its write") {
  node n(make_config(2, {1, 2, 3}), {});
  message m;
  m.type = msg_type::append;
  m.from = 1;
  m.to = 2;
  m.term = 1;
  m.index = 0;
  m.log_term = 0;
  m.entries.push_back(entry{1, 1, entry_type::normal, "x"});
  n.step(m);
  ready rd = n.get_ready();
  CHECK(rd.early.empty());
  REQUIRE(rd.entries.size() == 1);
  REQUIRE(rd.messages.size() == 1);
  CHECK(rd.messages[0].type == msg_type::append_resp);
  n.advance(rd);
}

TEST_CASE("a slice of the log is bounded in entries and in bytes, and holds "
          "one entry whatever its size") {
  std::vector<entry> es;
  for (index_t i = 1; i <= 10; ++i)
    es.push_back(entry{1, i, entry_type::normal, std::string(100, 'x')});
  raft_log log({}, es, 0);
  CHECK(log.slice(1, 11, 64).size() == 10);
  CHECK(log.slice(1, 11, 4).size() == 4);
  CHECK(log.slice(1, 11, 64, 350).size() == 3); // 300 bytes, a 4th passes
  CHECK(log.slice(1, 11, 64, 300).size() == 3); // exactly at the bound
  CHECK(log.slice(1, 11, 64, 10).size() == 1);  // one entry always goes
  CHECK(log.slice(4, 11, 64, 250).front().index == 4);
}
