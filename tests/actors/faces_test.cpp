// The node's two faces: what a stranger connected to a node's port can do
// with messages crafted for its internal actors. A stranger is a proxy with
// a node id of another process, as CAF makes for an actor of a connected
// node; what it is sent back lands in a local inbox.
#include "tests/actors/fixture.hpp"

#include <caf/forwarding_actor_proxy.hpp>

#include <algorithm>

#include "actors/member_gate.hpp"
#include "messages/raft_codec.hpp"
#include "model/namespace/name.hpp"

using namespace ds;
using namespace ds::test;

namespace {

const inode_id dir = 77;
const hash_range upper{uint64_t{1} << 63, ~uint64_t{0}};

/// The first name "<prefix><i>" whose hash lies in the upper half.
std::string upper_name(const std::string& prefix) {
  for (int i = 0;; ++i) {
    auto n = prefix + std::to_string(i);
    if (upper.contains(name_hash(n)))
      return n;
  }
}

/// What strangers are sent: the content of each message, in order.
struct inbox {
  std::vector<caf::message> got;
};

caf::behavior inbox_actor(caf::event_based_actor* self,
                          std::shared_ptr<inbox> box) {
  self->set_default_handler(caf::drop); // the proxies' own bookkeeping
  return {
      [box](caf::forward_atom, caf::strong_actor_ptr&,
            std::vector<caf::strong_actor_ptr>&, caf::strong_actor_ptr&,
            caf::message_id,
            caf::message& m) { box->got.push_back(std::move(m)); },
  };
}

caf::node_id other_node(uint32_t pid) {
  return *caf::make_node_id(pid, "0123456789abcdef0123456789abcdef01234567");
}

struct faces_fixture : node_fixture {
  std::shared_ptr<member_gate> gate = std::make_shared<member_gate>();
  std::shared_ptr<inbox> box = std::make_shared<inbox>();
  caf::actor inbox_hdl;
  caf::strong_actor_ptr stranger; ///< on a node that is no member
  caf::strong_actor_ptr member;   ///< on member 1's node
  uint64_t next_request = 1000;

  faces_fixture() : node_fixture(2) {
    set_gate(sys, gate);
    inbox_hdl = sys.spawn(inbox_actor, box);
    stranger = proxy(other_node(7001));
    member = proxy(other_node(7002));
    gate->admit(1, other_node(7002));
    sched.run();
  }

  ~faces_fixture() {
    caf::anon_send_exit(inbox_hdl, caf::exit_reason::user_shutdown);
    set_gate(sys, nullptr);
  }

  caf::strong_actor_ptr proxy(const caf::node_id& nid) {
    caf::actor_config cfg;
    return caf::make_actor<caf::forwarding_actor_proxy, caf::strong_actor_ptr>(
        caf::actor_id{42}, nid, &sys, cfg, inbox_hdl);
  }

  /// `from` sends `xs` to `to` as a request (or one-way), and everything
  /// runs; returns what `from` was sent back.
  template <class Handle, class... Ts>
  std::vector<caf::message> send_from(const caf::strong_actor_ptr& from,
                                      bool request, const Handle& to,
                                      Ts&&... xs) {
    box->got.clear();
    auto mid =
        request ? caf::make_message_id(next_request++) : caf::make_message_id();
    caf::actor_cast<caf::strong_actor_ptr>(to)->enqueue(
        from, mid, caf::make_message(std::forward<Ts>(xs)...), nullptr);
    sched.run();
    return box->got;
  }

  static bool refused(const std::vector<caf::message>& got) {
    return got.size() == 1 && got[0].match_elements<caf::error>() &&
           got[0].get_as<caf::error>(0) == caf::sec::invalid_argument;
  }

  raft_status replica_status() {
    raft_status out;
    auto rh = self->request(metadata, caf::infinite, raft_status_atom::value);
    sched.run();
    rh.receive([&](raft_status& r) { out = r; },
               [&](caf::error& e) { FAIL("no status: " << sys.render(e)); });
    return out;
  }

  /// An append at a much higher term whose entry conflicts with the
  /// leader's log: it would demote the leader of a group of one for good.
  std::string crafted_append(uint64_t from) {
    raft::message m;
    m.type = raft::msg_type::append;
    m.from = from;
    m.to = 1;
    m.term = 99;
    m.index = 0;
    m.log_term = 0;
    raft::entry e;
    e.term = 99;
    e.index = 1;
    m.entries.push_back(e);
    m.commit = 1;
    return encode_raft_message(m);
  }
};

} // namespace

