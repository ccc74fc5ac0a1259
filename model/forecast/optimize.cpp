#include "model/forecast/optimize.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

namespace ds::forecast {

namespace {

constexpr double inf = std::numeric_limits<double>::infinity();

double eval(const objective& f, const arma::vec& x, int& count) {
  ++count;
  double v = f(x);
  return std::isnan(v) ? inf : v;
}

bool small_change(double before, double after, const optim_options& opt) {
  return std::abs(before - after) <=
         opt.rel_tol * (std::abs(before) + std::abs(after)) + opt.abs_tol;
}

} // namespace

optim_result nelder_mead(const objective& f, const arma::vec& x0,
                         const optim_options& opt) {
  const arma::uword n = x0.n_elem;
  optim_result res;
  if (n == 0) {
    res.x = x0;
    res.value = eval(f, x0, res.evaluations);
    res.converged = true;
    return res;
  }
  const double dn = static_cast<double>(n);
  const double alpha = 1.0, beta = 1.0 + 2.0 / dn;
  const double gamma = 0.75 - 1.0 / (2.0 * dn), delta = 1.0 - 1.0 / dn;
  std::vector<arma::vec> pts(n + 1, x0);
  std::vector<double> val(n + 1);
  for (arma::uword i = 0; i < n; ++i)
    pts[i + 1](i) += opt.step * std::max(1.0, std::abs(x0(i)));
  for (arma::uword i = 0; i <= n; ++i)
    val[i] = eval(f, pts[i], res.evaluations);
  std::vector<arma::uword> order(n + 1);
  for (res.iterations = 0; res.iterations < opt.max_iter; ++res.iterations) {
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(
        order.begin(), order.end(),
        [&](arma::uword a, arma::uword b) { return val[a] < val[b]; });
    const arma::uword best = order.front(), worst = order.back();
    const arma::uword second = order[n - 1];
    if (std::isfinite(val[worst]) && small_change(val[best], val[worst], opt)) {
      res.converged = true;
      break;
    }
    arma::vec centroid(n, arma::fill::zeros);
    for (arma::uword i = 0; i < n; ++i)
      centroid += pts[order[i]];
    centroid /= dn;
    arma::vec xr = centroid + alpha * (centroid - pts[worst]);
    double fr = eval(f, xr, res.evaluations);
    if (fr < val[best]) {
      arma::vec xe = centroid + beta * (xr - centroid);
      double fe = eval(f, xe, res.evaluations);
      if (fe < fr) {
        pts[worst] = xe;
        val[worst] = fe;
      } else {
        pts[worst] = xr;
        val[worst] = fr;
      }
      continue;
    }
    if (fr < val[second]) {
      pts[worst] = xr;
      val[worst] = fr;
      continue;
    }
    bool outside = fr < val[worst];
    arma::vec xc = outside
                       ? arma::vec(centroid + gamma * (xr - centroid))
                       : arma::vec(centroid - gamma * (centroid - pts[worst]));
    double fc = eval(f, xc, res.evaluations);
    if (fc < (outside ? fr : val[worst])) {
      pts[worst] = xc;
      val[worst] = fc;
      continue;
    }
    for (arma::uword i = 0; i <= n; ++i) {
      if (i == best)
        continue;
      pts[i] = pts[best] + delta * (pts[i] - pts[best]);
      val[i] = eval(f, pts[i], res.evaluations);
    }
  }
  auto it = std::min_element(val.begin(), val.end());
  res.x = pts[static_cast<std::size_t>(it - val.begin())];
  res.value = *it;
  return res;
}

arma::vec numeric_gradient(const objective& f, const arma::vec& x, double h,
                           int* evaluations) {
  arma::vec g(x.n_elem);
  arma::vec p = x;
  int count = 0;
  for (arma::uword i = 0; i < x.n_elem; ++i) {
    double hi = h * std::max(1.0, std::abs(x(i)));
    p(i) = x(i) + hi;
    double up = eval(f, p, count);
    p(i) = x(i) - hi;
    double down = eval(f, p, count);
    p(i) = x(i);
    if (std::isfinite(up) && std::isfinite(down))
      g(i) = (up - down) / (2 * hi);
    else if (std::isfinite(up))
      g(i) = (up - eval(f, x, count)) / hi;
    else if (std::isfinite(down))
      g(i) = (eval(f, x, count) - down) / hi;
    else
      g(i) = 0;
  }
  if (evaluations)
    *evaluations += count;
  return g;
}

optim_result bfgs(const objective& f, const arma::vec& x0,
                  const optim_options& opt) {
  const arma::uword n = x0.n_elem;
  optim_result res;
  res.x = x0;
  res.value = eval(f, x0, res.evaluations);
  if (n == 0 || !std::isfinite(res.value)) {
    res.converged = n == 0;
    return res;
  }
  arma::mat H = arma::eye(n, n);
  arma::vec g = numeric_gradient(f, res.x, opt.grad_step, &res.evaluations);
  int stalls = 0;
  for (res.iterations = 0; res.iterations < opt.max_iter; ++res.iterations) {
    arma::vec d = -H * g;
    double slope = arma::dot(g, d);
    if (!(slope < 0)) { // not a descent direction: restart from the gradient
      H.eye();
      d = -g;
      slope = -arma::dot(g, g);
      if (!(slope < 0)) {
        res.converged = true;
        break;
      }
    }
    double t = 1.0, fn = inf;
    arma::vec xn;
    for (int k = 0; k < 60; ++k, t *= 0.5) {
      xn = res.x + t * d;
      fn = eval(f, xn, res.evaluations);
      if (fn <= res.value + 1e-4 * t * slope)
        break;
    }
    if (!(fn <= res.value + 1e-4 * t * slope)) {
      if (H.is_diagmat() && arma::all(H.diag() == 1.0)) {
        res.converged = true; // no descent even along the gradient
        break;
      }
      H.eye();
      continue;
    }
    arma::vec gn = numeric_gradient(f, xn, opt.grad_step, &res.evaluations);
    arma::vec s = xn - res.x, y = gn - g;
    double before = res.value;
    res.x = xn;
    res.value = fn;
    g = gn;
    double sy = arma::dot(s, y);
    if (sy > 1e-12 * arma::norm(s) * arma::norm(y)) {
      double rho = 1.0 / sy;
      arma::mat I = arma::eye(n, n);
      H = (I - rho * s * y.t()) * H * (I - rho * y * s.t()) + rho * s * s.t();
    }
    if (small_change(before, fn, opt)) {
      if (++stalls >= 2) {
        res.converged = true;
        break;
      }
    } else {
      stalls = 0;
    }
  }
  return res;
}

} // namespace ds::forecast
