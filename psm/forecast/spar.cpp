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

/// Sums that the steps of one period share, for fits over n periods:
/// prefix sums (column i sums indices below i) of S(s)S(s)', S(s)y(s) and
/// y(s)^2, where S(s) = (y(s-T), ..., y(s-nT)), and of D(t)D(t)', where
/// D(t) = (dy(t), ..., dy(t-m+1)). A step within one period reads its
/// seasonal and deviation blocks from these in O(p^2) and sums only their
/// cross terms row by row.
struct shared_sums {
  arma::mat ss; ///< (n*n) x (N+1)
  arma::mat sy; ///< n x (N+1)
  arma::mat dd; ///< (m*m) x (N+1)
  arma::vec yy; ///< N+1
};

class spar_model : public fitted_model {
public:
  spar_model(const arma::vec& y, int period, spar_options opt)
      : y_(y), t_(period), opt_(opt) {
    compute_deviations();
    std::vector<shared_sums> sums;
    for (int n = 1; n <= opt_.periods; ++n)
      sums.push_back(share_sums(n));
    int h = opt_.horizon > 0 ? opt_.horizon : t_;
    for (int tau = 1; tau <= h; ++tau)
      steps_.push_back(fit_step(tau, &sums));
  }

  /// Fitted steps applied to another series: no regression runs.
  spar_model(const arma::vec& y, int period, spar_options opt,
             std::vector<step_fit> steps)
      : y_(y), t_(period), opt_(opt), steps_(std::move(steps)) {
    compute_deviations();
  }