TEST_CASE_FIXTURE(faces_fixture,
                  "a client that asks a node for its internal handles gets "
                  "none; a member gets them") {
  auto got = send_from(stranger, true, gateway, hello_atom::value);
  CHECK(refused(got));
  CHECK(gate->refused() == 0); // the gateway is the client face: no drop
  got = send_from(member, true, gateway, hello_atom::value);
  REQUIRE(got.size() == 1);
  REQUIRE(got[0].match_elements<node_hello>());
  auto& h = got[0].get_as<node_hello>(0);
  CHECK(h.shards.size() == 2);
  CHECK(h.metadata);
}

namespace {

/// A stand-in for the node's peers actor that counts the nudges it gets.
peers_actor::behavior_type counting_peers(peers_actor::pointer,
                                          std::shared_ptr<int> nudges) {
  return {
      [](nodes_atom) { return std::vector<node_info>{}; },
      [](retry_atom, uint32_t) {},
      [nudges](hello_atom) { ++*nudges; },
  };
}

} // namespace

TEST_CASE_FIXTURE(faces_fixture,
                  "every greeting from another node, a member's too, tells "
                  "the peers to reach the members they lack now") {
  // A member that restarted greets a node that has not reached its new
  // incarnation yet; with TLS the gate already admits it by certificate,
  // and the node must still reach it at once, not at the end of its
  // back-off (until then it takes none of its group messages).
  auto nudges = std::make_shared<int>(0);
  auto peers = sys.spawn(counting_peers, nudges);
  cluster_map cluster;
  REQUIRE(cluster_map::make({"test", "127.0.0.1", 1}, {}, 2, cluster) == "");
  auto gw = sys.spawn(gateway_behavior, router, peers, cluster, shards,
                      metadata, std::string{"test"}, psm_planner_actor{},
                      psm_forecaster_actor{}, uint64_t{1} << 26);
  sched.run();
  auto got = send_from(member, true, gw, hello_atom::value);
  REQUIRE(got.size() == 1);
  CHECK(got[0].match_elements<node_hello>());
  CHECK(*nudges == 1);
  got = send_from(stranger, true, gw, hello_atom::value);
  CHECK(refused(got));
  CHECK(*nudges == 2);
  caf::anon_send_exit(gw, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(peers, caf::exit_reason::user_shutdown);
  sched.run();
}

TEST_CASE_FIXTURE(faces_fixture,
                  "begin_export with an unknown migration id from a client "
                  "is refused and freezes nothing") {
  auto a = upper_name("a");
  REQUIRE(batch(shards[0], {make_request(ns_op::create, dir, a)})[0].code ==
          errc::ok);
  auto got = send_from(stranger, true, shards[0], part_atom::value,
                       part_request{part_begin_export{{dir, upper, 999}}});
  CHECK(refused(got));
  CHECK(gate->refused() == 1);
  // Writes to the part are served at once, as before.
  auto b = upper_name("b");
  auto r = batch(shards[0], {make_request(ns_op::create, dir, b)});
  REQUIRE(r.size() == 1);
  CHECK(r[0].code == errc::ok);
  // The same step one-way is dropped as well (nothing to answer).
  got = send_from(stranger, false, shards[0], part_atom::value,
                  part_request{part_begin_export{{dir, upper, 998}}});
  CHECK(got.empty());
  CHECK(gate->refused() == 2);
  r = batch(shards[0], {make_request(ns_op::unlink, dir, b)});
  CHECK(r[0].code == errc::ok);
}

TEST_CASE_FIXTURE(faces_fixture, "a client's thaw after a commit does not "
                                 "make the source serve the part again") {
  auto a = upper_name("a");
  REQUIRE(batch(shards[0], {make_request(ns_op::create, dir, a)})[0].code ==
          errc::ok);
  part_ref part{dir, upper, 5};
  auto step = [&](part_request req) {
    part_reply out;
    auto rh = self->request(shards[0], caf::infinite, part_atom::value,
                            std::move(req));
    sched.run();
    rh.receive([&](part_reply& x) { out = std::move(x); },
               [&](caf::error& e) { FAIL("step failed: " << sys.render(e)); });
    return out.code;
  };
  REQUIRE(step(part_copy{part, true, 0, {}, 100}) == errc::ok);
  REQUIRE(step(part_freeze{part}) == errc::ok);
  REQUIRE(step(part_release{part, 1, 3}) == errc::ok);
  auto got = send_from(stranger, true, shards[0], part_atom::value,
                       part_request{part_thaw{part}});
  CHECK(refused(got));
  // The part lives on shard 1: shard 0 still sends its requests there.
  auto r = batch(shards[0], {make_request(ns_op::lookup, dir, a)});
  CHECK(r[0].code == errc::ewrongshard);
}

TEST_CASE_FIXTURE(faces_fixture,
                  "a higher-term raft append from a client never reaches the "
                  "raft core") {
  auto before = replica_status();
  REQUIRE(before.role == "leader");
  auto got =
      send_from(stranger, false, metadata, raft_atom::value, crafted_append(2));
  CHECK(got.empty());
  CHECK(gate->refused() == 1);
  auto after = replica_status();
  CHECK(after.role == "leader");
  CHECK(after.term == before.term);
  CHECK(after.last == before.last);
  // A member speaks for its own replica only (member 1 is Raft id 2), and
  // bytes that do not decode are dropped: both counted, neither stepped.
  send_from(member, false, metadata, raft_atom::value, crafted_append(3));
  send_from(member, false, metadata, raft_atom::value,
            std::string{"\x95\x01garbage"});
  CHECK(gate->undecodable() == 2);
  after = replica_status();
  CHECK(after.role == "leader");
  CHECK(after.term == before.term);
  // Settings still work: the replica is alive and leads.
  meta_result res;
  auto rh = self->request(gateway, caf::infinite, meta_atom::value,
                          meta_command{config_set{"k", "v", 0, false}});
  sched.run();
  rh.receive([&](meta_result& x) { res = x; },
             [&](caf::error& e) { FAIL("set failed: " << sys.render(e)); });
  CHECK(res.code == errc::ok);
}

TEST_CASE_FIXTURE(faces_fixture,
                  "rmdir_commit sent by a client around the gateway is "
                  "refused and changes nothing") {
  REQUIRE(path(path_op::mkdir, "/d").code == errc::ok);
  auto d = path(path_op::stat, "/d").a.ino;
  std::vector<ns_request> reqs{make_request(ns_op::rmdir_commit, d)};
  CHECK(refused(send_from(stranger, true, router, ns_atom::value, reqs)));
  for (auto& s : shards)
    CHECK(refused(send_from(stranger, true, s, ns_atom::value, reqs)));
  CHECK(gate->refused() == 3);
  CHECK(path(path_op::create, "/d/still-here").code == errc::ok);
}

TEST_CASE_FIXTURE(faces_fixture, "an exit message from a client kills no "
                                 "actor of the node; a member is served") {
  auto kill = caf::exit_msg{caf::actor_addr{}, caf::exit_reason::kill};
  send_from(stranger, false, shards[0], kill);
  send_from(stranger, false, metadata, kill);
  send_from(stranger, false, router, kill);
  // Not even the client face: a client may ask it, not stop it.
  send_from(stranger, false, gateway, kill);
  CHECK(gate->refused() == 4);
  CHECK(path(path_op::mkdir, "/alive").code == errc::ok);
  CHECK(replica_status().role == "leader");
  // A member's messages pass.
  auto got = send_from(member, true, shards[1], shards_atom::value);
  REQUIRE(got.size() == 1);
  CHECK(got[0].match_elements<shard_info>());
}

TEST_CASE("a member gate knows each member by its latest node id") {
  member_gate g;
  CHECK(!g.member_of(other_node(1)));
  g.admit(2, other_node(1));
  CHECK(g.member_of(other_node(1)) == 2u);
  g.admit(2, other_node(3)); // member 2 restarted
  CHECK(!g.member_of(other_node(1)));
  CHECK(g.member_of(other_node(3)) == 2u);
  g.forget(2);
  CHECK(!g.member_of(other_node(3)));
}

TEST_CASE_FIXTURE(faces_fixture,
                  "a client connection's pending work is capped in bytes") {
  auto batch = [](const std::string& prefix) {
    std::vector<ns_request> reqs(3);
    for (size_t i = 0; i < reqs.size(); ++i) {
      reqs[i].op = ns_op::create;
      reqs[i].dir = root_ino;
      reqs[i].name = prefix + std::to_string(i);
    }
    return reqs;
  };
  auto first = batch("a");
  auto second = batch("b");
  auto cost = request_cost(first);
  CHECK(cost == 3 * (64 + 2));
  // A readdir counts the answer it may get: 320 bytes per entry of its
  // page (1,024 by default, 4,096 at most).
  path_request ls;
  ls.op = path_op::readdir;
  ls.path = "/big";
  CHECK(request_cost(ls) == 64 + 4 + 1024 * 320);
  ls.max_entries = 100000;
  CHECK(request_cost(ls) == 64 + 4 + 4096 * 320);
  cluster_map cluster;
  REQUIRE(cluster_map::make({"test", "127.0.0.1", 1}, {}, 2, cluster) == "");
  // Room for one batch, not two.
  auto gw = sys.spawn(gateway_behavior, router, peers_actor{}, cluster, shards,
                      metadata, std::string{"test"}, psm_planner_actor{},
                      psm_forecaster_actor{}, cost * 2 - 1);
  sched.run();
  auto send = [&](const caf::strong_actor_ptr& from,
                  std::vector<ns_request> reqs) {
    caf::actor_cast<caf::strong_actor_ptr>(gw)->enqueue(
        from, caf::make_message_id(next_request++),
        caf::make_message(ns_atom::value, std::move(reqs)), nullptr);
  };
  auto codes = [](const caf::message& m) {
    std::vector<errc> out;
    if (m.match_elements<std::vector<ns_reply>>())
      for (auto& r : m.get_as<std::vector<ns_reply>>(0))
        out.push_back(r.code);
    return out;
  };
  using v = std::vector<errc>;
  // Two batches of one client before any is answered: the second is
  // refused whole, and changes nothing.
  box->got.clear();
  send(stranger, first);
  send(stranger, second);
  // Another client has a cap of its own.
  send(member, batch("c"));
  sched.run();
  REQUIRE(box->got.size() == 3);
  std::vector<v> got;
  for (auto& m : box->got)
    got.push_back(codes(m));
  std::sort(got.begin(), got.end());
  CHECK(got[0] == v{errc::ok, errc::ok, errc::ok});
  CHECK(got[1] == v{errc::ok, errc::ok, errc::ok});
  CHECK(got[2] == v{errc::ebusy, errc::ebusy, errc::ebusy});
  CHECK(path(path_op::stat, "/b0").code == errc::enoent);
  CHECK(path(path_op::stat, "/a0").code == errc::ok);
  // Answered, the first batch no longer counts: the second passes now.
  box->got.clear();
  send(stranger, second);
  sched.run();
  REQUIRE(box->got.size() == 1);
  CHECK(codes(box->got[0]) == v{errc::ok, errc::ok, errc::ok});
  caf::anon_send_exit(gw, caf::exit_reason::user_shutdown);
  sched.run();
}

TEST_CASE("with certificates, a member is who its certificate names") {
  member_gate g;
  g.require_certificates({"node1", "node2", "node3"});
  // Whoever answers at member 2's address is not admitted on its word.
  CHECK_FALSE(g.admit(1, other_node(1)));
  CHECK(!g.member_of(other_node(1)));
  // A TLS connection whose certificate names node2 binds its node id.
  CHECK(g.bind(other_node(1), "node2"));
  CHECK(g.member_of(other_node(1)) == 1u);
  CHECK(g.admit(1, other_node(1)));
  CHECK_FALSE(g.admit(2, other_node(1))); // node2's certificate, not node3's
  // A console cannot claim that node id, on a connection of its own.
  CHECK_FALSE(g.bind(other_node(1), ""));
  CHECK_FALSE(g.bind(other_node(1), "node3"));
  // A console's node is never a member's, nor is an unknown member's.
  CHECK(g.bind(other_node(5), ""));
  CHECK_FALSE(g.admit(0, other_node(5)));
  CHECK(!g.member_of(other_node(5)));
  CHECK_FALSE(g.bind(other_node(6), "node9"));
  // Two connections of node2 (both ends connected): the binding lasts
  // until the last one closes. Then the node id still passes as node2's
  // (the down messages of its actors arrive after the close) until it is
  // bound again under a console's certificate.
  CHECK(g.bind(other_node(1), "node2"));
  g.unbind(other_node(1));
  CHECK(g.member_of(other_node(1)) == 1u);
  g.unbind(other_node(1));
  CHECK(g.member_of(other_node(1)) == 1u);
  CHECK(g.bind(other_node(1), ""));
  CHECK(!g.member_of(other_node(1)));
  CHECK_FALSE(g.admit(1, other_node(1)));
  // node2 restarted under a new node id: the new one replaces the old.
  CHECK(g.bind(other_node(2), "node2"));
  CHECK(g.bind(other_node(3), "node2"));
  CHECK(!g.member_of(other_node(2)));
  CHECK(g.member_of(other_node(3)) == 1u);
  g.unbind(other_node(2)); // the old one's connection closes late
  CHECK(g.member_of(other_node(3)) == 1u);
}

TEST_CASE_FIXTURE(faces_fixture,
                  "the gateway takes no response from another node") {
  // A stranger who guesses the id of a request the gateway has pending
  // (it asks only this node's actors) cannot answer it in their place.
  auto forged = caf::make_message_id(7).response_id();
  caf::actor_cast<caf::strong_actor_ptr>(gateway)->enqueue(
      stranger, forged, caf::make_message(ns_reply{}), nullptr);
  sched.run();
  CHECK(gate->refused() == 1);
  CHECK(path(path_op::mkdir, "/served").code == errc::ok);
}
