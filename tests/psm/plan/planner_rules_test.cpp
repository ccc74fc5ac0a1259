// Quiet time, consolidation after cold periods with hysteresis, the
// decision log, and refusals of bad input.
#include "psm/plan/decision_log.hpp"
#include "tests/psm/plan/plan_fixture.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <set>
#include <stdexcept>

using namespace plan_test;

namespace {

decision past(decision_kind k, part_id id, int64_t at, uint32_t from,
              uint32_t to) {
  decision d;
  d.kind = k;
  d.part = id;
  d.at = at;
  d.from = from;
  d.to = to;
  return d;
}

/// Directory 7 split in two halves, the second moved from its home 0 to 1,
/// at rate `rate` in total (history and forecast).
std::vector<part_input> spread_dir(double rate) {
  auto a = part(7, 0, flat(rate / 2), 0, 500);
  auto b = part(7, 1, flat(rate / 2), 0, 500);
  a.id.range = sub_range(ds::hash_range{}, 2, 0);
  b.id.range = sub_range(ds::hash_range{}, 2, 1);
  return {a, b};
}

} // namespace

TEST_CASE("a part moved within the quiet time stays, after it it may "
          "move") {
  std::vector<part_input> ps{part(1, 0, bump(0, 60, 12)),
                             part(2, 0, bump(0, 60, 12))};
  auto in = input(ps, 2);
  auto first = of_kind(plan(in), decision_kind::move);
  REQUIRE(first.size() == 1);
  // Both moved 0 -> 1 two periods ago (a move that recent is taken as
  // done, below); the world put them back on 0 meanwhile. Neither moves,
  // and the planner says which it would have moved.
  auto t = in.now - 2 * in.config.period_slots;
  in.recent = {past(decision_kind::move, ps[0].id, t, 0, 1),
               past(decision_kind::move, ps[1].id, t, 0, 1)};
  auto ds = plan(in);
  CHECK(of_kind(ds, decision_kind::move).empty());
  auto quiet = of_kind(ds, decision_kind::skip_quiet);
  REQUIRE(quiet.size() == 1);
  CHECK(quiet[0].why.note.rfind("moved within the quiet time", 0) == 0);
  CHECK(quiet[0].to == 1);
  // With one of them in the quiet time, the other moves instead.
  in.recent = {past(decision_kind::move, first[0].part, t, 0, 1)};
  auto other = of_kind(plan(in), decision_kind::move);
  REQUIRE(other.size() == 1);
  CHECK(!(other[0].part == first[0].part));
  // Just out of the window, either may move again.
  for (auto& d : in.recent)
    d.at = in.now - in.config.quiet_slots;
  CHECK(of_kind(plan(in), decision_kind::move).size() == 1);
}

TEST_CASE("a directory predicted and observed cold for K periods is "
          "consolidated, between the thresholds it is kept") {
  auto cfg = default_settings(); // exit 40, K = 2 periods of 6 slots
  auto cold = plan(input(spread_dir(20), 2, cfg)); // upper 22 < 40
  auto cons = of_kind(cold, decision_kind::consolidate);
  REQUIRE(cons.size() == 1);
  CHECK(cons[0].part == part_id{7, ds::hash_range{}});
  CHECK(cons[0].from == 1);
  CHECK(cons[0].to == 0);
  CHECK(cons[0].parts == 2);
  CHECK(cons[0].entries == 500);
  CHECK(cons[0].why.threshold == 40);
  CHECK(cons[0].why.forecast_peak == doctest::Approx(22));

  auto band = plan(input(spread_dir(60), 2, cfg)); // upper 66: in the band
  CHECK(of_kind(band, decision_kind::consolidate).empty());
  REQUIRE(of_kind(band, decision_kind::skip_hysteresis).size() == 1);

  // Predicted cold, but observed above the exit threshold one slot within
  // the last K periods: not yet.
  auto ps = spread_dir(20);
  ps[0].history[std::size_t(horizon - 2 * 6)] = 50;
  auto recent_hot = plan(input(ps, 2, cfg));
  CHECK(of_kind(recent_hot, decision_kind::consolidate).empty());
  CHECK(of_kind(recent_hot, decision_kind::skip_hysteresis).size() == 1);
  ps[0].history[std::size_t(horizon - 2 * 6)] = 10; // just before: fine
  ps[0].history[std::size_t(horizon - 2 * 6 - 1)] = 50;
  CHECK(of_kind(plan(input(ps, 2, cfg)), decision_kind::consolidate).size() ==
        1);
  // Too little history to know.
  ps = spread_dir(20);
  for (auto& p : ps)
    p.history.resize(11);
  CHECK(of_kind(plan(input(ps, 2, cfg)), decision_kind::consolidate).empty());
}

