// Internals of the Holt-Winters fits shared by holt_winters.cpp and
// hw_batch.cpp: parameters, the state recursion of one variant, and the
// recursion of many parameter sets side by side.
#pragma once

#include <armadillo>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "psm/forecast/holt_winters.hpp"

namespace ds::forecast::hw_detail {

constexpr double inf = std::numeric_limits<double>::infinity();

inline double logistic(double x) {
  return 1.0 / (1.0 + std::exp(-x));
}
inline double logit(double p) {
  return std::log(p / (1 - p));
}

struct params {
  double alpha = 0.3, beta = 0, gamma = 0, phi = 1, l0 = 0, b0 = 0;
};

struct run_out {
  double lik = inf; ///< -2 log likelihood (without constants shared by all)
  double sse = 0;   ///< of the (relative, for M) errors
  double l = 0, b = 0;
  std::vector<double> s; ///< the last m seasonal states, oldest first
};

class hw_core {
public:
  hw_core(const arma::vec& y, int m, hw_spec spec) : y_(y), m_(m), spec_(spec) {
    seasonal_ = spec.season != hw_season::none;
    mult_ = spec.season == hw_season::multiplicative;
    init_states();
  }

  // Decodes an unconstrained vector into parameters.
  params decode(const arma::vec& x) const {
    params p;
    std::size_t k = 0;
    p.alpha = 1e-4 + (0.9998) * logistic(x(k++));
    if (spec_.trend)
      p.beta = 1e-4 + (p.alpha - 1e-4) * logistic(x(k++));
    if (seasonal_)
      p.gamma = 1e-4 + (1 - p.alpha - 1e-4) * logistic(x(k++));
    p.phi = spec_.damped ? 0.8 + 0.18 * logistic(x(k++)) : 1.0;
    p.l0 = l0_ + scale_ * x(k++);
    if (spec_.trend)
      p.b0 = b0_ + scale_ * 0.1 * x(k++);
    return p;
  }

  arma::vec start(double alpha, double beta_frac, double gamma_frac,
                  double phi_frac) const {
    std::vector<double> v{logit(alpha)};
    if (spec_.trend)
      v.push_back(logit(beta_frac));
    if (seasonal_)
      v.push_back(logit(gamma_frac));
    if (spec_.damped)
      v.push_back(logit(phi_frac));
    v.push_back(0);
    if (spec_.trend)
      v.push_back(0);
    return arma::vec(v);
  }

  // Runs the state recursion over the series.
  run_out run(const params& p) const {
    return mult_ ? recurse<true>(p) : recurse<false>(p);
  }

  int free_parameters() const {
    int k = 1 + (spec_.trend ? 2 : 0) + (seasonal_ ? 1 : 0) +
            (spec_.damped ? 1 : 0) + 1;
    if (seasonal_)
      k += m_ - 1;
    return k;
  }

  bool ok() const { return ok_; }
  double scale() const { return scale_; }
  bool multiplicative() const { return mult_; }
  bool seasonal() const { return seasonal_; }
  const arma::vec& series() const { return y_; }
  const std::vector<double>& initial_season() const { return s0_; }

private:
  // The recursion, one loop per error type. The season position advances by
  // a counter, and a non-finite error sum is found once at the end (it
  // stays non-finite): the loop is the whole cost of a fit.
  template <bool Mult> run_out recurse(const params& p) const {
    run_out o;
    double l = p.l0, b = p.b0;
    std::vector<double> s = s0_;
    const std::size_t mm = seasonal_ ? s.size() : 1;
    const double* y = y_.memptr();
    const arma::uword n = y_.n_elem;
    double* sp = s.data();
    const double alpha = p.alpha, beta = p.beta, gamma = p.gamma, phi = p.phi;
    double sse = 0;
    // sum log(yhat) as a running product kept in mantissa and exponent: one
    // log per series instead of one per step.
    double mant = 1;
    long expo = 0;
    std::size_t j = 0; // t % mm
    for (arma::uword t = 0; t < n; ++t) {
      double base = l + phi * b;
      double e;
      if constexpr (Mult) {
        double si = seasonal_ ? sp[j] : 1.0;
        double yhat = base * si;
        if (!(yhat > 0) || !(base > 0))
          return o;
        e = (y[t] - yhat) / yhat;
        int k;
        mant = std::frexp(mant * yhat, &k);
        expo += k;
        l = base * (1 + alpha * e);
        b = phi * b + beta * base * e;
        if (seasonal_)
          sp[j] = si * (1 + gamma * e);
      } else {
        double si = seasonal_ ? sp[j] : 0.0;
        e = y[t] - (base + si);
        l = base + alpha * e;
        b = phi * b + beta * e;
        if (seasonal_)
          sp[j] = si + gamma * e;
      }
      sse += e * e;
      if (++j == mm)
        j = 0;
    }
    if (!std::isfinite(sse))
      return o;
    double nn = double(n);
    o.sse = sse;
    double logsum = Mult ? std::log(mant) + double(expo) * std::log(2.0) : 0.0;
    o.lik = nn * std::log(std::max(sse, 1e-300) / nn) + 2 * logsum;
    o.l = l;
    o.b = b;
    // Rotate so that s[0] is the state used at time n (the next step).
    o.s.resize(mm);
    for (std::size_t k = 0; k < mm; ++k)
      o.s[k] = s[(n + k) % mm];
    return o;
  }

