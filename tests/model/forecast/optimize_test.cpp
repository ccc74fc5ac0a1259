#include "model/forecast/optimize.hpp"

#include <doctest/doctest.h>

#include <cmath>

using namespace ds::forecast;

namespace {

double rosenbrock(const arma::vec& x) {
  return 100 * std::pow(x(1) - x(0) * x(0), 2) + std::pow(1 - x(0), 2);
}

} // namespace

TEST_CASE("nelder_mead finds the minimum of a quadratic and of Rosenbrock") {
  auto quad = [](const arma::vec& x) {
    return std::pow(x(0) - 3, 2) + 2 * std::pow(x(1) + 1, 2) + 5;
  };
  auto r = nelder_mead(quad, arma::vec{0.0, 0.0});
  CHECK(r.converged);
  CHECK(r.value == doctest::Approx(5).epsilon(1e-8));
  CHECK(r.x(0) == doctest::Approx(3).epsilon(1e-3));
  CHECK(r.x(1) == doctest::Approx(-1).epsilon(1e-3));
  optim_options o;
  o.max_iter = 5000;
  auto rb = nelder_mead(rosenbrock, arma::vec{-1.2, 1.0}, o);
  CHECK(rb.x(0) == doctest::Approx(1).epsilon(1e-3));
  CHECK(rb.x(1) == doctest::Approx(1).epsilon(1e-3));
}

TEST_CASE("bfgs converges on Rosenbrock and respects an infinite wall") {
  auto rb = bfgs(rosenbrock, arma::vec{-1.2, 1.0});
  CHECK(rb.converged);
  CHECK(rb.x(0) == doctest::Approx(1).epsilon(1e-4));
  CHECK(rb.x(1) == doctest::Approx(1).epsilon(1e-4));
  // Domain x > 0: the minimiser must never step into the wall.
  auto walled = [](const arma::vec& x) {
    if (x(0) <= 0)
      return std::numeric_limits<double>::infinity();
    return x(0) - std::log(x(0)); // minimum at x = 1
  };
  auto w = bfgs(walled, arma::vec{5.0});
  CHECK(w.x(0) == doctest::Approx(1).epsilon(1e-4));
}

TEST_CASE("minimisers are deterministic") {
  auto a = bfgs(rosenbrock, arma::vec{-1.2, 1.0});
  auto b = bfgs(rosenbrock, arma::vec{-1.2, 1.0});
  CHECK(a.evaluations == b.evaluations);
  CHECK(arma::approx_equal(a.x, b.x, "absdiff", 0.0));
}