TEST_CASE("nothing moves back within the quiet time: no consolidation "
          "after a split, no split after a consolidation") {
  auto cfg = default_settings();
  auto in = input(spread_dir(20), 2, cfg);
  in.recent = {
      past(decision_kind::split, {7, ds::hash_range{}}, in.now - 20, 0, 0)};
  auto ds = plan(in);
  CHECK(of_kind(ds, decision_kind::consolidate).empty());
  CHECK(of_kind(ds, decision_kind::skip_quiet).size() == 1);

  auto hot = input({part(7, 0, flat(200))}, 2, cfg);
  hot.recent = {past(decision_kind::consolidate, {7, ds::hash_range{}},
                     hot.now - 20, 1, 0)};
  ds = plan(hot);
  CHECK(of_kind(ds, decision_kind::split).empty());
  CHECK(of_kind(ds, decision_kind::move).empty());
  CHECK(of_kind(ds, decision_kind::skip_quiet).size() == 1);
}

TEST_CASE("bad input is refused with the field named, and nothing "
          "planned") {
  auto good = input({part(1, 0, flat(10))}, 2);
  CHECK(check(good).empty());
  auto bad = good;
  bad.config.exit_threshold = 100;
  CHECK(check(bad).find("exit_threshold") != std::string::npos);
  CHECK_THROWS_AS(plan(bad), std::invalid_argument);
  bad = good;
  bad.config.max_split = 3;
  CHECK(check(bad).find("max_split") != std::string::npos);
  bad = good;
  bad.parts[0].shard = 9;
  CHECK(check(bad).find("unknown shard") != std::string::npos);
  bad = good;
  bad.parts[0].forecast.upper.pop_back();
  CHECK(check(bad).find("horizon") != std::string::npos);
  bad = good;
  bad.parts[0].history[3] = -1;
  CHECK(check(bad).find("negative") != std::string::npos);
  bad = good;
  bad.parts.push_back(bad.parts[0]);
  bad.parts[1].id.range = ds::hash_range{0, 15};
  CHECK(check(bad).find("overlaps") != std::string::npos);
  bad = good;
  bad.parts[0].id.range = ds::hash_range{1, 2};
  CHECK(check(bad).find("aligned") != std::string::npos);
  bad = good;
  bad.shards[1].id = 0;
  CHECK(check(bad).find("twice") != std::string::npos);
  bad = good;
  bad.shards.clear();
  CHECK_THROWS_AS(plan(bad), std::invalid_argument);
}

