#include "psm/forecast/holt_winters.hpp"
#include "psm/forecast/hw_core.hpp"
#include "psm/forecast/selection.hpp"
#include "psm/forecast/series.hpp"
#include "psm/forecast/snaive.hpp"
#include "psm/forecast/stats.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <memory>
#include <random>
#include <sstream>

using namespace ds::forecast;

namespace {

// y_t = level + slope t + season + noise, seeded.
arma::vec seasonal(int n, int m, double level, double slope, double amp,
                   double noise, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> e(0, noise);
  arma::vec y(static_cast<arma::uword>(n), arma::fill::zeros);
  for (int t = 0; t < n; ++t)
    y(arma::uword(t)) =
        level + slope * t + amp * std::sin(2 * M_PI * t / m) + e(rng);
  return y;
}

} // namespace

TEST_CASE(
    "seasonal naive repeats the last season, intervals widen per season") {
  arma::vec y{1, 2, 3, 4, 2, 3, 4, 5};
  auto m = fit_snaive(y, 4);
  auto p = m->predict(9, 0.95);
  for (int k = 0; k < 8; ++k)
    CHECK(p.mean(arma::uword(k)) == y(4 + arma::uword(k % 4)));
  CHECK(p.upper(4) - p.mean(4) > p.upper(3) - p.mean(3)); // second season wider
  CHECK(p.upper(3) - p.mean(3) == doctest::Approx(p.upper(0) - p.mean(0)));
  // sigma: residuals y_t - y_{t-4} = 1,1,1,1 -> 1; 95% half width 1.96
  CHECK(p.upper(0) - p.mean(0) == doctest::Approx(1.959964).epsilon(1e-5));
  auto naive = fit_snaive(arma::vec{3, 5, 4}, 0);
  CHECK(naive->predict(2).mean(1) == 4);
  CHECK(naive->name() == "naive");
}

TEST_CASE("normal quantiles") {
  CHECK(interval_z(0.95) == doctest::Approx(1.959964).epsilon(1e-6));
  CHECK(normal_quantile(0.5) == doctest::Approx(0).epsilon(1e-12));
  CHECK(normal_quantile(0.001) == doctest::Approx(-3.090232).epsilon(1e-6));
}

TEST_CASE("Holt-Winters recovers a seasonal trend and forecasts it") {
  arma::vec y = seasonal(240, 12, 100, 0.5, 20, 1.0, 3);
  auto m = fit_holt_winters(y, 12, hw_spec{true, false, hw_season::additive});
  REQUIRE(m);
  CHECK(m->name() == "ETS(A,A,A)");
  auto p = m->predict(24, 0.95);
  arma::vec truth = seasonal(264, 12, 100, 0.5, 20, 0.0, 3).tail(24);
  CHECK(arma::mean(arma::abs(p.mean - truth)) < 2.0);
  for (arma::uword k = 1; k < 24; ++k)
    CHECK(p.upper(k) - p.lower(k) >= p.upper(k - 1) - p.lower(k - 1) - 1e-9);
  // The true noise sd is 1: the fitted sigma is close.
  double sigma2 = 0;
  for (auto& prm : m->parameters())
    if (prm.name == "sigma2")
      sigma2 = prm.value;
  CHECK(std::sqrt(sigma2) == doctest::Approx(1.0).epsilon(0.2));
}

TEST_CASE("automatic Holt-Winters prefers a seasonal model on seasonal data") {
  arma::vec y = seasonal(200, 10, 50, 0, 15, 1.0, 9);
  auto m = fit_holt_winters_auto(y, 10);
  REQUIRE(m);
  CHECK(m->name().back() != 'N');
  arma::vec flat = seasonal(200, 10, 50, 0, 0, 1.0, 9);
  auto f = fit_holt_winters_auto(flat, 0);
  REQUIRE(f);
  CHECK(f->name().substr(f->name().size() - 2) == "N)");
}

TEST_CASE("edge cases: constant, all-zero, short and huge series") {
  arma::vec zeros(100, arma::fill::zeros);
  auto z = select_model(zeros, 12, default_candidates());
  REQUIRE(z.model);
  arma::vec pz = z.model->predict(12).mean;
  CHECK(arma::abs(pz).max() < 1e-6);
  arma::vec constant(100);
  constant.fill(7);
  auto c = select_model(constant, 12, default_candidates());
  CHECK(arma::abs(c.model->predict(5).mean - 7.0).max() < 1e-6);
  arma::vec shorty{3, 4, 5};
  auto s = select_model(shorty, 24, default_candidates());
  REQUIRE(s.model);
  CHECK(s.model->predict(3).mean.is_finite());
  arma::vec huge = seasonal(120, 12, 1e12, 1e8, 1e10, 1e8, 5);
  auto h = select_model(huge, 12, default_candidates());
  arma::vec ph = h.model->predict(12).mean;
  CHECK(ph.is_finite());
  CHECK(arma::mean(ph) == doctest::Approx(1e12 + 126e8).epsilon(0.01));
  for (double v : h.model->predict(12).lower)
    CHECK(v >= 0);
}

