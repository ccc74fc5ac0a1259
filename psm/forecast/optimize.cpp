#include "psm/forecast/optimize.hpp"

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

nm_stepper::nm_stepper(const arma::vec& x0, const optim_options& opt)
    : opt_(opt), n_(x0.n_elem) {
  const double dn = static_cast<double>(n_);
  if (n_ > 0) {
    alpha_ = 1.0;
    beta_ = 1.0 + 2.0 / dn;
    gamma_ = 0.75 - 1.0 / (2.0 * dn);
    delta_ = 1.0 - 1.0 / dn;
  }
  pts_.assign(n_ + 1, x0);
  val_.assign(n_ + 1, inf);
  for (arma::uword i = 0; i < n_; ++i)
    pts_[i + 1](i) += opt.step * std::max(1.0, std::abs(x0(i)));
  if (n_ == 0)
    pts_.resize(1);
  ask_ = pts_;
  state_ = phase::start;
}

void nm_stepper::tell(const std::vector<double>& values) {
  res_.evaluations += int(values.size());
  auto v = [&](std::size_t i) {
    return std::isnan(values[i]) ? inf : values[i];
  };
  switch (state_) {
  case phase::start:
    for (std::size_t i = 0; i < val_.size(); ++i)
      val_[i] = v(i);
    if (n_ == 0) {
      res_.converged = true;
      return finish();
    }
    return next_iteration();
  case phase::reflect: {
    fr_ = v(0);
    if (fr_ < val_[best_]) {
      state_ = phase::expand;
      ask_.assign(1, arma::vec(centroid_ + beta_ * (xr_ - centroid_)));
      return;
    }
    if (fr_ < val_[second_]) {
      pts_[worst_] = xr_;
      val_[worst_] = fr_;
      return iteration_done();
    }
    outside_ = fr_ < val_[worst_];
    state_ = phase::contract;
    ask_.assign(1, outside_ ? arma::vec(centroid_ + gamma_ * (xr_ - centroid_))
                            : arma::vec(centroid_ -
                                        gamma_ * (centroid_ - pts_[worst_])));
    return;
  }
  case phase::expand: {
    double fe = v(0);
    if (fe < fr_) {
      pts_[worst_] = ask_[0];
      val_[worst_] = fe;
    } else {
      pts_[worst_] = xr_;
      val_[worst_] = fr_;
    }
    return iteration_done();
  }
  case phase::contract: {
    double fc = v(0);
    if (fc < (outside_ ? fr_ : val_[worst_])) {
      pts_[worst_] = ask_[0];
      val_[worst_] = fc;
      return iteration_done();
    }
    state_ = phase::shrink;
    ask_.clear();
    for (arma::uword i = 0; i <= n_; ++i)
      if (i != best_)
        ask_.push_back(pts_[best_] + delta_ * (pts_[i] - pts_[best_]));
    return;
  }
  case phase::shrink: {
    std::size_t k = 0;
    for (arma::uword i = 0; i <= n_; ++i)
      if (i != best_) {
        pts_[i] = ask_[k];
        val_[i] = v(k);
        ++k;
      }
    return iteration_done();
  }
  case phase::done:
    return;
  }
}

void nm_stepper::iteration_done() {
  ++res_.iterations;
  next_iteration();
}

void nm_stepper::next_iteration() {
  if (res_.iterations >= opt_.max_iter)
    return finish();
  std::vector<arma::uword> order(n_ + 1);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(
      order.begin(), order.end(),
      [&](arma::uword a, arma::uword b) { return val_[a] < val_[b]; });
  best_ = order.front();
  worst_ = order.back();
  second_ = order[n_ - 1];
  if (std::isfinite(val_[worst_]) &&
      small_change(val_[best_], val_[worst_], opt_)) {
    res_.converged = true;
    return finish();
  }
  centroid_.zeros(n_);
  for (arma::uword i = 0; i < n_; ++i)
    centroid_ += pts_[order[i]];
  centroid_ /= static_cast<double>(n_);
  xr_ = centroid_ + alpha_ * (centroid_ - pts_[worst_]);
  state_ = phase::reflect;
  ask_.assign(1, xr_);
}

void nm_stepper::finish() {
  state_ = phase::done;
  ask_.clear();
  auto it = std::min_element(val_.begin(), val_.end());
  res_.x = pts_[static_cast<std::size_t>(it - val_.begin())];
  res_.value = *it;
}

optim_result nelder_mead(const objective& f, const arma::vec& x0,
                         const optim_options& opt) {
  nm_stepper nm(x0, opt);
  std::vector<double> vals;
  while (!nm.done()) {
    const auto& pts = nm.ask();
    vals.resize(pts.size());
    for (std::size_t i = 0; i < pts.size(); ++i)
      vals[i] = f(pts[i]);
    nm.tell(vals);
  }
  return nm.result();
}

arma::vec numeric_gradient(const objective& f, const arma::vec& x, double h,
                           int* evaluations, const batch_objective& batch) {
  const arma::uword n = x.n_elem;
  arma::vec g(n);
  int count = 0;
  std::vector<double> steps(n), ups(n), downs(n);
  for (arma::uword i = 0; i < n; ++i)
    steps[i] = h * std::max(1.0, std::abs(x(i)));
  if (batch) {
    std::vector<arma::vec> pts(2 * n, x);
    for (arma::uword i = 0; i < n; ++i) {
      pts[2 * i](i) = x(i) + steps[i];
      pts[2 * i + 1](i) = x(i) - steps[i];
    }
    std::vector<double> vals(2 * n);
    batch(pts, vals);
    count += int(2 * n);
    for (arma::uword i = 0; i < n; ++i) {
      ups[i] = std::isnan(vals[2 * i]) ? inf : vals[2 * i];
      downs[i] = std::isnan(vals[2 * i + 1]) ? inf : vals[2 * i + 1];
    }
  } else {
    arma::vec p = x;
    for (arma::uword i = 0; i < n; ++i) {
      p(i) = x(i) + steps[i];
      ups[i] = eval(f, p, count);
      p(i) = x(i) - steps[i];
      downs[i] = eval(f, p, count);
      p(i) = x(i);
    }
  }
  for (arma::uword i = 0; i < n; ++i) {
    double up = ups[i], down = downs[i], hi = steps[i];
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
                  const optim_options& opt, const batch_objective& batch) {
  const arma::uword n = x0.n_elem;
  optim_result res;
  res.x = x0;
  res.value = eval(f, x0, res.evaluations);
  if (n == 0 || !std::isfinite(res.value)) {
    res.converged = n == 0;
    return res;
  }
  arma::mat H = arma::eye(n, n);
  arma::vec g =
      numeric_gradient(f, res.x, opt.grad_step, &res.evaluations, batch);
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
    arma::vec gn =
        numeric_gradient(f, xn, opt.grad_step, &res.evaluations, batch);
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
