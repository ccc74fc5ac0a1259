#include "psm/forecast/spar.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "psm/forecast/snaive.hpp"
#include "psm/forecast/stats.hpp"

namespace ds::forecast {

namespace {

/// The coefficients of one step ahead: seasonal terms at periods
/// k0..k0+n-1 back (k0 > 1 once the step reaches past one period), then m
/// deviation terms.
struct step_fit {
  int k0 = 1;
  int n = 1;
  arma::vec coef;
  double sigma = 0;
};

class spar_model : public fitted_model {
public:
  spar_model(const arma::vec& y, int period, spar_options opt)
      : y_(y), t_(period), opt_(opt) {
    compute_deviations();
    int h = opt_.horizon > 0 ? opt_.horizon : t_;
    for (int tau = 1; tau <= h; ++tau)
      steps_.push_back(fit_step(tau));
  }

  std::string name() const override {
    return "spar(" + std::to_string(steps_.front().n) + "," +
           std::to_string(opt_.deltas) + ")[" + std::to_string(t_) + "]";
  }

  std::vector<parameter> parameters() const override {
    // The one-step coefficients: the ones that say what the model learnt.
    const auto& s = steps_.front();
    std::vector<parameter> out;
    for (int k = 0; k < s.n; ++k)
      out.push_back({"a" + std::to_string(k + 1), s.coef(arma::uword(k))});
    for (int j = 0; j < opt_.deltas; ++j)
      out.push_back(
          {"b" + std::to_string(j + 1), s.coef(arma::uword(s.n + j))});
    out.push_back({"sigma", s.sigma});
    return out;
  }

  double aicc() const override { return std::nan(""); }

  prediction predict(int h, double level) const override {
    auto p = sized_prediction(h, level);
    double z = interval_z(level);
    auto origin = arma::uword(y_.n_elem - 1);
    for (int tau = 1; tau <= h; ++tau) {
      step_fit extra;
      const step_fit& s = tau <= int(steps_.size())
                              ? steps_[std::size_t(tau - 1)]
                              : (extra = fit_step(tau));
      // Rates are never negative: a fitted combination may dip below 0
      // where the series touches 0.
      arma::vec x(s.coef.n_elem);
      features(origin, tau, s.k0, s.n, x.memptr(), 1);
      double mean = std::max(0.0, arma::dot(x, s.coef));
      auto i = arma::uword(tau - 1);
      p.mean(i) = mean;
      p.lower(i) = std::max(0.0, mean - z * s.sigma);
      p.upper(i) = mean + z * s.sigma;
    }
    return p;
  }

private:
  /// dy(s) for every s with n full periods behind it (NaN before), for
  /// n = 1..periods: every regression reads them many times.
  void compute_deviations() {
    for (int n = 1; n <= opt_.periods; ++n) {
      arma::vec d(y_.n_elem);
      d.fill(arma::datum::nan);
      for (arma::uword s = arma::uword(n * t_); s < y_.n_elem; ++s) {
        double mean = 0;
        for (int k = 1; k <= n; ++k)
          mean += y_(s - arma::uword(k * t_));
        d(s) = y_(s) - mean / n;
      }
      dy_.push_back(std::move(d));
    }
  }

  /// Writes the regressors of origin t (last observed index) for step tau
  /// into out[0], out[stride], ... (a row of a column-major matrix).
  void features(arma::uword t, int tau, int k0, int n, double* out,
                arma::uword stride) const {
    // Raw reads: the indices are in range by construction (fit_step's row
    // bounds), and this is the innermost loop of every fit.
    const double* d = dy_[std::size_t(n - 1)].memptr();
    const double* y = y_.memptr();
    for (int k = 0; k < n; ++k)
      out[arma::uword(k) * stride] =
          y[t + arma::uword(tau) - arma::uword((k0 + k) * t_)];
    for (int j = 1; j <= opt_.deltas; ++j)
      out[arma::uword(n + j - 1) * stride] = d[t + 1 - arma::uword(j)];
  }