TEST_CASE("the decision log keeps a bounded number of decisions for a "
          "bounded time") {
  decision_log log(5, 100);
  for (int64_t t = 0; t < 4; ++t)
    log.append(
        {past(decision_kind::move, {uint64_t(t % 2), {}}, t * 10, 0, 1)});
  CHECK(log.size() == 4);
  CHECK(log.query(10).size() == 3);
  CHECK(log.query(0, uint64_t{1}).size() == 2);
  CHECK(log.recent(30, 15).size() == 2); // slots 20 and 30
  // Out of order: refused whole.
  CHECK_THROWS_AS(log.append({past(decision_kind::move, {}, 40, 0, 1),
                              past(decision_kind::move, {}, 5, 0, 1)}),
                  std::invalid_argument);
  CHECK(log.size() == 4);
  log.append({past(decision_kind::move, {}, 40, 0, 1),
              past(decision_kind::split, {}, 40, 0, 0)});
  CHECK(log.size() == 5); // the oldest went for the count bound
  CHECK(log.dropped() == 1);
  CHECK(log.query(0).front().at == 10);
  log.expire(135); // keeps 35 and later
  CHECK(log.size() == 2);
  CHECK(log.dropped() == 4);
  CHECK_THROWS_AS(decision_log(0, 10), std::invalid_argument);
  CHECK(describe(log.query(0).back()).find("split dir 0") != std::string::npos);
}

TEST_CASE("a skip that repeats one said within the window is not said "
          "again; other decisions always are") {
  part_id seven{7, {}};
  std::vector<decision> recent{
      past(decision_kind::skip_hysteresis, seven, 100, 1, 0),
      past(decision_kind::move, seven, 100, 1, 2)};
  std::vector<decision> now{
      past(decision_kind::skip_hysteresis, seven, 150, 1, 0), // repeat
      past(decision_kind::skip_hysteresis, seven, 150, 2, 0), // another from
      past(decision_kind::skip_quiet, seven, 150, 1, 0),      // another kind
      past(decision_kind::move, seven, 150, 1, 2), // not a skip: stays
      past(decision_kind::skip_hysteresis, {8, {}}, 150, 1, 0)};
  auto kept = without_repeated_skips(now, recent, 60);
  REQUIRE(kept.size() == 4);
  CHECK(kept[0].from == 2);
  CHECK(kept[1].kind == decision_kind::skip_quiet);
  CHECK(kept[2].kind == decision_kind::move);
  CHECK(kept[3].part.dir == 8);
  // Once the window has passed, the skip is said again.
  CHECK(without_repeated_skips(now, recent, 49).size() == 5);
  CHECK(without_repeated_skips(now, recent, 50).size() == 4);
  // A skip of the same planning is not a repeat of itself.
  CHECK(without_repeated_skips(now, now, 60).size() == 5);
}

TEST_CASE("decision kinds print and parse by one table") {
  for (auto k : {decision_kind::split, decision_kind::move,
                 decision_kind::consolidate, decision_kind::skip_budget,
                 decision_kind::skip_hysteresis, decision_kind::skip_quiet}) {
    decision_kind back = decision_kind::split;
    CHECK(parse_decision_kind(to_string(k), back));
    CHECK(back == k);
  }
  decision_kind unchanged = decision_kind::move;
  CHECK_FALSE(parse_decision_kind("merge", unchanged));
  CHECK(unchanged == decision_kind::move);
  CHECK(to_string(decision_kind(9)) == "unknown");
}

TEST_CASE("where the forecast misses a burst, the observed rate of the last "
          "period is the floor: the planner reacts") {
  auto p = part(5, 0, flat(10)); // forecast 10, upper 11
  for (std::size_t k = 0; k < 6; ++k)
    p.history[p.history.size() - 1 - k] = 250; // the last period: 250
  auto ds = plan(input({p}, 4));
  auto splits = of_kind(ds, decision_kind::split);
  REQUIRE(splits.size() == 1);
  CHECK(splits[0].parts == 4); // 250 / 80 -> 4
  CHECK(splits[0].why.reacting);
  CHECK(splits[0].why.forecast_peak == doctest::Approx(250));
  CHECK(splits[0].why.peak_slot == 1001);
  CHECK(describe(splits[0]).find("reacting") != std::string::npos);
  CHECK(of_kind(ds, decision_kind::move).size() == 3);
  // One hot slot in the last period is not a burst: the mean decides.
  p = part(5, 0, flat(10));
  p.history.back() = 250;
  CHECK(plan(input({p}, 4)).empty());
}

