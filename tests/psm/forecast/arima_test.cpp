// ARIMA against R's Arima (CSS-ML) for fixed orders on series shipped with R
// (tests/data/forecast/arima, made by make_reference.R there), and the
// automatic search on simulated series of known order.
#include "psm/forecast/arima.hpp"
#include "psm/forecast/series.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <fstream>
#include <random>
#include <sstream>

using namespace ds::forecast;

namespace {

std::string data_dir() {
  std::string f = __FILE__;
  return f.substr(0, f.rfind("/tests/")) + "/tests/data/forecast/arima/";
}

std::vector<double> numbers(const std::string& s) {
  std::vector<double> v;
  std::stringstream in(s);
  for (std::string x; std::getline(in, x, ';');)
    v.push_back(std::stod(x));
  return v;
}

} // namespace

TEST_CASE("fixed-order ARIMA coefficients, variance and forecasts match R") {
  std::ifstream in(data_dir() + "reference.csv");
  REQUIRE(in);
  std::string line;
  std::getline(in, line);
  int cases = 0;
  while (std::getline(in, line)) {
    std::stringstream s(line);
    std::string name, period, order, constant, coef, sigma2, aicc, fc;
    std::getline(s, name, ',');
    std::getline(s, period, ',');
    std::getline(s, order, ',');
    std::getline(s, constant, ',');
    std::getline(s, coef, ',');
    std::getline(s, sigma2, ',');
    std::getline(s, aicc, ',');
    std::getline(s, fc, ',');
    CAPTURE(name);
    std::ifstream sf(data_dir() + "series_" + name + ".txt");
    arma::vec y(read_series(sf));
    auto o = numbers(order);
    arima_order ord{int(o[0]), int(o[1]), int(o[2]),         int(o[3]),
                    int(o[4]), int(o[5]), std::stoi(period), constant == "1"};
    auto m = fit_arima(y, ord);
    REQUIRE(m);
    auto ours = arima_coefficients(*m);
    auto ref = numbers(coef);
    REQUIRE(ours.size() == ref.size());
    for (std::size_t i = 0; i < ref.size(); ++i) {
      CAPTURE(i);
      // ARMA coefficients within 0.01; a mean or drift within 0.5%.
      CHECK(std::abs(ours[i] - ref[i]) <=
            std::max(0.01, 0.005 * std::abs(ref[i])));
    }
    double s2 = m->parameters().back().value;
    // sigma^2 within 5% (R estimates a drift as a regression on time).
    CHECK(s2 == doctest::Approx(std::stod(sigma2))
                    .epsilon(name == "drift" ? 0.05 : 0.005));
    CHECK(m->aicc() == doctest::Approx(std::stod(aicc)).epsilon(0.002));
    auto f = m->predict(6).mean;
    auto rf = numbers(fc);
    for (std::size_t h = 0; h < 6; ++h)
      CHECK(f(h) == doctest::Approx(rf[h]).epsilon(0.005));
    ++cases;
  }
  CHECK(cases == 8);
}

TEST_CASE(
    "auto ARIMA finds the differencing and a close order on simulated series") {
  std::mt19937_64 rng(17);
  std::normal_distribution<double> e(0, 1);
  // A random walk with AR(1) increments: d = 1.
  arma::vec y(400, arma::fill::zeros);
  double inc = 0;
  for (arma::uword t = 1; t < y.n_elem; ++t) {
    inc = 0.6 * inc + e(rng);
    y(t) = y(t - 1) + inc;
  }
  CHECK(kpss_ndiffs(y) == 1);
  auto m = fit_auto_arima(y + 1000, 0);
  REQUIRE(m);
  MESSAGE("chosen: " << m->name());
  CHECK(m->name().rfind("ARIMA(1,1,0)", 0) == 0);
  // A strongly seasonal series needs a seasonal difference.
  arma::vec s(240);
  for (arma::uword t = 0; t < s.n_elem; ++t)
    s(t) = 100 + 30 * std::sin(2 * M_PI * double(t) / 12) + e(rng);
  CHECK(seasonal_ndiffs(s, 12) == 1);
  arma::vec flat(240);
  for (auto& v : flat)
    v = 100 + e(rng);
  CHECK(seasonal_ndiffs(flat, 12) == 0);
  CHECK(kpss_ndiffs(flat) == 0);
}

TEST_CASE("side-by-side gradients fit exactly what one-by-one ones fit") {
  // A seasonal AR series with a slow MA: expanded polynomials with lags
  // that are zero at some gradient points and not at others.
  std::mt19937_64 rng(7);
  std::normal_distribution<double> e(0, 1);
  arma::vec y(400);
  double prev = 0, eprev = 0;
  for (arma::uword t = 0; t < y.n_elem; ++t) {
    double et = e(rng);
    double s = t >= 12 ? 0.5 * y(t - 12) : 0;
    y(t) = 10 + 0.6 * prev + s + et + 0.3 * eprev;
    prev = y(t) - 10;
    eprev = et;
  }
  for (arima_order o : {arima_order{1, 0, 1, 1, 0, 0, 12, true},
                        arima_order{2, 1, 1, 0, 1, 1, 12, false},
                        arima_order{0, 0, 2, 1, 0, 1, 12, true}}) {
    CAPTURE(o.name());
    arima_options one, many;
    one.batch = false;
    one.exact = many.exact = false;
    auto a = fit_arima(y, o, one), b = fit_arima(y, o, many);
    REQUIRE(a);
    REQUIRE(b);
    CHECK(a->aicc() == b->aicc());
    auto ca = arima_coefficients(*a), cb = arima_coefficients(*b);
    CHECK(ca == cb);
  }
}

TEST_CASE("ARIMA carried over to a grown series: coefficients kept, "
          "residuals run on") {
  std::mt19937_64 rng(41);
  std::normal_distribution<double> e(0, 1);
  arma::vec y(300);
  double prev = 0;
  for (arma::uword t = 0; t < y.n_elem; ++t) {
    prev = 0.6 * prev + e(rng);
    y(t) = 20 + prev;
  }
  arma::vec older = y.head(y.n_elem - 4);
  auto m = fit_arima(older, arima_order{1, 0, 0, 0, 0, 0, 0, true});
  REQUIRE(m);
  auto grown = m->with_series(y);
  REQUIRE(grown);
  CHECK(arima_coefficients(*grown) == arima_coefficients(*m));
  // AR(1) about the mean: the one-step forecast follows the newest value.
  auto cf = arima_coefficients(*m);
  double want = cf[1] + cf[0] * (y(y.n_elem - 1) - cf[1]);
  CHECK(grown->predict(1).mean(0) == doctest::Approx(want));
  CHECK_FALSE(m->with_series(older.head(older.n_elem - 1))); // shorter
  arma::vec jump = y;
  jump.tail(4) += 30; // a level shift: the fit no longer holds
  CHECK_FALSE(m->with_series(jump));
}
