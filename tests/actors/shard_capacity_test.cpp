// The shard's emulated service capacity on the test coordinator: batches
// beyond the token bucket wait in arrival order and are served when their
// tokens come, in virtual time.
#include "tests/actors/fixture.hpp"

using namespace ds;
using namespace ds::test;

namespace {

/// What a client got back, in the order the answers came.
struct answers {
  std::vector<std::pair<std::string, ns_reply>> got;
};

struct capacity_shard : test_coordinator_fixture<ns_config> {
  std::shared_ptr<answers> out = std::make_shared<answers>();
  std::shared_ptr<ns_shard> core;
  committer_actor committer;
  shard_actor shard;

  void start(double rate, double burst) {
    core = std::make_shared<ns_shard>(0, ns_shard_config{});
    committer =
        sys.spawn(committer_behavior,
                  std::shared_ptr<shard_store>{make_memory_shard_store()});
    shard_capacity_options c;
    c.rate = rate;
    c.burst = burst;
    auto t0 = sched.clock().now();
    auto* clock = &sched.clock();
    c.clock = [clock, t0] {
      return std::chrono::duration<double>(clock->now() - t0).count();
    };
    shard = sys.spawn(metered_shard_behavior, core, committer,
                      std::make_shared<shard_meters>(), shard_psm_options{},
                      std::move(c));
    sched.run();
  }

  ~capacity_shard() {
    for (caf::actor a : {caf::actor_cast<caf::actor>(shard),
                         caf::actor_cast<caf::actor>(committer)})
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    sched.run();
  }

  /// Sends a batch from a client of its own, labelled `label`; its answer
  /// (its first reply) is recorded when it comes.
  void send(std::string label, std::vector<ns_request> reqs) {
    auto o = out;
    auto dst = shard;
    sys.spawn([o, dst, label, reqs](caf::event_based_actor* a) mutable {
      a->request(dst, caf::infinite, ns_atom::value, std::move(reqs))
          .then([o, label](std::vector<ns_reply>& r) {
            o->got.emplace_back(label, r.empty() ? ns_reply{} : r.front());
          });
    });
  }

  std::vector<std::string> labels() const {
    std::vector<std::string> xs;
    for (auto& [l, r] : out->got)
      xs.push_back(l);
    return xs;
  }

  void pass(std::chrono::milliseconds d) {
    sched.advance_time(d);
    sched.run();
  }
};

using strings = std::vector<std::string>;

} // namespace

TEST_CASE_FIXTURE(capacity_shard, "without a capacity every batch is served "
                                  "on arrival") {
  start(0, 0);
  for (int i = 0; i < 50; ++i)
    send("c" + std::to_string(i),
         {make_request(ns_op::create, 1, "f" + std::to_string(i))});
  sched.run();
  CHECK(out->got.size() == 50);
}

TEST_CASE_FIXTURE(capacity_shard, "batches beyond the capacity wait for their "
                                  "tokens, in arrival order") {
  start(10, 1); // one op per 100 ms, no burst beyond one
  send("create", {make_request(ns_op::create, 1, "a")});
  send("lookup", {make_request(ns_op::lookup, 1, "a")});
  send("unlink", {make_request(ns_op::unlink, 1, "a")});
  sched.run();
  CHECK(labels() == strings{"create"}); // the bucket's one token
  pass(std::chrono::milliseconds(99));
  CHECK(labels() == strings{"create"});
  pass(std::chrono::milliseconds(1));
  CHECK(labels() == strings{"create", "lookup"});
  pass(std::chrono::milliseconds(100));
  REQUIRE(labels() == strings{"create", "lookup", "unlink"});
  // Held batches were applied when served, in order: the lookup saw the
  // create, the unlink removed the name.
  CHECK(out->got[1].second.code == errc::ok);
  CHECK(out->got[2].second.code == errc::ok);
  CHECK(core->stats().entries == 0);
}

TEST_CASE_FIXTURE(capacity_shard, "a held batch changes nothing until it is "
                                  "served") {
  start(10, 1);
  send("first", {make_request(ns_op::create, 1, "a")});
  send("second", {make_request(ns_op::create, 1, "b")});
  sched.run();
  CHECK(core->stats().entries == 1);
  pass(std::chrono::milliseconds(100));
  CHECK(core->stats().entries == 2);
}

TEST_CASE_FIXTURE(capacity_shard, "a batch is served when its last op is") {
  start(10, 2); // a burst of two, then one op per 100 ms
  std::vector<ns_request> five;
  for (int i = 0; i < 5; ++i)
    five.push_back(make_request(ns_op::create, 1, "f" + std::to_string(i)));
  send("five", five);
  sched.run();
  CHECK(out->got.empty());
  pass(std::chrono::milliseconds(299)); // ops 3..5 take 100 ms each
  CHECK(out->got.empty());
  pass(std::chrono::milliseconds(1));
  CHECK(labels() == strings{"five"});
  // After an idle spell the burst is back: two single ops pass at once.
  pass(std::chrono::milliseconds(1000));
  send("x", {make_request(ns_op::lookup, 1, "f0")});
  send("y", {make_request(ns_op::lookup, 1, "f1")});
  sched.run();
  CHECK(labels() == strings{"five", "x", "y"});
}

TEST_CASE_FIXTURE(capacity_shard, "migration steps are not held behind "
                                  "client batches") {
  start(10, 1);
  send("a", {make_request(ns_op::create, 1, "a")});
  send("b", {make_request(ns_op::create, 1, "b")});
  sched.run();
  auto rh = self->request(shard, caf::infinite, part_atom::value,
                          part_request{part_list_unresolved{}});
  sched.run();
  bool answered = false;
  rh.receive([&](part_reply&) { answered = true; },
             [&](caf::error& e) { FAIL(sys.render(e)); });
  CHECK(answered);
  CHECK(labels() == strings{"a"});
}
