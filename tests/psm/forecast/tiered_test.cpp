// The tiered forecaster: SPAR for every series, the full choice only where
// the forecast may reach the threshold.
#include "psm/forecast/tiered.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <random>

using namespace ds::forecast;

namespace {

arma::vec cycle(int periods, int m, double base, double amp, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> e(0, 1);
  arma::vec y(arma::uword(periods * m));
  for (int t = 0; t < periods * m; ++t)
    y(arma::uword(t)) =
        std::max(0.0, base + amp * std::sin(2 * M_PI * t / m) + e(rng));
  return y;
}

prediction upper_only(std::initializer_list<double> upper) {
  prediction p;
  p.upper = arma::vec(upper);
  p.mean = p.upper * 0.5;
  p.lower = p.upper * 0.0;
  return p;
}

} // namespace

TEST_CASE("may_cross: the upper bound anywhere on the horizon against "
          "guard * threshold") {
  CHECK(may_cross(upper_only({10, 20, 80}), 100, 0.8)); // reaches 80
  CHECK_FALSE(may_cross(upper_only({10, 79.9, 5}), 100, 0.8));
  CHECK(may_cross(upper_only({120}), 100, 1.0));
  CHECK_FALSE(may_cross(upper_only({99}), 100, 1.0));
  CHECK_FALSE(may_cross(prediction{}, 100, 0.8)); // no horizon: nothing
  CHECK_THROWS_AS(may_cross(upper_only({1}), 0, 0.8), std::invalid_argument);
  CHECK_THROWS_AS(may_cross(upper_only({1}), 10, 0), std::invalid_argument);
  CHECK_THROWS_AS(may_cross(upper_only({1}), 10, 1.5), std::invalid_argument);
}

TEST_CASE("forecast_tiered keeps SPAR far below the threshold and escalates "
          "near it") {
  tier_options opt;
  opt.period = 24;
  opt.threshold = 100;
  auto cold = forecast_tiered(cycle(8, 24, 20, 10, 1), opt);
  CHECK_FALSE(cold.escalated);
  CHECK(cold.family == "spar");
  CHECK(cold.model.rfind("spar(", 0) == 0);
  CHECK(std::isfinite(cold.backtest_mase));
  CHECK(cold.forecast.mean.n_elem == 24);
  CHECK_FALSE(may_cross(cold.forecast, opt.threshold, opt.guard));

  auto hot = forecast_tiered(cycle(8, 24, 70, 25, 2), opt);
  CHECK(hot.escalated);
  CHECK(std::isfinite(hot.backtest_mase));
  // The full choice had SPAR among its candidates: it is never worse than
  // SPAR's own backtest.
  opt.guard = 1;
  opt.threshold = 1e9;
  auto spar_only = forecast_tiered(cycle(8, 24, 70, 25, 2), opt);
  CHECK_FALSE(spar_only.escalated);
  CHECK(hot.backtest_mase <= spar_only.backtest_mase + 1e-12);
}

TEST_CASE("forecast_tiered: horizon, short series and bad options") {
  tier_options opt;
  opt.period = 24;
  opt.horizon = 36;
  opt.threshold = 1000;
  auto f = forecast_tiered(cycle(6, 24, 10, 5, 3), opt);
  CHECK(f.forecast.upper.n_elem == 36);
  auto shortf = forecast_tiered(cycle(1, 24, 10, 5, 3), opt);
  CHECK(shortf.family == "snaive"); // too short for SPAR or a backtest
  CHECK(shortf.forecast.mean.n_elem == 36);
  CHECK_THROWS_AS(forecast_tiered(arma::vec{}, opt), std::invalid_argument);
  opt.period = 0;
  CHECK_THROWS_AS(forecast_tiered(cycle(6, 24, 10, 5, 3), opt),
                  std::invalid_argument);
}