TEST_CASE("series files: numbers, CSV with a value column, and clear errors") {
  std::istringstream plain("1\n2.5\n 3 \n\n");
  CHECK(read_series(plain) == std::vector<double>{1, 2.5, 3});
  std::istringstream csv("time,value\n0,4\n1,5\n");
  CHECK(read_series(csv) == std::vector<double>{4, 5});
  auto error = [](const std::string& text) {
    std::istringstream in(text);
    try {
      read_series(in);
    } catch (const series_error& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  CHECK(error("1\n-2\n").find("line 2: negative") != std::string::npos);
  CHECK(error("1\nabc\n").find("line 2: 'abc' is not a number") !=
        std::string::npos);
  CHECK(error("1\nnan\n").find("line 2") != std::string::npos);
  CHECK(error("1\n\n2\n").find("line 2: blank line") != std::string::npos);
  CHECK(
      error("a,b\n1,2\n").find("line 1: a CSV header needs a 'value' column") !=
      std::string::npos);
  CHECK(error("t,value\n1\n").find("line 2: 1 fields") != std::string::npos);
  CHECK(error("").find("empty") != std::string::npos);
}

TEST_CASE("Holt-Winters likelihoods side by side equal lone runs bit for bit") {
  using namespace ds::forecast::hw_detail;
  const int m = 12;
  arma::vec y = seasonal(240, m, 50, 0.2, 8, 2, 11);
  arma::vec shorter = y.head(200), shortest = y.head(150);
  std::mt19937_64 rng(3);
  std::normal_distribution<double> z(0, 1.5);
  std::vector<std::unique_ptr<hw_core>> cores;
  for (const arma::vec* s : {&y, &shorter, &shortest})
    for (hw_season season :
         {hw_season::none, hw_season::additive, hw_season::multiplicative})
      for (int t = 0; t < 3; ++t)
        cores.push_back(
            std::make_unique<hw_core>(*s, m, hw_spec{t > 0, t == 2, season}));
  std::vector<hw_chain> chains;
  for (auto& c : cores)
    for (int k = 0; k < 3; ++k) {
      arma::vec x = c->start(0.3, 0.1, 0.1, 0.8);
      for (auto& v : x)
        v += z(rng);
      chains.push_back({c.get(), c->decode(x)});
    }
  // A multiplicative chain whose forecast turns negative: +inf, as alone.
  params bad = chains.back().p;
  bad.l0 = -100;
  chains.push_back({cores.back().get(), bad});
  hw_batch_lik(chains);
  int finite = 0;
  for (auto& c : chains) {
    double alone = c.core->run(c.p).lik;
    CHECK(((c.lik == alone) || (std::isinf(c.lik) && std::isinf(alone))));
    finite += std::isfinite(alone);
  }
  CHECK(finite > 40);
  CHECK(std::isinf(chains.back().lik));
}

TEST_CASE("a perfectly periodic series backtests on a finite scale: its "
          "seasonal naive forecast scores 0, not infinitely bad") {
  // A daily surge repeated exactly: the seasonal naive error in sample is
  // 0, so the one-step error scales the backtest instead.
  arma::vec y(8 * 20, arma::fill::value(5.0));
  for (int d = 0; d < 8; ++d)
    for (int t = 16; t < 20; ++t)
      y(arma::uword(d * 20 + t)) = 400;
  auto s = select_model(y, 20, default_candidates());
  REQUIRE(s.model);
  CHECK(std::isfinite(s.backtest_mase));
  CHECK(s.backtest_mase < 0.5);
  arma::vec f = s.model->predict(20).mean;
  CHECK(f(17) == doctest::Approx(400).epsilon(0.05));
  CHECK(f(2) == doctest::Approx(5).epsilon(0.2));
}

TEST_CASE("Holt-Winters carried over to a grown series: states run on, "
          "parameters kept, bounds as simulated") {
  std::mt19937_64 rng(31);
  std::normal_distribution<double> e(0, 0.05);
  arma::vec y(24 * 8);
  for (arma::uword t = 0; t < y.n_elem; ++t)
    y(t) = 50 * (1.5 + std::sin(2 * M_PI * double(t % 24) / 24)) * (1 + e(rng));
  arma::vec older = y.head(y.n_elem - 5);
  hw_spec mnm{false, false, hw_season::multiplicative};
  // Carried over before the fitted model predicted: simulated afresh.
  auto simulated = fit_holt_winters(older, 24, mnm)->with_series(y);
  auto m = fit_holt_winters(older, 24, mnm);
  REQUIRE(simulated);
  auto sim = simulated->predict(24, 0.9);
  // Carried over after: the bounds scale with the point forecast.
  m->predict(24, 0.9);
  auto scaled = m->with_series(y);
  REQUIRE(scaled);
  auto sc = scaled->predict(24, 0.9);
  CHECK(arma::approx_equal(sc.mean, sim.mean, "reldiff", 1e-12));
  CHECK(arma::approx_equal(sc.lower, sim.lower, "reldiff", 1e-9));
  CHECK(arma::approx_equal(sc.upper, sim.upper, "reldiff", 1e-9));
  auto a = m->parameters(), b = scaled->parameters();
  REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i)
    CHECK(a[i].value == b[i].value);
  // The states moved on: the forecast starts five slots later.
  CHECK_FALSE(
      arma::approx_equal(sc.mean, m->predict(24, 0.9).mean, "reldiff", 1e-3));
  // Not carried: a series that does not start with the fitted one, a
  // series no longer than it, or one that changed (errors beyond the fit's).
  arma::vec other = y;
  other(0) += 1;
  CHECK_FALSE(m->with_series(other));
  CHECK_FALSE(m->with_series(older));
  arma::vec jump = y;
  jump.tail(5) *= 3;
  CHECK_FALSE(m->with_series(jump));
  // A slot of 0 since: a multiplicative model no longer applies.
  arma::vec idle = y;
  idle(idle.n_elem - 1) = 0;
  CHECK_FALSE(m->with_series(idle));
}
