// SPAR against seasonal naive on synthetic seasonal series with a known
// future; MASE computed here, on the held-out final period.
#include "psm/forecast/snaive.hpp"
#include "psm/forecast/spar.hpp"
#include "psm/forecast/stats.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <random>

using namespace ds::forecast;

namespace {

constexpr int period = 24;

/// A daily shape (a peak mid-period) on a level that may change slope at
/// `change` (slots), plus seeded Gaussian noise.
arma::vec day_series(int periods, double noise, int change, double slope,
                     uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> e(0, noise);
  arma::vec y(arma::uword(periods * period));
  for (int t = 0; t < periods * period; ++t) {
    double level = 100 + (t > change ? slope * (t - change) : 0);
    double shape = 40 * std::sin(2 * M_PI * (t % period) / period);
    y(arma::uword(t)) = std::max(0.0, level + shape + e(rng));
  }
  return y;
}

/// MASE of `model_fit` forecasting the last period of y from the rest.
template <class Fit> double holdout_mase(const arma::vec& y, Fit fit) {
  arma::vec train = y.head(y.n_elem - period);
  arma::vec test = y.tail(period);
  auto m = fit(train);
  arma::vec f = m->predict(period, 0.95).mean;
  return arma::mean(arma::abs(f - test)) / mase_scale(train, period);
}

double spar_mase(const arma::vec& y) {
  return holdout_mase(y,
                      [](const arma::vec& t) { return fit_spar(t, period); });
}
double snaive_mase(const arma::vec& y) {
  return holdout_mase(y,
                      [](const arma::vec& t) { return fit_snaive(t, period); });
}

} // namespace

TEST_CASE("SPAR beats seasonal naive on a noisy seasonal series") {
  // The seasonal terms average the noise of several periods that seasonal
  // naive repeats from one.
  double spar_sum = 0, snaive_sum = 0;
  int wins = 0;
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    auto y = day_series(10, 8, 1 << 30, 0, seed);
    double spar = spar_mase(y), snaive = snaive_mase(y);
    spar_sum += spar;
    snaive_sum += snaive;
    wins += spar < snaive;
    INFO("seed " << seed << ": spar " << spar << ", snaive " << snaive);
    CHECK(spar < 1.2 * snaive);
  }
  MESSAGE("mean MASE over 20 seeds: spar " << spar_sum / 20 << ", snaive "
                                           << snaive_sum / 20);
  CHECK(spar_sum < 0.9 * snaive_sum);
  CHECK(wins >= 16);
}

TEST_CASE("SPAR beats seasonal naive after a trend change") {
  // Flat for four periods, then growing: seasonal naive stays a period
  // behind, SPAR's coefficients learn the growth from the last periods.
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    auto y = day_series(10, 3, 4 * period, 0.5, seed);
    double spar = spar_mase(y), snaive = snaive_mase(y);
    INFO("seed " << seed << ": spar " << spar << ", snaive " << snaive);
    CHECK(spar < 0.6 * snaive);
  }
}

TEST_CASE("SPAR repeats an exact periodic series and keeps rates >= 0") {
  arma::vec y(arma::uword(6 * period));
  for (arma::uword t = 0; t < y.n_elem; ++t)
    y(t) = t % period < 6 ? 0.0 : double(t % period);
  auto m = fit_spar(y, period);
  CHECK(m->name().rfind("spar(", 0) == 0);
  auto p = m->predict(2 * period + 5, 0.95); // past the fitted horizon too
  for (arma::uword k = 0; k < p.mean.n_elem; ++k) {
    double want = y((y.n_elem + k) % period);
    INFO("step " << k + 1);
    CHECK(p.mean(k) == doctest::Approx(want).epsilon(1e-4));
    CHECK(p.mean(k) >= 0);
    CHECK(p.lower(k) >= 0);
    CHECK(p.upper(k) >= p.mean(k));
  }
}