TEST_CASE("a shard busy now beyond its forecast takes no part over the next "
          "period") {
  std::vector<part_input> ps;
  for (uint64_t d = 1; d <= 4; ++d)
    ps.push_back(part(d, 0, bump(0, 60, 3))); // one hot cluster on shard 0
  auto in = input(ps, 3);
  auto targets = [](const std::vector<decision>& ds) {
    std::set<uint32_t> to;
    for (const auto& d : of_kind(ds, decision_kind::move))
      to.insert(d.to);
    return to;
  };
  CHECK(targets(plan(in)).count(1) == 1);
  in.shards[1].load = 300; // an unannounced burst on shard 1, right now
  auto busy = targets(plan(in));
  CHECK(!busy.empty());
  CHECK(busy.count(1) == 0);
}

TEST_CASE("directories predicted below the exit threshold are not spread "
          "with a hot cluster: step 1 would only bring them back") {
  // Ten directories of the same shape on shard 0, each with an upper bound
  // of 33 ops/s (below the exit threshold of 40), 330 together: a cluster
  // above the threshold, made only of directories too cold to spread.
  std::vector<part_input> ps;
  for (uint64_t d = 1; d <= 10; ++d)
    ps.push_back(part(d, 0, bump(0, 30, 12)));
  auto in = input(ps, 4);
  CHECK(of_kind(plan(in), decision_kind::move).empty());
  // Two directories above the exit threshold in the same shape still are.
  ps.push_back(part(11, 0, bump(0, 60, 12)));
  ps.push_back(part(12, 0, bump(0, 60, 12)));
  auto moves = of_kind(plan(input(ps, 4)), decision_kind::move);
  REQUIRE(!moves.empty());
  for (auto& m : moves)
    CHECK(m.part.dir >= 11);
}

TEST_CASE("a forecast that backtested badly is not planned on: the part is "
          "taken at its observed rate") {
  // Quiet now (history 10), forecast to surge to 300 in a few slots.
  auto p = part(5, 0, bump(10, 300, 8));
  p.history = flat(10);
  auto trusted = plan(input({p}, 4));
  REQUIRE(of_kind(trusted, decision_kind::split).size() == 1);
  CHECK_FALSE(of_kind(trusted, decision_kind::split)[0].why.reacting);

  // The same forecast from a model that backtested at 48 times the error of
  // the seasonal naive forecast (bursts at random times): nothing moves.
  p.forecast.backtest_mase = 48;
  CHECK(plan(input({p}, 4)).empty());

  // Untrusted and busy now: it reacts to what it observes, not to the
  // forecast's peak.
  for (std::size_t k = 0; k < 6; ++k)
    p.history[p.history.size() - 1 - k] = 250;
  auto reacted = of_kind(plan(input({p}, 4)), decision_kind::split);
  REQUIRE(reacted.size() == 1);
  CHECK(reacted[0].why.reacting);
  CHECK(reacted[0].why.forecast_peak == doctest::Approx(250));
  CHECK(describe(reacted[0]).find("reacting: planned on the observed rate") !=
        std::string::npos);

  // The bound is a setting: raised above the model's error, it is trusted.
  auto cfg = default_settings();
  cfg.trust_mase = 50;
  p.history = flat(10);
  CHECK(of_kind(plan(input({p}, 4, cfg)), decision_kind::split).size() == 1);
  cfg.trust_mase = 0;
  CHECK_THROWS_AS(plan(input({p}, 4, cfg)), std::invalid_argument);
}

