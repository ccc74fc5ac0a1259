// A node's own health (the gateway's `health` answer): the /health rule over
// its local shards and metadata replica, asked of the node itself.
#include "tests/actors/fixture.hpp"

#include "messages/health.hpp"

using namespace ds;

namespace {

struct health_fixture : test::node_fixture {
  health_fixture() : node_fixture(3) {}

  node_health ask() {
    node_health out;
    out.reason = "no answer";
    auto rh = self->request(gateway, caf::infinite, health_atom::value);
    sched.run();
    // The deadlines of requests to silent actors, in virtual time.
    for (int i = 0; i < 20 && sched.trigger_timeout(); ++i)
      sched.run();
    rh.receive([&](node_health& h) { out = std::move(h); },
               [&](caf::error& e) { FAIL(sys.render(e)); });
    return out;
  }

  bool has_leader() {
    bool out = false;
    auto rh = self->request(metadata, caf::infinite, raft_status_atom::value);
    sched.run();
    rh.receive([&](raft_status& r) { out = r.leader != 0; },
               [&](caf::error& e) { FAIL(sys.render(e)); });
    return out;
  }
};

} // namespace

TEST_CASE_FIXTURE(health_fixture,
                  "a node is healthy by its own view: its shards answer and "
                  "its replica knows a leader") {
  for (int i = 0; i < 100 && !has_leader(); ++i) {
    sched.trigger_timeout();
    sched.run();
  }
  REQUIRE(has_leader());
  auto h = ask();
  CHECK(h.id == "test");
  CHECK(h.healthy);
  CHECK(h.reason == "");
  CHECK(h.ready); // no peers to greet
}

TEST_CASE_FIXTURE(health_fixture, "a silent local shard makes it unhealthy") {
  for (int i = 0; i < 100 && !has_leader(); ++i) {
    sched.trigger_timeout();
    sched.run();
  }
  caf::anon_send_exit(shards[1], caf::exit_reason::kill);
  sched.run();
  auto h = ask();
  CHECK_FALSE(h.healthy);
  CHECK(h.reason == "shard 1 does not answer");
}

TEST_CASE_FIXTURE(health_fixture,
                  "a silent metadata replica makes it unhealthy") {
  caf::anon_send_exit(metadata, caf::exit_reason::kill);
  sched.run();
  auto h = ask();
  CHECK_FALSE(h.healthy);
  CHECK(h.reason == "metadata replica does not answer");
}
