// The PSM planner on the test coordinator (virtual time): a directory whose
// history shows a surge at the same phase of every compressed day is split
// and spread over the shards before the surge's first slot; the decision is
// recorded once with its reason; a second planner (a new leader) finishes
// the planning instead of planning the period again.
#include "tests/actors/fixture.hpp"

#include "actors/psm/forecaster.hpp"
#include "actors/psm/planner.hpp"
#include "psm/plan/decision_codec.hpp"

using namespace ds;
using namespace ds::test;

namespace {

constexpr uint64_t season = 8;   // slots per compressed day
constexpr uint64_t days = 6;     // days of history
constexpr uint64_t surge_at = 6; // the surge's first phase
constexpr uint64_t files = 40;

struct planner_fixture : node_fixture {
  inode_id dir = 0;
  uint32_t home = 0;
  psm_forecaster_actor forecaster;
  std::vector<psm_planner_actor> planners;

  planner_fixture() {
    REQUIRE(path(path_op::mkdir, "/hot").code == errc::ok);
    dir = path(path_op::stat, "/hot").a.ino;
    home = hash_ring{uint32_t(shards.size())}.home(dir);
    for (uint64_t i = 0; i < files; ++i)
      REQUIRE(path(path_op::create, "/hot/f" + std::to_string(i)).code ==
              errc::ok);
    psm_forecaster_options fo;
    fo.period = std::chrono::seconds(2);
    fo.slot_seconds = 1;
    fo.tiers.period = season;
    fo.tiers.horizon = season;
    fo.tiers.threshold = 100;
    forecaster = sys.spawn(psm_forecaster_behavior,
                           std::shared_ptr<psm_history::history_store>{
                               psm_history::make_memory_history_store()},
                           fo);
    self->send(router, psm_fcaster_atom::value, forecaster);
    sched.run();
  }