TEST_CASE("an untrusted forecast does not make a spread directory cold "
          "sooner: consolidation still judges the forecast") {
  auto ps = spread_dir(20); // observed 10 per half, well below the exit 40
  for (auto& p : ps) {
    // Forecast to come back to 30 per half (60 in all) within the horizon,
    // by a model that backtested badly.
    p.forecast.mean = bump(10, 30, 12);
    p.forecast.upper = bump(11, 33, 12);
    p.forecast.backtest_mase = 48;
  }
  auto ds = plan(input(ps, 2));
  CHECK(of_kind(ds, decision_kind::consolidate).empty());
  auto kept = of_kind(ds, decision_kind::skip_hysteresis);
  REQUIRE(kept.size() == 1);
  CHECK(kept[0].why.note ==
        "predicted between the exit threshold and the threshold");
  // Trusted or not, a forecast that stays low lets it come home.
  for (auto& p : ps) {
    p.forecast.mean = flat(10);
    p.forecast.upper = flat(11);
  }
  CHECK(of_kind(plan(input(ps, 2)), decision_kind::consolidate).size() == 1);
}

TEST_CASE("a forecast without a backtest (a series too short to score) is "
          "not planned on ahead of time either") {
  // The seasonal naive fallback of a young directory repeats the burst of
  // its creation a season later: nothing moves for it.
  auto p = part(5, 0, bump(10, 300, 8));
  p.history = flat(10);
  p.forecast.model = "snaive[24]";
  p.forecast.backtest_mase = std::nan("");
  CHECK(plan(input({p}, 4)).empty());
}

TEST_CASE("a part split within the last two periods but still reported "
          "whole is not split again") {
  auto in = input({part(1, 0, flat(91))}, 4); // upper 100.1: split in two
  auto first = of_kind(plan(in), decision_kind::split);
  REQUIRE(first.size() == 1);
  // The split was decided a slot ago; the view still shows the part whole.
  in.recent = {past(decision_kind::split, first[0].part, in.now - 1, 0, 0)};
  auto ds = plan(in);
  CHECK(of_kind(ds, decision_kind::split).empty());
  CHECK(of_kind(ds, decision_kind::move).empty()); // nor placed meanwhile
  // Two periods on, the view still shows it whole: the split is decided
  // again (it failed, or was lost).
  in.recent[0].at = in.now - 2 * in.config.period_slots;
  CHECK(of_kind(plan(in), decision_kind::split).size() == 1);
  // A split of another range of the directory does not hold this one.
  in.recent[0].at = in.now - 1;
  in.recent[0].part.range = sub_range(ds::hash_range{}, 2, 0);
  CHECK(of_kind(plan(in), decision_kind::split).size() == 1);
}

TEST_CASE("a move decided within two periods counts at its destination, "
          "though the view still shows the part at its source") {
  // Three parts that peak together, on shard 0 of 3: the first planning
  // keeps one and moves two, one to each other shard.
  std::vector<part_input> ps;
  for (uint64_t d = 1; d <= 3; ++d)
    ps.push_back(part(d, 0, bump(0, 60, 12)));
  auto in = input(ps, 3);
  auto first = of_kind(plan(in), decision_kind::move);
  REQUIRE(first.size() == 2);
  // A slot later the moves are under way: the view still shows all three
  // on shard 0, and a fourth directory that peaks with them appears there.
  // Bounded by 1.25 x 240 / 3 = 100 ops/s, every shard can take one part
  // of 60 but not two: the shards the moves go to are full already.
  ps.push_back(part(4, 0, bump(0, 60, 12)));
  in = input(ps, 3);
  in.now += 1;
  in.recent = first;
  auto pending = with_pending_moves(in);
  for (const auto& d : first) {
    auto p = std::find_if(pending.parts.begin(), pending.parts.end(),
                          [&](const part_input& x) { return x.id == d.part; });
    REQUIRE(p != pending.parts.end());
    CHECK(p->shard == d.to);
    CHECK(pending.shards[d.to].predicted[12] == doctest::Approx(60));
  }
  CHECK(pending.shards[0].predicted[12] == doctest::Approx(120));
  auto ds = plan(in);
  CHECK(of_kind(ds, decision_kind::move).empty());
  // Two periods on, a move the view still does not show is not believed.
  in.now = first[0].at + 2 * in.config.period_slots;
  CHECK(with_pending_moves(in).shards[0].predicted[12] == doctest::Approx(240));
}
