// The shard's PSM access log on the test coordinator: one report per slot
// of virtual time, with the slot's counts, to the node's forecaster.
#include "tests/actors/fixture.hpp"

#include "actors/psm/forecaster.hpp"

using namespace ds;
using namespace ds::test;

namespace {

struct reports {
  std::vector<psm_slot_report> got;
};

/// A forecaster that keeps what it is sent.
psm_forecaster_actor::behavior_type
recording_forecaster(psm_forecaster_actor::pointer,
                     std::shared_ptr<reports> out) {
  return {
      [=](psm_report_atom, const psm_slot_report& r) {
        out->got.push_back(r);
        return r.slot;
      },
      [](psm_series_atom, const access::series_key& k) {
        psm_series_view v;
        v.key = k;
        return v;
      },
      [](psm_forecasts_atom, std::uint64_t) { return psm_node_forecasts{}; },
      [](psm_tick_atom) {},
      [](psm_fcaster_atom, uint32_t, caf::strong_actor_ptr&) {},
  };
}

// Slots of 1 s; the shard starts 0.25 s into slot 1000.
constexpr double start_seconds = 1000.25;

struct psm_shard : test_coordinator_fixture<ns_config> {
  std::shared_ptr<reports> out = std::make_shared<reports>();
  psm_forecaster_actor forecaster;
  std::shared_ptr<ns_shard> core;
  committer_actor committer;
  shard_actor shard;

  psm_shard() {
    forecaster = sys.spawn(recording_forecaster, out);
    core = std::make_shared<ns_shard>(2, ns_shard_config{});
    committer =
        sys.spawn(committer_behavior,
                  std::shared_ptr<shard_store>{make_memory_shard_store()});
    shard_psm_options o;
    o.forecaster = forecaster;
    o.slot_seconds = 1;
    o.name_sample = 1; // every access, for exact counts
    auto t0 = sched.clock().now();
    auto* clock = &sched.clock();
    o.unix_seconds = [clock, t0] {
      return start_seconds +
             std::chrono::duration<double>(clock->now() - t0).count();
    };
    shard = sys.spawn(metered_shard_behavior, core, committer,
                      std::make_shared<shard_meters>(), o,
                      shard_capacity_options{});
    sched.run();
  }

  ~psm_shard() {
    for (caf::actor a : {caf::actor_cast<caf::actor>(shard),
                         caf::actor_cast<caf::actor>(committer),
                         caf::actor_cast<caf::actor>(forecaster)})
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    sched.run();
  }

  void serve(std::vector<ns_request> reqs) {
    self->send(shard, ns_atom::value, std::move(reqs));
    sched.run();
    self->receive([](std::vector<ns_reply>&) {});
  }

  void pass(std::chrono::milliseconds d) {
    sched.advance_time(d);
    sched.run();
  }
};

} // namespace

TEST_CASE_FIXTURE(psm_shard, "a shard reports each slot's counts once") {
  serve({make_request(ns_op::create, 7, "a"),
         make_request(ns_op::create, 7, "b"),
         make_request(ns_op::mkdir, 9, "d")});
  serve({make_request(ns_op::lookup, 7, "a"),
         make_request(ns_op::lookup, 7, "a"),
         make_request(ns_op::lookup, 7, "x"),
         make_request(ns_op::unlink, 7, "b"), make_request(ns_op::readdir, 9)});
  pass(std::chrono::milliseconds(700));
  CHECK(out->got.empty()); // slot 1000 ends at 1001.0 s
  pass(std::chrono::milliseconds(50));
  REQUIRE(out->got.size() == 1);
  auto& r = out->got[0];
  CHECK(r.shard == 2);
  CHECK(r.slot == 1000);
  REQUIRE(r.parts.size() == 2); // directories 7 and 9, one list each
  auto& d7 = r.parts[0];
  CHECK(d7.dir == "7");
  CHECK(d7.lo == 0);
  CHECK(d7.hi == ~uint64_t{0});
  CHECK(d7.counts[access::op::create] == 2);
  CHECK(d7.counts[access::op::lookup] == 3);
  CHECK(d7.counts[access::op::remove] == 1);
  CHECK(d7.counts[access::op::readdir] == 0);
  CHECK(d7.entries == 1);
  auto& d9 = r.parts[1];
  CHECK(d9.dir == "9");
  CHECK(d9.counts[access::op::create] == 1);
  CHECK(d9.counts[access::op::readdir] == 1);
  CHECK(d9.entries == 1);
  REQUIRE(!r.top.empty());
  CHECK(r.top[0].name == "7/a");
  CHECK(r.top[0].count == 3);

  // The next slot counts afresh.
  serve({make_request(ns_op::lookup, 9, "d")});
  pass(std::chrono::milliseconds(1000));
  REQUIRE(out->got.size() == 2);
  CHECK(out->got[1].slot == 1001);
  REQUIRE(out->got[1].parts.size() == 1);
  CHECK(out->got[1].parts[0].dir == "9");
  CHECK(out->got[1].parts[0].counts.total() == 1);

  // An idle slot sends nothing; counting goes on in the slot after.
  pass(std::chrono::milliseconds(1000));
  CHECK(out->got.size() == 2);
  serve({make_request(ns_op::lookup, 7, "a")});
  pass(std::chrono::milliseconds(1000));
  REQUIRE(out->got.size() == 3);
  CHECK(out->got[2].slot == 1003);
}

TEST_CASE_FIXTURE(psm_shard, "the report reaches the real forecaster's store") {
  auto store = std::shared_ptr<psm_history::history_store>{
      psm_history::make_memory_history_store()};
  psm_forecaster_options fo;
  fo.period = std::chrono::hours(1);
  fo.slot_seconds = 1;
  auto real = sys.spawn(psm_forecaster_behavior, store, fo);
  shard_psm_options o;
  o.forecaster = real;
  o.slot_seconds = 1;
  o.unix_seconds = [] { return 50.5; };
  auto other =
      sys.spawn(metered_shard_behavior, core, committer,
                std::make_shared<shard_meters>(), o, shard_capacity_options{});
  sched.run();
  self->send(other, ns_atom::value,
             std::vector<ns_request>{make_request(ns_op::create, 7, "a"),
                                     make_request(ns_op::lookup, 7, "a")});
  sched.run();
  self->receive([](std::vector<ns_reply>&) {});
  pass(std::chrono::milliseconds(500));
  auto rows = store->read(access::series_key::directory("7"));
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].slot == 50);
  CHECK(rows[0].counts.total() == 2);
  caf::anon_send_exit(other, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(real, caf::exit_reason::user_shutdown);
  sched.run();
}