TEST_CASE("SPAR's one-step coefficients are the least-squares fit of its "
          "regressors") {
  // The regression written out as a design matrix, solved directly.
  auto y = day_series(8, 5, 3 * period, 0.3, 11);
  const int n = 3, m = 2, tmin = m - 1 + n * period;
  const int last = int(y.n_elem) - 2; // the last origin of step 1
  arma::mat x(arma::uword(last - tmin + 1), arma::uword(n + m));
  arma::vec target(x.n_rows);
  auto dy = [&](int s) {
    double mean = 0;
    for (int k = 1; k <= n; ++k)
      mean += y(arma::uword(s - k * period));
    return y(arma::uword(s)) - mean / n;
  };
  for (int t = tmin; t <= last; ++t) {
    auto r = arma::uword(t - tmin);
    for (int k = 1; k <= n; ++k)
      x(r, arma::uword(k - 1)) = y(arma::uword(t + 1 - k * period));
    for (int j = 1; j <= m; ++j)
      x(r, arma::uword(n + j - 1)) = dy(t + 1 - j);
    target(r) = y(arma::uword(t + 1));
  }
  arma::vec coef = arma::solve(x, target);
  arma::vec res = target - x * coef;
  double sigma = std::sqrt(arma::dot(res, res) / double(x.n_rows - n - m));
  auto ps = fit_spar(y, period, {n, m, 0})->parameters();
  REQUIRE(ps.size() == std::size_t(n + m + 1));
  for (arma::uword i = 0; i < coef.n_elem; ++i) {
    INFO(ps[i].name);
    CHECK(ps[i].value == doctest::Approx(coef(i)).epsilon(1e-6));
  }
  CHECK(ps.back().value == doctest::Approx(sigma).epsilon(1e-6));
}

TEST_CASE("SPAR: parameters named, short series fall back, bad options "
          "refused") {
  auto y = day_series(6, 2, 1 << 30, 0, 7);
  auto m = fit_spar(y, period, {3, 2, 0});
  auto ps = m->parameters();
  REQUIRE(ps.size() == 3 + 2 + 1);
  CHECK(ps[0].name == "a1");
  CHECK(ps[3].name == "b1");
  CHECK(ps[5].name == "sigma");
  // A constant series is solvable (collinear columns) and forecast flat.
  arma::vec flat(arma::uword(5 * period), arma::fill::value(7.0));
  auto f = fit_spar(flat, period)->predict(period, 0.9);
  CHECK(arma::abs(f.mean - 7.0).max() < 1e-6);
  // Fewer than two periods plus the deviations: seasonal naive.
  CHECK(fit_spar(y.head(2 * period), period)->name() == "snaive[24]");
  CHECK(fit_spar(y, 1)->name() == "naive");
  CHECK_THROWS_AS(fit_spar(arma::vec{}, period), std::invalid_argument);
  CHECK_THROWS_AS(fit_spar(y, period, {0, 3, 0}), std::invalid_argument);
  CHECK_THROWS_AS(fit_spar(y, period, {3, 0, 0}), std::invalid_argument);
  CHECK_THROWS_AS(fit_spar(y, period, {17, 3, 0}), std::invalid_argument);
  // By name, as `dagpsm forecast --model spar` asks for it.
  CHECK(candidate_named("spar").fit(y, period)->name().rfind("spar(", 0) == 0);
}

TEST_CASE("SPAR's fitted coefficients apply to the grown series without a "
          "regression") {
  auto y = day_series(10, 3, 10000, 0, 21);
  arma::vec older = y.head(y.n_elem - 6);
  auto m = fit_spar(older, period);
  // The same series: the same forecast.
  auto same = m->with_series(older);
  REQUIRE(same);
  CHECK(arma::approx_equal(same->predict(period).mean, m->predict(period).mean,
                           "absdiff", 1e-12));
  // Six slots later: the same coefficients, a forecast from the new end.
  auto grown = m->with_series(y);
  REQUIRE(grown);
  auto a = m->parameters(), b = grown->parameters();
  REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i)
    CHECK(a[i].value == b[i].value);
  auto refit = fit_spar(y, period)->predict(period).mean;
  auto reused = grown->predict(period).mean;
  CHECK(arma::mean(arma::abs(reused - refit)) < 0.02 * arma::mean(refit));
  CHECK(arma::mean(arma::abs(reused - m->predict(period).mean)) >
        0.1 * arma::mean(refit)); // not the older forecast: six slots on
  // A shorter series cannot carry them; seasonal naive never does.
  CHECK_FALSE(m->with_series(older.head(older.n_elem - 1)));
  CHECK_FALSE(fit_snaive(y, period)->with_series(y));
}

TEST_CASE("SPAR's coefficients are not carried over a change of the series") {
  auto y = day_series(10, 3, 10000, 0, 22);
  auto m = fit_spar(y, period);
  // Six more slots of the same process: carried over.
  arma::vec calm = day_series(11, 3, 10000, 0, 22).head(y.n_elem + 6);
  CHECK(m->with_series(calm));
  // Six slots of a level three times as high: estimated again.
  arma::vec jump = y;
  jump.resize(y.n_elem + 6);
  for (arma::uword i = y.n_elem; i < jump.n_elem; ++i)
    jump(i) = 3 * y(i - period);
  CHECK_FALSE(m->with_series(jump));
}
