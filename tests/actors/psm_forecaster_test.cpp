// The PSM forecaster on the test coordinator: reports in, stored, answered;
// a period of virtual time later, forecasts of the stored history.
#include "tests/actors/caf_doctest.hpp"

#include <algorithm>
#include <random>

#include "actors/psm/forecaster.hpp"
#include "storage/sqlite.hpp"

using namespace ds;
using access::series_key;

namespace {

struct psm_config : caf::actor_system_config {
  psm_config() { add_psm_message_types(*this); }
};

/// A memory store whose appends can be made to fail.
class faulty_history : public psm_history::history_store {
public:
  void append(std::uint64_t slot,
              const std::vector<psm_history::series_counts>& rows) override {
    if (fail)
      throw sql::storage_error("injected fsync failure");
    inner_->append(slot, rows);
  }
  std::vector<psm_history::history_point>
  read(const series_key& k) const override {
    return inner_->read(k);
  }
  std::vector<series_key> active(std::uint64_t since) const override {
    return inner_->active(since);
  }
  bool newest(std::uint64_t& s) const override { return inner_->newest(s); }
  std::uint64_t rows() const override { return inner_->rows(); }
  bool fail = false;

private:
  std::unique_ptr<psm_history::history_store> inner_ =
      psm_history::make_memory_history_store();
};

constexpr int season = 8;
const series_key hot_part = series_key::range("7", 0, 99);
const series_key hot_dir = series_key::directory("7");
const series_key cold_part = series_key::range("9", 0, 99);

// A day of 8 slots with a peak at phase 5, plus seeded noise.
uint64_t hot_count(uint64_t slot, std::mt19937& rng) {
  static const uint64_t shape[season] = {10, 10, 10, 10, 40, 80, 40, 10};
  return shape[slot % season] + rng() % 3;
}

struct psm_fixture : test_coordinator_fixture<psm_config> {
  std::shared_ptr<faulty_history> store = std::make_shared<faulty_history>();
  psm_forecaster_options opt;
  std::vector<psm_forecaster_actor> spawned;
  std::mt19937 rng{14};

  psm_fixture() {
    opt.period = std::chrono::seconds(10);
    opt.slot_seconds = 1;
    opt.tiers.period = season;
    opt.tiers.horizon = season;
    opt.tiers.threshold = 60; // the hot peak (80 ops/s) may cross it
  }

  ~psm_fixture() {
    for (auto& a : spawned)
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    sched.run();
  }

  psm_forecaster_actor spawn() {
    spawned.push_back(
        sys.spawn(psm_forecaster_behavior,
                  std::shared_ptr<psm_history::history_store>{store}, opt));
    sched.run();
    return spawned.back();
  }

  psm_slot_report report(uint64_t slot) {
    psm_slot_report r;
    r.shard = 1;
    r.slot = slot;
    access::op_counts hot, cold;
    hot.n = {hot_count(slot, rng), 1, 0, 0};
    cold.n = {1, 0, 0, 0};
    r.parts = {{"7", 0, 99, hot, 500 + slot}, {"9", 0, 99, cold, 3}};
    // "sub", a subdirectory (inode 77) in part [0, 99] of "7", is looked
    // up 5 times a slot: co-access.
    r.top = {{"7/a", hot.n[0], 0}, {"7/sub", 5, 0, 77, 0, 99}};
    return r;
  }

  /// Sends a report and waits for its acknowledgement.
  void feed(psm_forecaster_actor fc, uint64_t slot) {
    self->send(fc, psm_report_atom::value, report(slot));
    sched.run();
    uint64_t acked = ~uint64_t{0};
    self->receive([&](uint64_t s) { acked = s; },
                  [&](caf::error& e) { FAIL(to_string(e)); });
    CHECK(acked == slot);
  }

  psm_series_view query(psm_forecaster_actor fc, const series_key& k) {
    self->send(fc, psm_series_atom::value, k);
    sched.run();
    psm_series_view v;
    self->receive([&](psm_series_view& x) { v = std::move(x); },
                  [&](caf::error& e) { FAIL(to_string(e)); });
    return v;
  }
};

} // namespace

TEST_CASE_FIXTURE(psm_fixture, "a report is answered only once it is stored") {
  auto fc = spawn();
  self->send(fc, psm_report_atom::value, report(0));
  expect((psm_report_atom, psm_slot_report), from(self).to(fc));
  // Stored (the part and its directory) by the time the answer leaves.
  CHECK(store->read(hot_part).size() == 1);
  CHECK(store->read(hot_dir).size() == 1);
  expect((uint64_t), from(fc).to(self).with(uint64_t{0}));
}

