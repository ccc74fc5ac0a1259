#include "psm/forecast/lstm.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <random>

using namespace ds::forecast;

TEST_CASE("the LSTM's backward pass agrees with numeric gradients") {
  for (uint64_t seed : {1, 2, 3}) {
    CAPTURE(seed);
    CHECK(lstm_gradient_error(seed) < 1e-5);
  }
}

TEST_CASE("the LSTM learns a noisy seasonal pattern, deterministically") {
  std::mt19937_64 rng(5);
  std::normal_distribution<double> e(0, 0.5);
  arma::vec y(400);
  for (arma::uword t = 0; t < y.n_elem; ++t)
    y(t) = 20 + 8 * std::sin(2 * M_PI * double(t) / 12) + e(rng);
  lstm_options o;
  o.epochs = 30;
  auto a = fit_lstm(y.head(388), 12, o);
  auto b = fit_lstm(y.head(388), 12, o);
  REQUIRE(a);
  arma::vec fa = a->predict(12).mean, fb = b->predict(12).mean;
  CHECK(arma::approx_equal(fa, fb, "absdiff", 0.0)); // bit for bit
  double mae = arma::mean(arma::abs(fa - y.tail(12)));
  double naive = arma::mean(arma::abs(y(387) - y.tail(12)));
  MESSAGE("LSTM MAE " << mae << ", naive MAE " << naive);
  CHECK(mae < 0.3 * naive);
  auto p = a->predict(12, 0.9);
  for (arma::uword k = 0; k < 12; ++k)
    CHECK(p.lower(k) <= p.mean(k));
  CHECK(!fit_lstm(arma::vec{1, 2, 3}, 12, o)); // too short
  arma::vec flat(100);
  flat.fill(5);
  auto c = fit_lstm(flat, 0, o);
  REQUIRE(c);
  CHECK(std::abs(c->predict(3).mean(2) - 5) < 0.5);
}
