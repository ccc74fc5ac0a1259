#include "psm/forecast/optimize.hpp"

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

TEST_CASE("searches stepped together give exactly the lone searches' results") {
  auto quad = [](const arma::vec& x) {
    return std::pow(x(0) - 3, 2) + 2 * std::pow(x(1) + 1, 2) + 5;
  };
  optim_options o;
  o.max_iter = 5000;
  auto alone_q = nelder_mead(quad, arma::vec{0.0, 0.0}, o);
  auto alone_r = nelder_mead(rosenbrock, arma::vec{-1.2, 1.0}, o);
  nm_stepper q(arma::vec{0.0, 0.0}, o), r(arma::vec{-1.2, 1.0}, o);
  int rounds = 0;
  while (!q.done() || !r.done()) {
    ++rounds;
    for (auto* s : {&q, &r}) {
      if (s->done())
        continue;
      std::vector<double> v;
      for (auto& x : s->ask())
        v.push_back(s == &q ? quad(x) : rosenbrock(x));
      s->tell(v);
    }
  }
  CHECK(rounds > 10);
  CHECK(q.result().value == alone_q.value);
  CHECK(arma::all(q.result().x == alone_q.x));
  CHECK(q.result().evaluations == alone_q.evaluations);
  CHECK(r.result().value == alone_r.value);
  CHECK(arma::all(r.result().x == alone_r.x));
  CHECK(r.result().iterations == alone_r.iterations);
}

TEST_CASE("bfgs with a batched gradient takes exactly the same steps") {
  int batched_points = 0;
  batch_objective many = [&](const std::vector<arma::vec>& xs,
                             std::vector<double>& out) {
    batched_points += int(xs.size());
    for (std::size_t i = 0; i < xs.size(); ++i)
      out[i] = rosenbrock(xs[i]);
  };
  auto plain = bfgs(rosenbrock, arma::vec{-1.2, 1.0});
  auto batched = bfgs(rosenbrock, arma::vec{-1.2, 1.0}, {}, many);
  CHECK(batched_points > 0);
  CHECK(batched.value == plain.value);
  CHECK(arma::all(batched.x == plain.x));
  CHECK(batched.iterations == plain.iterations);
}