TEST_CASE_FIXTURE(psm_fixture, "a failed write is not acknowledged") {
  auto fc = spawn();
  store->fail = true;
  self->send(fc, psm_report_atom::value, report(0));
  sched.run();
  bool refused = false;
  self->receive([&](uint64_t) {}, [&](caf::error&) { refused = true; });
  CHECK(refused);
  CHECK(store->rows() == 0);
}

TEST_CASE_FIXTURE(psm_fixture,
                  "a period later the seasonal series' forecast is there, "
                  "computed from the stored history") {
  auto fc = spawn();
  for (uint64_t t = 0; t < 6 * season; ++t)
    feed(fc, t);
  auto before = query(fc, hot_part);
  CHECK(before.slots.size() == 6 * season);
  CHECK(!before.has_forecast);
  CHECK(sched.advance_time(opt.period) == 1);
  sched.run();
  auto v = query(fc, hot_part);
  REQUIRE(v.has_forecast);
  CHECK(v.origin == 6 * season - 1);
  REQUIRE(v.mean.size() == size_t(season));
  // The same history through the same models gives the same forecast.
  auto expected = forecast_period(*store, opt);
  REQUIRE(expected.count(hot_part) == 1);
  CHECK(v.mean == expected[hot_part].mean);
  CHECK(v.model == expected[hot_part].model);
  // It follows the season: the peak at phase 5, near 80 ops/s.
  auto peak = std::max_element(v.mean.begin(), v.mean.end()) - v.mean.begin();
  CHECK(peak == 5);
  CHECK(v.mean[5] == doctest::Approx(81).epsilon(0.15));
  CHECK(v.mean[0] == doctest::Approx(11).epsilon(0.5));
  // Hot series may cross the threshold: the full choice ran for them, and
  // for the directory too; the cold one kept SPAR's tier.
  CHECK(v.escalated);
  CHECK(query(fc, hot_dir).escalated);
  auto cold = query(fc, cold_part);
  REQUIRE(cold.has_forecast);
  CHECK(!cold.escalated);
  CHECK(cold.family == "spar");
  // The next period comes by itself.
  CHECK(sched.advance_time(opt.period) == 1);
  sched.run();
  CHECK(
      deref<std::remove_pointer_t<psm_forecaster_pointer>>(fc).state.periods ==
      2);
}

TEST_CASE_FIXTURE(
    psm_fixture, "a restarted forecaster over the same store has the history") {
  auto first = spawn();
  for (uint64_t t = 0; t < 6 * season; ++t)
    feed(first, t);
  auto before = query(first, hot_part);
  caf::anon_send_exit(first, caf::exit_reason::user_shutdown);
  sched.run();
  auto second = spawn();
  auto after = query(second, hot_part);
  CHECK(after.slots == before.slots);
  CHECK(after.totals == before.totals);
  CHECK(sched.advance_time(opt.period) >= 1);
  sched.run();
  auto v = query(second, hot_part);
  REQUIRE(v.has_forecast);
  CHECK(v.origin == 6 * season - 1);
  CHECK(v.mean == forecast_period(*store, opt)[hot_part].mean);
}

TEST_CASE_FIXTURE(psm_fixture,
                  "the planner's view: each recent part with its holder, "
                  "size, rates and forecast") {
  auto fc = spawn();
  for (uint64_t t = 0; t < 6 * season; ++t)
    feed(fc, t);
  CHECK(sched.advance_time(opt.period) == 1);
  sched.run();
  // Part "9" moves to shard 4: its last report comes from there.
  psm_slot_report moved;
  moved.shard = 4;
  moved.slot = 6 * season;
  moved.parts = {{"9", 0, 99, access::op_counts{{2, 0, 0, 0}}, 3}};
  self->send(fc, psm_report_atom::value, moved);
  sched.run();
  self->receive([](uint64_t) {}, [&](caf::error& e) { FAIL(to_string(e)); });
  self->send(fc, psm_forecasts_atom::value, uint64_t{4});
  sched.run();
  psm_node_forecasts v;
  self->receive([&](psm_node_forecasts& x) { v = std::move(x); },
                [&](caf::error& e) { FAIL(to_string(e)); });
  CHECK(v.newest == 6 * season);
  CHECK(v.periods == 1);
  REQUIRE(v.parts.size() == 2); // parts only, never the directories' sums
  auto& hot = v.parts[0];
  auto& cold = v.parts[1];
  CHECK(hot.key == hot_part);
  CHECK(hot.shard == 1);
  CHECK(hot.entries == 500 + 6 * season - 1);
  CHECK(hot.reported == 6 * season - 1);
  // Four slots of rates, the newest (no report of "7" yet) last, at 0.
  REQUIRE(hot.recent.size() == 4);
  CHECK(hot.recent[3] == 0);
  CHECK(hot.recent[2] == double(store->read(hot_part).back().counts.total()));
  CHECK(hot.forecast.has_forecast);
  // Its co-access link, over the last period (10 slots up to 48): 9 slots
  // of 5 lookups.
  CHECK(hot.lead_dirs == std::vector<uint64_t>{77});
  REQUIRE(hot.lead_rates.size() == 1);
  CHECK(hot.lead_rates[0] == doctest::Approx(4.5));
  CHECK(cold.key == cold_part);
  CHECK(cold.shard == 4);
  CHECK(cold.recent.back() == 2);
  CHECK(cold.lead_dirs.empty());
  // A part not reported within the window is left out.
  self->send(fc, psm_forecasts_atom::value, uint64_t{1});
  sched.run();
  self->receive([&](psm_node_forecasts& x) { v = std::move(x); },
                [&](caf::error& e) { FAIL(to_string(e)); });
  REQUIRE(v.parts.size() == 1);
  CHECK(v.parts[0].key == cold_part);
}