TEST_CASE("forecast_kept reuses the kept choice without a backtest, and "
          "scores afresh where the choice may no longer hold") {
  tier_options opt;
  opt.period = 24;
  opt.threshold = 100;
  arma::vec y = cycle(10, 24, 20, 10, 4);
  arma::vec older = y.head(y.n_elem - 6); // six slots ago

  // Nothing kept: scored as forecast_tiered scores, and the choice kept.
  tier_choice kept;
  auto first = forecast_kept(older, opt, kept);
  auto fresh = forecast_tiered(older, opt);
  CHECK(first.rescored);
  CHECK(first.model == fresh.model);
  CHECK(arma::approx_equal(first.forecast.mean, fresh.forecast.mean, "absdiff",
                           1e-12));
  CHECK(kept.family == "spar");
  CHECK(kept.scored_on == older.n_elem);
  CHECK(kept.backtest_mase == first.backtest_mase);

  // Six slots later: the kept coefficients applied to the newer series,
  // the kept MASE reported, and a forecast from the newer series' end
  // (close to what a fresh fit forecasts there).
  auto before = kept.model->parameters();
  auto again = forecast_kept(y, opt, kept);
  CHECK_FALSE(again.rescored);
  CHECK(again.family == "spar");
  CHECK(again.backtest_mase == first.backtest_mase);
  auto after = kept.model->parameters();
  REQUIRE(after.size() == before.size());
  for (std::size_t i = 0; i < after.size(); ++i)
    CHECK(after[i].value == before[i].value);
  auto now = forecast_tiered(y, opt);
  CHECK(arma::mean(arma::abs(again.forecast.mean - now.forecast.mean)) <
        0.05 * arma::mean(now.forecast.mean));
  CHECK(kept.scored_on == older.n_elem); // not rescored

  // The series turns hot: a kept SPAR choice that may now reach the
  // threshold is scored afresh, and escalates.
  arma::vec hot = arma::join_cols(y, cycle(1, 24, 95, 25, 5));
  auto escalated = forecast_kept(hot, opt, kept);
  CHECK(escalated.rescored);
  CHECK(escalated.escalated);
  CHECK(kept.escalated);
  CHECK(kept.scored_on == hot.n_elem);

  // History twice as long as what the choice was scored on (an import):
  // scored afresh.
  tier_choice short_kept;
  forecast_kept(cycle(4, 24, 20, 10, 6), opt, short_kept);
  CHECK(forecast_kept(cycle(8, 24, 20, 10, 6), opt, short_kept).rescored);
  // A choice without a backtest (too short) is not kept for long.
  tier_choice none;
  forecast_kept(cycle(1, 24, 10, 5, 3), opt, none);
  CHECK(std::isnan(none.backtest_mase));
  CHECK(forecast_kept(cycle(1, 24, 10, 5, 3), opt, none).rescored);
}

TEST_CASE("a forecast is capped at cap_factor times the series' highest "
          "value") {
  tier_options opt;
  opt.period = 24;
  opt.horizon = 24 * 20; // far enough for a trend to run away
  opt.threshold = 50;    // escalates: the full choice extrapolates the rise
  arma::vec y = arma::regspace(0, 191) + cycle(8, 24, 0, 3, 7);
  double most = y.max();
  opt.cap_factor = 0;
  auto free = forecast_tiered(y, opt);
  CHECK(free.forecast.upper.max() > 2 * most); // the model runs away
  opt.cap_factor = 2;
  auto capped = forecast_tiered(y, opt);
  CHECK(capped.forecast.upper.max() <= 2 * most + 1e-9);
  CHECK(capped.forecast.mean.max() <= 2 * most + 1e-9);
  CHECK(capped.model == free.model); // the same choice, only bounded
  tier_choice kept;
  forecast_kept(y, opt, kept);
  CHECK(forecast_kept(y, opt, kept).forecast.upper.max() <= 2 * most + 1e-9);
  opt.cap_factor = -1;
  CHECK_THROWS_AS(forecast_tiered(y, opt), std::invalid_argument);
}