  model_ptr with_series(const arma::vec& y) const override {
    // A longer series has every regressor of every step at its end.
    if (y.n_elem < y_.n_elem)
      return nullptr;
    auto m = std::make_unique<spar_model>(y, t_, opt_, steps_);
    // The new slots, and at least the last 3 (a series that keeps a
    // bounded window grows at its end as it loses its start).
    auto from = std::min(y_.n_elem, y.n_elem >= 3 ? y.n_elem - 3 : 0);
    return m->still_fits(from) ? std::move(m) : nullptr;
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
  /// True unless the one-step forecasts of the values from index `from`
  /// on miss them by more than twice the fit's one-step error (root mean
  /// square): the series has changed (a level shift, a new peak) and the
  /// coefficients must be estimated again.
  bool still_fits(arma::uword from) const {
    const auto& s = steps_.front();
    auto first = arma::uword(s.n * t_ + opt_.deltas); // regressors exist
    from = std::max(from, first);
    if (from >= y_.n_elem || s.k0 != 1)
      return true;
    arma::vec x(s.coef.n_elem);
    double ss = 0;
    for (auto t = from - 1; t + 1 < y_.n_elem; ++t) {
      features(t, 1, s.k0, s.n, x.memptr(), 1);
      double e = y_(t + 1) - std::max(0.0, arma::dot(x, s.coef));
      ss += e * e;
    }
    double rms = std::sqrt(ss / double(y_.n_elem - from));
    return rms <= 2 * s.sigma;
  }

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

  shared_sums share_sums(int n) const {
    auto len = y_.n_elem, m = arma::uword(opt_.deltas), un = arma::uword(n);
    auto first_s = un * arma::uword(t_), first_t = first_s + m - 1;
    shared_sums out;
    out.ss.zeros(un * un, len + 1);
    out.sy.zeros(un, len + 1);
    out.dd.zeros(m * m, len + 1);
    out.yy.zeros(len + 1);
    const double* d = dy_[un - 1].memptr();
    double x[16], dv[16]; // n, m <= 16 (checked by fit_spar)
    for (arma::uword i = 0; i < len; ++i) {
      double *ss = out.ss.colptr(i + 1), *sy = out.sy.colptr(i + 1),
             *dd = out.dd.colptr(i + 1);
      std::copy_n(out.ss.colptr(i), un * un, ss);
      std::copy_n(out.sy.colptr(i), un, sy);
      std::copy_n(out.dd.colptr(i), m * m, dd);
      out.yy(i + 1) = out.yy(i) + y_(i) * y_(i);
      if (i >= first_s) {
        for (arma::uword k = 0; k < un; ++k)
          x[k] = y_(i - (k + 1) * arma::uword(t_));
        for (arma::uword k = 0; k < un; ++k) {
          sy[k] += x[k] * y_(i);
          for (arma::uword q = 0; q < un; ++q)
            ss[k * un + q] += x[k] * x[q];
        }
      }
      if (i >= first_t) {
        for (arma::uword j = 0; j < m; ++j)
          dv[j] = d[i - j];
        for (arma::uword j = 0; j < m; ++j)
          for (arma::uword q = 0; q < m; ++q)
            dd[j * m + q] += dv[j] * dv[q];
      }
    }
    return out;
  }

  /// One step within the first period from the shared sums.
  bool solve_shared(int tau, long tmin, long rows, const shared_sums& sh,
                    step_fit& s) const {
    auto n = arma::uword(s.n), m = arma::uword(opt_.deltas), p = n + m;
    auto s0 = arma::uword(tmin + tau), end = y_.n_elem;
    auto t0 = arma::uword(tmin), t1 = arma::uword(tmin + rows);
    arma::mat a(p, p);
    arma::vec b(p);
    a.submat(0, 0, n - 1, n - 1) =
        arma::reshape(sh.ss.col(end) - sh.ss.col(s0), n, n);
    a.submat(n, n, p - 1, p - 1) =
        arma::reshape(sh.dd.col(t1) - sh.dd.col(t0), m, m);
    b.head(n) = sh.sy.col(end) - sh.sy.col(s0);
    double yy = sh.yy(end) - sh.yy(s0);
    // The cross terms, the only sums that depend on the step: each is a dot
    // product of two contiguous stretches of the series.
    arma::mat sd(n, m);
    arma::vec dy(m);
    const double* py = y_.memptr();
    const double* d = dy_[n - 1].memptr();
    auto len = t1 - t0, at = t0 + arma::uword(tau);
    for (arma::uword j = 0; j < m; ++j) {
      dy(j) = dot(d + t0 - j, py + at, len);
      for (arma::uword k = 0; k < n; ++k)
        sd(k, j) = dot(py + at - (k + 1) * arma::uword(t_), d + t0 - j, len);
    }
    a.submat(0, n, n - 1, p - 1) = sd;
    a.submat(n, 0, p - 1, n - 1) = sd.t();
    b.tail(m) = dy;
    if (!solve_normal(a, b, s))
      return false;
    // Residual sum of squares from the same sums: y'y - 2 c'b + c'A c.
    double rss = yy - 2 * arma::dot(s.coef, b) + arma::dot(s.coef, a * s.coef);
    s.sigma = std::sqrt(std::max(0.0, rss) / (double(rows) - double(p)));
    return std::isfinite(s.sigma);
  }

  static double dot(const double* x, const double* y, arma::uword len) {
    double sum = 0;
    for (arma::uword i = 0; i < len; ++i)
      sum += x[i] * y[i];
    return sum;
  }

  /// Solves (A + ridge) c = b into s.coef by Cholesky (A is symmetric and,
  /// with the ridge, positive definite; false if rounding says otherwise).
  /// A is left as it was. Hand-written: for a handful of unknowns a
  /// library call costs more than the arithmetic.
  static bool solve_normal(const arma::mat& a, const arma::vec& b,
                           step_fit& s) {
    // A whisper of ridge keeps collinear columns (a constant series, a
    // series that repeats exactly) solvable without changing a
    // well-posed fit.
    arma::uword p = a.n_rows;
    double ridge = 1e-8 * arma::trace(a) / double(p) + 1e-12;
    arma::mat l(p, p, arma::fill::zeros);
    for (arma::uword j = 0; j < p; ++j) {
      double diag = a(j, j) + ridge;
      for (arma::uword k = 0; k < j; ++k)
        diag -= l(j, k) * l(j, k);
      if (!(diag > 0))
        return false;
      l(j, j) = std::sqrt(diag);
      for (arma::uword i = j + 1; i < p; ++i) {
        double v = a(i, j);
        for (arma::uword k = 0; k < j; ++k)
          v -= l(i, k) * l(j, k);
        l(i, j) = v / l(j, j);
      }
    }
    s.coef.set_size(p);
    for (arma::uword i = 0; i < p; ++i) { // L z = b
      double v = b(i);
      for (arma::uword k = 0; k < i; ++k)
        v -= l(i, k) * s.coef(k);
      s.coef(i) = v / l(i, i);
    }
    for (arma::uword i = p; i-- > 0;) { // L' c = z
      double v = s.coef(i);
      for (arma::uword k = i + 1; k < p; ++k)
        v -= l(k, i) * s.coef(k);
      s.coef(i) = v / l(i, i);
    }
    return true;
  }

  step_fit fit_step(int tau,
                    const std::vector<shared_sums>* sums = nullptr) const {
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
      bool shared = sums && k0 == 1;
      if (shared ? solve_shared(tau, tmin, rows, (*sums)[std::size_t(n - 1)], s)
                 : solve_step(tau, tmin, rows, s))
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
    if (!solve_normal(a, b, s))
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
  if (opt.periods < 1 || opt.periods > 16 || opt.deltas < 1 ||
      opt.deltas > 16 || opt.horizon < 0)
    throw std::invalid_argument("spar: periods and deltas must be in "
                                "[1, 16], horizon >= 0");
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
