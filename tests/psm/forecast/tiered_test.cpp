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

TEST_CASE("forecast_kept refits the kept choice without a backtest, and "
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

  // Six slots later: the same family refitted, the kept MASE reported, and
  // the forecast that of the newer series.
  auto again = forecast_kept(y, opt, kept);
  CHECK_FALSE(again.rescored);
  CHECK(again.family == "spar");
  CHECK(again.backtest_mase == first.backtest_mase);
  auto now = forecast_tiered(y, opt);
  CHECK(arma::approx_equal(again.forecast.mean, now.forecast.mean, "absdiff",
                           1e-9));
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