  ~planner_fixture() {
    for (auto& p : planners)
      caf::anon_send_exit(p, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(forecaster, caf::exit_reason::user_shutdown);
    sched.run();
  }

  /// The home shard's report of the whole directory for one slot: quiet,
  /// but 400 ops/s in the two slots of the surge.
  void report(uint64_t slot) {
    psm_slot_report r;
    r.shard = home;
    r.slot = slot;
    auto phase = slot % season;
    uint64_t n = phase >= surge_at ? 400 : 10 + slot % 3;
    r.parts = {{std::to_string(dir), 0, ~uint64_t{0},
                access::op_counts{{n, 0, 0, 0}}, files}};
    self->send(forecaster, psm_report_atom::value, r);
    sched.run();
    self->receive([](uint64_t) {}, [&](caf::error& e) { FAIL(to_string(e)); });
  }

  void set(const std::string& k, const std::string& v) {
    self->send(metadata, meta_atom::value, meta_command{config_set{k, v}});
    sched.run();
    self->receive([&](meta_result& r) { REQUIRE(r.code == errc::ok); },
                  [&](caf::error& e) { FAIL(to_string(e)); });
  }

  psm_planner_actor spawn_planner() {
    psm_planner_options po;
    po.period = std::chrono::seconds(4);
    po.slot_seconds = 1;
    po.period_slots = 4;
    po.horizon = season;
    po.shards = uint32_t(shards.size());
    po.node = "test";
    po.timeout = std::chrono::seconds(1);
    planners.push_back(sys.spawn(psm_planner_behavior, router, metadata, po));
    sched.run();
    return planners.back();
  }

  std::vector<psm_planning> plannings() {
    self->send(metadata, psm_plannings_atom::value, int64_t{0});
    sched.run();
    std::vector<psm_planning> out;
    self->receive([&](std::vector<psm_planning>& x) { out = std::move(x); },
                  [&](caf::error& e) { FAIL(to_string(e)); });
    return out;
  }

  dir_placement placement() {
    self->send(metadata, place_get_atom::value, dir);
    sched.run();
    dir_placement p;
    self->receive([&](dir_placement& x) { p = std::move(x); },
                  [&](caf::error& e) { FAIL(to_string(e)); });
    return p;
  }

  psm_status status(const psm_planner_actor& p) {
    self->send(p, psm_status_atom::value);
    sched.run();
    psm_status s;
    self->receive([&](psm_status& x) { s = std::move(x); },
                  [&](caf::error& e) { FAIL(to_string(e)); });
    return s;
  }

  /// Runs virtual time until `done` holds or `limit` passes.
  template <class F> caf::timespan run_until(F done, caf::timespan limit) {
    auto start = sched.clock().now();
    while (!done() && sched.clock().now() - start < limit) {
      sched.run();
      if (!sched.trigger_timeout())
        break;
      sched.run();
    }
    return sched.clock().now() - start;
  }
};

} // namespace

TEST_CASE_FIXTURE(planner_fixture,
                  "a forecast surge is split and spread before it arrives") {
  set("psm.policy", "predictive");
  set("psm.threshold", "100");
  // History up to three slots before the next day's surge.
  uint64_t last = days * season + surge_at - 4;
  for (uint64_t t = 0; t <= last; ++t)
    report(t);
  auto p = spawn_planner();
  // Forecasts (2 s), then the planner's period (4 s), then its steps; at
  // one slot per second, all of it within the three slots before the surge.
  auto took = run_until([&] { return status(p).executed >= 3 &&
                                     !placement().parts.empty(); },
                        std::chrono::seconds(30));
  auto st = status(p);
  CAPTURE(st.last_error);
  CHECK(st.active);
  CHECK(st.failed == 0);
  CHECK(took <= std::chrono::seconds(3 * 1 + 4));
  // Recorded once, with its reason.
  auto ps = plannings();
  REQUIRE(ps.size() == 1);
  CHECK(ps[0].at == int64_t(last));
  CHECK(ps[0].policy == "predictive");
  CHECK(ps[0].node == "test");
  auto ds = plan::decode_decisions(ps[0].decisions);
  REQUIRE(!ds.empty());
  CHECK(ds[0].kind == plan::decision_kind::split);
  CHECK(ds[0].part.dir == dir);
  CHECK(ds[0].parts >= 4); // 400 ops/s under 0.8 x 100 each
  CHECK(ds[0].why.forecast_peak > 100);
  CHECK(ds[0].why.peak_slot > int64_t(last));
  CHECK(!ds[0].why.model.empty());
  // Spread: parts of the directory now live on other shards, and every
  // file is still there.
  auto pl = placement();
  std::set<uint32_t> holders{home};
  for (auto& part : pl.parts)
    holders.insert(part.shard);
  CHECK(holders.size() >= 3);
  for (uint64_t i = 0; i < files; ++i)
    CHECK(path(path_op::stat, "/hot/f" + std::to_string(i)).code == errc::ok);
}

TEST_CASE_FIXTURE(planner_fixture,
                  "a planner taking over finishes the planning, never "
                  "records the period twice") {
  set("psm.policy", "predictive");
  set("psm.threshold", "100");
  uint64_t last = days * season + surge_at - 4;
  for (uint64_t t = 0; t <= last; ++t)
    report(t);
  // The planning of the old leader, recorded but never carried out.
  auto first = spawn_planner();
  self->send(first, psm_plan_atom::value);
  sched.run();
  psm_planning dry;
  self->receive([&](psm_planning& x) { dry = std::move(x); },
                [&](caf::error& e) { FAIL(to_string(e)); });
  REQUIRE(dry.count > 0);
  CHECK(plannings().empty()); // a dry run records nothing
  caf::anon_send_exit(first, caf::exit_reason::kill);
  sched.run();
  self->send(metadata, meta_atom::value,
             meta_command{psm_record{dry.at, dry.policy, dry.count,
                                     dry.decisions, 100, 1000, "old", 1, 1}});
  sched.run();
  self->receive([](meta_result& r) { REQUIRE(r.code == errc::ok); },
                [&](caf::error& e) { FAIL(to_string(e)); });
  // The new leader's planner.
  auto ds = plan::decode_decisions(dry.decisions);
  uint64_t steps = 0, moves = 0;
  for (auto& d : ds) {
    steps += d.kind == plan::decision_kind::split ||
             d.kind == plan::decision_kind::move;
    moves += d.kind == plan::decision_kind::move;
  }
  REQUIRE(moves > 0);
  auto p = spawn_planner();
  run_until([&] { return status(p).executed >= steps; },
            std::chrono::seconds(20));
  auto ps = plannings();
  REQUIRE(ps.size() == 1); // not planned again
  CHECK(ps[0].node == "old");
  auto st = status(p);
  CHECK(st.plannings == 0);
  CHECK(st.executed == steps);
  CHECK(st.failed == 0);
  // Carried out: every move of the old planning took effect.
  CHECK(placement().parts.size() == moves);
  // Its next periods change nothing: the planning is carried out once.
  run_until([&] { return status(p).ticks >= st.ticks + 2; },
            std::chrono::seconds(20));
  CHECK(status(p).executed == steps);
}

TEST_CASE_FIXTURE(planner_fixture,
                  "a planner taking over slots later still finishes the "
                  "planning") {
  set("psm.policy", "predictive");
  set("psm.threshold", "100");
  uint64_t last = days * season + surge_at - 4;
  for (uint64_t t = 0; t <= last; ++t)
    report(t);
  auto first = spawn_planner();
  self->send(first, psm_plan_atom::value);
  sched.run();
  psm_planning dry;
  self->receive([&](psm_planning& x) { dry = std::move(x); },
                [&](caf::error& e) { FAIL(to_string(e)); });
  caf::anon_send_exit(first, caf::exit_reason::kill);
  sched.run();
  self->send(metadata, meta_atom::value,
             meta_command{psm_record{dry.at, dry.policy, dry.count,
                                     dry.decisions, 100, 1000, "old", 1, 1}});
  sched.run();
  self->receive([](meta_result& r) { REQUIRE(r.code == errc::ok); },
                [&](caf::error& e) { FAIL(to_string(e)); });
  // The old leader's node died mid-period; slots went on before the new
  // leader's planner looked, so the slot it plans is after the recorded one.
  report(last + 1);
  report(last + 2);
  auto ds = plan::decode_decisions(dry.decisions);
  uint64_t steps = 0, moves = 0;
  for (auto& d : ds) {
    steps += d.kind == plan::decision_kind::split ||
             d.kind == plan::decision_kind::move;
    moves += d.kind == plan::decision_kind::move;
  }
  REQUIRE(moves > 0);
  auto p = spawn_planner();
  run_until([&] { return status(p).executed >= steps; },
            std::chrono::seconds(20));
  auto st = status(p);
  CAPTURE(st.last_error);
  CHECK(st.executed == steps);
  CHECK(st.failed == 0);
  // Every move of the old planning took effect: none was lost to the quiet
  // time that its own record imposes on the next plannings.
  CHECK(placement().parts.size() == moves);
  auto ps = plannings();
  REQUIRE(!ps.empty());
  CHECK(ps[0].node == "old");
  for (std::size_t i = 1; i < ps.size(); ++i)
    CHECK(ps[i].at > ps[i - 1].at);
}

TEST_CASE_FIXTURE(planner_fixture, "with the policy off nothing is planned") {
  uint64_t last = days * season + surge_at - 4;
  for (uint64_t t = 0; t <= last; ++t)
    report(t);
  auto p = spawn_planner(); // the node's default: off
  run_until([&] { return status(p).ticks >= 3; }, std::chrono::seconds(20));
  CHECK(status(p).policy == "off");
  CHECK(plannings().empty());
  CHECK(placement().parts.empty());
}

TEST_CASE_FIXTURE(planner_fixture,
                  "switching psm.policy live changes the next period's plan") {
  set("psm.policy", "predictive");
  set("psm.threshold", "100");
  uint64_t t = days * season + surge_at - 4;
  for (uint64_t s = 0; s <= t; ++s)
    report(s);
  auto p = spawn_planner();
  run_until([&] { return plannings().size() == 1; },
            std::chrono::seconds(30));
  REQUIRE(plannings().size() == 1);
  // Off: new slots arrive, nothing is planned.
  set("psm.policy", "off");
  for (int i = 0; i < 4; ++i)
    report(++t);
  auto ticks = status(p).ticks;
  run_until([&] { return status(p).ticks >= ticks + 2; },
            std::chrono::seconds(30));
  CHECK(status(p).policy == "off");
  CHECK(plannings().size() == 1);
  // Static: the next period plans the fixed grid, recorded as such.
  set("psm.policy", "static");
  set("psm.static-parts", "2");
  report(++t);
  ticks = status(p).ticks;
  run_until([&] { return status(p).ticks >= ticks + 2; },
            std::chrono::seconds(30));
  auto ps = plannings();
  REQUIRE(ps.size() == 2);
  CHECK(ps[1].policy == "static");
  CHECK(ps[1].at == int64_t(t));
}