TEST_CASE("each series is backtested afresh once every rescore periods, at "
          "a phase of its own") {
  std::vector<series_key> keys{
      series_key::directory("7"), series_key::range("7", 0, 99),
      series_key::range("7", 100, 199), series_key::directory("12")};
  for (auto& k : keys) {
    int due = 0;
    for (uint64_t p = 40; p < 50; ++p)
      due += rescore_due(k, p, 10);
    CHECK(due == 1);
    CHECK(rescore_due(k, 41, 1));
  }
}

TEST_CASE_FIXTURE(psm_fixture,
                  "between rescorings a period refits each series' kept "
                  "choice: the same models, the newer history") {
  auto fc = spawn();
  for (uint64_t t = 0; t < 6 * season; ++t)
    feed(fc, t);
  psm_choices kept;
  auto first = forecast_period(*store, opt, &kept, 0);
  REQUIRE(first.count(hot_part) == 1);
  CHECK(kept.size() == first.size());
  auto kept_hot = kept.at(hot_part);
  for (uint64_t t = 6 * season; t < 6 * season + 3; ++t)
    feed(fc, t);
  // A period in which the hot part is not due: its model family and
  // backtest error are the kept ones, its forecast starts at the newer
  // history's end.
  uint64_t p = 1;
  while (rescore_due(hot_part, p, opt.rescore_periods))
    ++p;
  auto later = forecast_period(*store, opt, &kept, p);
  REQUIRE(later.count(hot_part) == 1);
  CHECK(later[hot_part].family == first[hot_part].family);
  CHECK(later[hot_part].backtest_mase == first[hot_part].backtest_mase);
  CHECK(later[hot_part].origin == first[hot_part].origin + 3);
  CHECK(kept.at(hot_part).scored_on == kept_hot.scored_on);
}

TEST_CASE_FIXTURE(psm_fixture,
                  "replicated shards: a report of a shard homed on another "
                  "member is kept by that member's forecaster") {
  // Shard 0 is homed here (member 0), shard 1 on member 1.
  opt.self_member = 0;
  opt.home_of = {0, 1};
  auto here = spawn();
  auto home_store = std::make_shared<faulty_history>();
  auto o1 = opt;
  o1.self_member = 1;
  auto there =
      sys.spawn(psm_forecaster_behavior,
                std::shared_ptr<psm_history::history_store>{home_store}, o1);
  spawned.push_back(there);
  sched.run();
  // Member 1 unknown yet: kept here rather than lost.
  feed(here, 0);
  CHECK(store->read(hot_part).size() == 1);
  CHECK(home_store->read(hot_part).empty());
  // Told by the router (a local sender), the reports of shard 1 go home.
  self->send(here, psm_fcaster_atom::value, uint32_t{1},
             caf::actor_cast<caf::strong_actor_ptr>(there));
  sched.run();
  feed(here, 1);
  sched.run();
  CHECK(store->read(hot_part).size() == 1);
  CHECK(home_store->read(hot_part).size() == 1);
  // A shard homed here stays here.
  auto r = report(2);
  r.shard = 0;
  self->send(here, psm_report_atom::value, r);
  sched.run();
  self->receive([](uint64_t) {});
  CHECK(store->read(hot_part).size() == 2);
  CHECK(home_store->read(hot_part).size() == 1);
}