  void init_states() {
    arma::uword n = y_.n_elem;
    std::size_t mm = seasonal_ ? std::size_t(m_) : 1;
    if (seasonal_ && (m_ < 2 || n < 2 * arma::uword(m_))) {
      ok_ = false;
      return;
    }
    if (mult_ && y_.min() <= 0) {
      ok_ = false;
      return;
    }
    scale_ = std::max(1e-8, arma::mean(arma::abs(y_)));
    s0_.assign(mm, mult_ ? 1.0 : 0.0);
    arma::vec deseason = y_;
    if (seasonal_) {
      // Classical decomposition of the first two seasons: each position's
      // deviation from the mean of its season.
      arma::uword k = std::min<arma::uword>(n / arma::uword(m_), 4);
      std::vector<double> acc(mm, 0.0);
      for (arma::uword c = 0; c < k; ++c) {
        double mean = arma::mean(y_.subvec(c * m_, (c + 1) * m_ - 1));
        for (std::size_t j = 0; j < mm; ++j) {
          double v = y_(c * m_ + j);
          acc[j] += mult_ ? (mean > 0 ? v / mean : 1.0) : v - mean;
        }
      }
      double norm = 0;
      for (auto& a : acc)
        norm += (a /= double(k));
      norm /= double(mm);
      for (std::size_t j = 0; j < mm; ++j)
        s0_[j] = mult_ ? acc[j] / norm : acc[j] - norm;
      for (arma::uword t = 0; t < n; ++t)
        deseason(t) = mult_ ? y_(t) / s0_[t % mm] : y_(t) - s0_[t % mm];
    }
    // Level and trend from a line through the first observations.
    arma::uword w =
        std::min<arma::uword>(n, seasonal_ ? 2 * arma::uword(m_) : 10);
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (arma::uword t = 0; t < w; ++t) {
      sx += double(t);
      sy += deseason(t);
      sxx += double(t) * double(t);
      sxy += double(t) * deseason(t);
    }
    double den = double(w) * sxx - sx * sx;
    double slope =
        den > 0 && spec_.trend ? (double(w) * sxy - sx * sy) / den : 0.0;
    double icpt = (sy - slope * sx) / double(w);
    l0_ = icpt - slope; // the state before the first observation
    b0_ = slope;
    if (mult_ && l0_ <= 0)
      l0_ = std::max(1e-6, arma::mean(deseason.head(w)));
  }

  const arma::vec& y_;
  int m_;
  hw_spec spec_;
  bool seasonal_ = false, mult_ = false, ok_ = true;
  double scale_ = 1, l0_ = 0, b0_ = 0;
  std::vector<double> s0_;
};

/// One parameter set of one variant, for hw_batch_lik.
struct hw_chain {
  const hw_core* core;
  params p;
  double lik = 0; ///< out: hw_core::run(p).lik, the same value
};

/// hw_core::run(p).lik for every chain, the recursions of chains of the
/// same kind (error type and seasonality) interleaved four at a time: each
/// is one long serial dependency, so side by side they share the processor
/// instead of waiting on it. Chains share the period; their series may
/// differ in length.
void hw_batch_lik(std::vector<hw_chain>& chains);

} // namespace ds::forecast::hw_detail