  step_fit fit_step(int tau) const {
    int k0 = (tau - 1) / t_ + 1, m = opt_.deltas;
    long len = long(y_.n_elem);
    // Use as many past periods as the series allows while every step keeps
    // at least twice as many rows as unknowns.
    for (int n = opt_.periods; n >= 1; --n) {
      long tmin =
          std::max<long>(m - 1 + long(n) * t_, long(k0 + n - 1) * t_ - tau);
      long rows = (len - 1 - tau) - tmin + 1;
      int p = n + m;
      if (rows < 2 * p + 2)
        continue;
      step_fit s;
      s.k0 = k0;
      s.n = n;
      if (solve_step(tau, tmin, rows, s))
        return s;
    }
    return seasonal_fallback(k0);
  }

  bool solve_step(int tau, long tmin, long rows, step_fit& s) const {
    // The normal equations are accumulated row by row: the design matrix is
    // never built, which for these narrow regressions (a handful of
    // columns, a few hundred rows, one per step) costs less than the
    // allocations and calls of building it.
    auto p = arma::uword(s.n + opt_.deltas);
    arma::mat a(p, p, arma::fill::zeros);
    arma::vec b(p, arma::fill::zeros), x(p);
    double *pa = a.memptr(), *pb = b.memptr(), *px = x.memptr();
    const double* py = y_.memptr();
    for (long r = 0; r < rows; ++r) {
      auto t = arma::uword(tmin + r);
      features(t, tau, s.k0, s.n, px, 1);
      double target = py[t + arma::uword(tau)];
      for (arma::uword j = 0; j < p; ++j) {
        pb[j] += px[j] * target;
        for (arma::uword i = j; i < p; ++i)
          pa[j * p + i] += px[i] * px[j];
      }
    }
    a = arma::symmatl(a);
    // A whisper of ridge keeps collinear columns (a constant series, a
    // series that repeats exactly) solvable without changing a
    // well-posed fit.
    double ridge = 1e-8 * arma::trace(a) / double(p) + 1e-12;
    a.diag() += ridge;
    if (!arma::solve(s.coef, a, b, arma::solve_opts::no_approx))
      return false;
    double rss = 0;
    for (long r = 0; r < rows; ++r) {
      auto t = arma::uword(tmin + r);
      features(t, tau, s.k0, s.n, x.memptr(), 1);
      double e = y_(t + arma::uword(tau)) - arma::dot(x, s.coef);
      rss += e * e;
    }
    s.sigma = std::sqrt(rss / (double(rows) - double(p)));
    return std::isfinite(s.sigma);
  }

  /// Too few rows for a regression: repeat the value k0 periods back.
  step_fit seasonal_fallback(int k0) const {
    step_fit s;
    s.k0 = k0;
    s.n = 1;
    s.coef.zeros(arma::uword(1 + opt_.deltas));
    s.coef(0) = 1;
    auto lag = arma::uword(k0 * t_);
    double ss = 0;
    arma::uword count = 0;
    for (arma::uword i = lag; i < y_.n_elem; ++i, ++count)
      ss += (y_(i) - y_(i - lag)) * (y_(i) - y_(i - lag));
    s.sigma = count ? std::sqrt(ss / double(count)) : 0.0;
    return s;
  }

  arma::vec y_;
  int t_;
  spar_options opt_;
  std::vector<step_fit> steps_;
  std::vector<arma::vec> dy_; ///< the deviations of n periods at n - 1
};

} // namespace

model_ptr fit_spar(const arma::vec& y, int period, spar_options opt) {
  if (y.is_empty())
    throw std::invalid_argument("spar: empty series");
  if (opt.periods < 1 || opt.deltas < 1 || opt.horizon < 0)
    throw std::invalid_argument("spar: periods and deltas must be >= 1, "
                                "horizon >= 0");
  if (period < 2 || long(y.n_elem) < 2L * period + opt.deltas)
    return fit_snaive(y, period);
  return std::make_unique<spar_model>(y, period, opt);
}

candidate spar_candidate(spar_options opt) {
  return {"spar",
          [opt](const arma::vec& y, int period) {
            return fit_spar(y, period, opt);
          },
          {},
          {}};
}

} // namespace ds::forecast