TEST_CASE("recurring_level: the rate reached around a phase in enough past "
          "seasons") {
  // Period 4, three seasons; a peak of 9 at phase 2 in two of them.
  arma::vec twice{0, 0, 9, 0, 0, 0, 9, 0, 0, 0, 0, 0};
  auto s = recurring_level(twice, 4, 4, 2, 0);
  REQUIRE(s.n_elem == 4);
  CHECK(s(2) == 9); // reached at phase 2 in two seasons
  CHECK(s(0) == 0);
  CHECK(s(3) == 0);
  CHECK(recurring_level(twice, 4, 4, 3, 0)(2) == 0); // not in three

  // Seen once: not recurring.
  arma::vec once{0, 0, 0, 0, 0, 0, 9, 0, 0, 0, 0, 0};
  CHECK(arma::all(recurring_level(once, 4, 4, 2, 0) == 0));
  CHECK(arma::all(recurring_level(once, 4, 4, 2, 1) == 0));
  CHECK(recurring_level(once, 4, 4, 1, 0)(2) == 9);

  // Within the window of the phase: a peak one slot late still recurs.
  arma::vec late{0, 0, 9, 0, 0, 0, 0, 9, 0, 0, 0, 0};
  CHECK(recurring_level(late, 4, 4, 2, 0)(2) == 0);
  CHECK(recurring_level(late, 4, 4, 2, 1)(2) == 9);

  // Too few seasons known: nothing recurred.
  CHECK(arma::all(recurring_level(arma::vec{9, 1, 2}, 4, 6, 2, 0) == 0));
  // seasons 0: the series' highest value everywhere.
  CHECK(arma::all(recurring_level(once, 4, 3, 0, 0) == 9));
  // Beyond one season ahead, the phases further back answer.
  CHECK(recurring_level(twice, 4, 8, 2, 0)(6) == 9);

  CHECK_THROWS_AS(recurring_level(arma::vec{}, 4, 4, 2, 0),
                  std::invalid_argument);
  CHECK_THROWS_AS(recurring_level(once, 0, 4, 2, 0), std::invalid_argument);
  CHECK_THROWS_AS(recurring_level(once, 4, -1, 2, 0), std::invalid_argument);
  CHECK_THROWS_AS(recurring_level(once, 4, 4, -1, 0), std::invalid_argument);
  CHECK_THROWS_AS(recurring_level(once, 4, 4, 2, -1), std::invalid_argument);
}

namespace {

/// `seasons` seasons of 24 slots at about 10, with a burst of 100 over
/// slots 12 to 14 in the seasons listed.
arma::vec bursty(int seasons, std::initializer_list<int> burst_in) {
  arma::vec y = cycle(seasons, 24, 10, 0, 11);
  for (int s : burst_in)
    for (int t = 12; t < 15; ++t)
      y(arma::uword(s * 24 + t)) = 100;
  return y;
}

} // namespace

TEST_CASE("a peak seen in one past season only is not forecast ahead of "
          "time; one that recurs is") {
  tier_options opt;
  opt.period = 24;
  opt.threshold = 40;
  // Forecast from the end of season 7: the horizon is season 8.
  auto once = bursty(8, {6});
  double most_quiet = once.head(6 * 24).max();
  opt.cap_factor = 0; // no cap: the models echo the burst
  auto free = forecast_tiered(once, opt);
  CHECK(may_cross(free.forecast, opt.threshold, opt.guard));
  CHECK(free.forecast.upper.max() > 2 * most_quiet);
  opt.cap_factor = 2;
  auto capped = forecast_tiered(once, opt);
  CHECK(capped.forecast.upper.max() <= 2 * most_quiet + 1e-9);
  CHECK_FALSE(may_cross(capped.forecast, opt.threshold, opt.guard));
  tier_choice kept;
  forecast_kept(once, opt, kept);
  CHECK(forecast_kept(once, opt, kept).forecast.upper.max() <=
        2 * most_quiet + 1e-9);

  // The same burst on three days: the forecast keeps it, at its phase.
  auto daily = bursty(8, {3, 5, 6});
  auto kept_peak = forecast_tiered(daily, opt);
  CHECK(kept_peak.forecast.upper.max() >= opt.threshold);
  CHECK(kept_peak.forecast.upper.index_max() >= 11);
  CHECK(kept_peak.forecast.upper.index_max() <= 15);

  // A rise seen now but never before: the forecast is held at the rate
  // seen now (the last window + 1 slots), as a reactive policy holds it.
  arma::vec rising = cycle(8, 24, 10, 0, 12);
  for (int t = 0; t < 6; ++t)
    rising(rising.n_elem - 6 + t) = 10 + 8 * (t + 1); // up to 58, climbing
  opt.cap_factor = 0;
  CHECK(forecast_tiered(rising, opt).forecast.upper.max() > 58);
  opt.cap_factor = 2;
  CHECK(forecast_tiered(rising, opt).forecast.upper.max() <= 58 + 1e-9);

  opt.recur_seasons = -1;
  CHECK_THROWS_AS(forecast_tiered(once, opt), std::invalid_argument);
  opt.recur_seasons = 2;
  opt.recur_window = 0.6;
  CHECK_THROWS_AS(forecast_tiered(once, opt), std::invalid_argument);
}
