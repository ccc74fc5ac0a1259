#include "psm/forecast/arima.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "psm/forecast/arima_lanes.hpp"
#include "psm/forecast/arima_poly.hpp"
#include "psm/forecast/optimize.hpp"
#include "psm/forecast/stats.hpp"

namespace ds::forecast {

namespace {

constexpr double inf = std::numeric_limits<double>::infinity();

struct expanded {
  std::vector<double> phi;   ///< phi_1..: x_t = sum phi_k x_{t-k} + ...
  std::vector<double> theta; ///< theta_1..: + sum theta_k e_{t-k}
  double mean = 0;
};

class arima_core {
public:
  arima_core(const arma::vec& y, arima_order o) : o_(o) {
    if (o_.s < 2) {
      o_.s = 0;
      o_.P = o_.D = o_.Q = 0;
    }
    w_ = poly::difference(y, o_.d, o_.D, std::max(o_.s, 1));
    npar_ = o_.p + o_.q + o_.P + o_.Q + (o_.constant ? 1 : 0);
  }
  int npar() const { return npar_; }
  const arma::vec& w() const { return w_; }
  const arima_order& order() const { return o_; }

  // Splits and checks a parameter vector; false if not stationary/invertible.
  bool expand(const arma::vec& x, expanded& out) const {
    const double* c = x.memptr();
    if (!poly::outside_unit_circle(c, o_.p, -1) ||
        !poly::outside_unit_circle(c + o_.p, o_.q, +1) ||
        !poly::outside_unit_circle(c + o_.p + o_.q, o_.P, -1) ||
        !poly::outside_unit_circle(c + o_.p + o_.q + o_.P, o_.Q, +1))
      return false;
    std::vector<double> ar{1}, ma{1}, sar{1}, sma{1};
    for (int i = 0; i < o_.p; ++i)
      ar.push_back(-c[i]);
    for (int i = 0; i < o_.q; ++i)
      ma.push_back(c[o_.p + i]);
    if (o_.s) {
      sar.assign(std::size_t(o_.s * o_.P + 1), 0.0);
      sma.assign(std::size_t(o_.s * o_.Q + 1), 0.0);
      sar[0] = sma[0] = 1;
      for (int j = 0; j < o_.P; ++j)
        sar[std::size_t(o_.s * (j + 1))] = -c[o_.p + o_.q + j];
      for (int j = 0; j < o_.Q; ++j)
        sma[std::size_t(o_.s * (j + 1))] = c[o_.p + o_.q + o_.P + j];
    }
    auto a = poly::mul(ar, sar), m = poly::mul(ma, sma);
    out.phi.assign(a.begin() + 1, a.end());
    for (auto& v : out.phi)
      v = -v;
    out.theta.assign(m.begin() + 1, m.end());
    out.mean = o_.constant ? c[npar_ - 1] : 0.0;
    return true;
  }

  // Conditional residuals (zero before the first p + sP observations).
  // Seasonal polynomials are sparse (lags 1..p, s..s+p, ...): only their
  // non-zero terms are visited.
  std::vector<double> residuals(const expanded& e, std::size_t& cond) const {
    std::size_t n = w_.n_elem;
    cond = e.phi.size();
    std::vector<std::pair<std::size_t, double>> ar, ma;
    for (std::size_t k = 0; k < e.phi.size(); ++k)
      if (e.phi[k] != 0)
        ar.emplace_back(k + 1, e.phi[k]);
    for (std::size_t k = 0; k < e.theta.size(); ++k)
      if (e.theta[k] != 0)
        ma.emplace_back(k + 1, e.theta[k]);
    std::vector<double> r(n, 0.0);
    // Centred once; the MA terms reach before the first residual only while
    // t < the largest MA lag.
    std::vector<double> wc(n);
    const double* w = w_.memptr();
    for (std::size_t t = 0; t < n; ++t)
      wc[t] = w[t] - e.mean;
    std::size_t ma_max = ma.empty() ? 0 : ma.back().first;
    std::size_t t = cond;
    for (; t < n && t < ma_max; ++t) {
      double v = wc[t];
      for (auto& [lag, c] : ar)
        v -= c * wc[t - lag];
      for (auto& [lag, c] : ma)
        if (lag <= t)
          v -= c * r[t - lag];
      r[t] = v;
    }
    for (; t < n; ++t) {
      double v = wc[t];
      for (auto& [lag, c] : ar)
        v -= c * wc[t - lag];
      for (auto& [lag, c] : ma)
        v -= c * r[t - lag];
      r[t] = v;
    }
    return r;
  }

  // -2 log likelihood of the conditional sum of squares, and sigma^2.
  double css(const arma::vec& x, double* sigma2 = nullptr) const {
    expanded e;
    if (!expand(x, e))
      return inf;
    std::size_t cond;
    auto r = residuals(e, cond);
    std::size_t m = w_.n_elem - cond;
    if (m < 2)
      return inf;
    double ss = 0;
    for (std::size_t t = cond; t < w_.n_elem; ++t)
      ss += r[t] * r[t];
    double s2 = ss / double(m);
    if (sigma2)
      *sigma2 = s2;
    if (!(s2 > 0))
      return -1e300;
    // Scaled to the whole differenced series, so that orders that condition
    // on more observations are not favoured when AICc values are compared.
    return double(w_.n_elem) * (std::log(2 * M_PI * s2) + 1);
  }

  // css() at many points, their residual recursions run side by side (one
  // serial recursion leaves the processor waiting on each step's result).
  // Each point's arithmetic is the same as css()'s, in the same order, so
  // the values are the same: a lag whose coefficient is zero at one point
  // but not at another subtracts an exact zero there.
  void css_batch(const std::vector<arma::vec>& xs,
                 std::vector<double>& out) const {
    const std::size_t P = xs.size(), n = w_.n_elem;
    out.assign(P, inf);
    std::vector<expanded> es(P);
    std::vector<std::size_t> live;
    for (std::size_t j = 0; j < P; ++j)
      if (expand(xs[j], es[j]))
        live.push_back(j);
    const std::size_t L = live.size();
    if (L == 0)
      return;
    const std::size_t cond = es[live[0]].phi.size();
    if (n < cond + 2)
      return;
    // Lags non-zero at any point; coefficients by lag, then by point.
    auto lags_of = [&](auto member) {
      std::vector<std::size_t> lags;
      std::size_t len = (es[live[0]].*member).size();
      for (std::size_t k = 0; k < len; ++k)
        for (std::size_t j : live)
          if ((es[j].*member)[k] != 0) {
            lags.push_back(k + 1);
            break;
          }
      std::vector<double> c(lags.size() * L);
      for (std::size_t i = 0; i < lags.size(); ++i)
        for (std::size_t q = 0; q < L; ++q)
          c[i * L + q] = (es[live[q]].*member)[lags[i] - 1];
      return std::make_pair(lags, c);
    };
    auto [ar, arc] = lags_of(&expanded::phi);
    auto [ma, mac] = lags_of(&expanded::theta);
    // Scratch kept between calls: a fresh block this size per call costs
    // more in page faults than the recursion itself.
    auto& wc = scratch_wc_;
    auto& r = scratch_r_;
    wc.resize(n * L);
    r.resize(n * L);
    std::fill(r.begin(), r.begin() + std::ptrdiff_t(cond * L), 0.0);
    const double* w = w_.memptr();
    for (std::size_t t = 0; t < n; ++t)
      for (std::size_t q = 0; q < L; ++q)
        wc[t * L + q] = w[t] - es[live[q]].mean;
    css_lanes(css_terms{ar, arc, ma, mac}, L, cond, n, wc, r);
    std::vector<double> ss(L, 0.0);
    for (std::size_t t = cond; t < n; ++t)
      for (std::size_t q = 0; q < L; ++q)
        ss[q] += r[t * L + q] * r[t * L + q];
    const std::size_t m = n - cond;
    for (std::size_t q = 0; q < L; ++q) {
      double s2 = ss[q] / double(m);
      out[live[q]] =
          !(s2 > 0) ? -1e300 : double(n) * (std::log(2 * M_PI * s2) + 1);
    }
  }

  std::size_t state_dim(const expanded& e) const {
    return std::max(e.phi.size(), e.theta.size() + 1);
  }

  // Exact -2 log likelihood by a Kalman filter (sigma^2 concentrated out).
  double exact(const arma::vec& x, double* sigma2 = nullptr) const {
    expanded e;
    if (!expand(x, e))
      return inf;
    const arma::uword r = state_dim(e);
    arma::mat T(r, r, arma::fill::zeros);
    for (arma::uword i = 0; i < e.phi.size(); ++i)
      T(i, 0) = e.phi[i];
    for (arma::uword i = 0; i + 1 < r; ++i)
      T(i, i + 1) = 1;
    arma::vec R(r, arma::fill::zeros);
    R(0) = 1;
    for (arma::uword i = 0; i < e.theta.size(); ++i)
      R(i + 1) = e.theta[i];
    arma::mat RR = R * R.t();
    // The stationary state covariance P = T P T' + RR' by doubling:
    // P = sum_k T^k RR' T'^k, summed 2^j terms at a time.
    arma::mat P = RR, A = T;
    for (int it = 0; it < 64; ++it) {
      arma::mat add = A * P * A.t();
      P += add;
      A = A * A;
      if (arma::abs(add).max() <= 1e-12 * arma::abs(P).max())
        break;
    }
    if (!P.is_finite())
      return inf;
    arma::vec a(r, arma::fill::zeros);
    double ssq = 0, sumlog = 0;
    arma::uword n = w_.n_elem;
    for (arma::uword t = 0; t < n; ++t) {
      double v = (w_(t) - e.mean) - a(0);
      double F = P(0, 0);
      if (!(F > 1e-12))
        return inf;
      arma::vec K = P.col(0) / F;
      a += K * v;
      P -= K * P.row(0);
      ssq += v * v / F;
      sumlog += std::log(F);
      a = T * a;
      P = T * P * T.t() + RR;
    }
    double s2 = ssq / double(n);
    if (sigma2)
      *sigma2 = s2;
    return double(n) * (std::log(2 * M_PI * s2) + 1) + sumlog;
  }

private:
  arima_order o_;
  arma::vec w_;
  int npar_ = 0;
  mutable std::vector<double> scratch_wc_, scratch_r_;
};

class arima_model : public fitted_model {
public:
  arima_model(arima_order o, arma::vec coef, double sigma2, double m2ll,
              std::size_t nobs, arma::vec y, expanded e,
              std::vector<double> resid)
      : o_(o), coef_(std::move(coef)), sigma2_(sigma2), y_(std::move(y)),
        e_(std::move(e)), resid_(std::move(resid)) {
    double k = double(coef_.n_elem + 1);
    double n = double(nobs);
    aicc_ =
        m2ll + 2 * k + (n - k - 1 > 0 ? 2 * k * (k + 1) / (n - k - 1) : inf);
  }
  std::string name() const override { return o_.name(); }
  std::vector<parameter> parameters() const override {
    std::vector<parameter> out;
    auto add = [&](const char* base, int n, arma::uword& i) {
      for (int k = 1; k <= n; ++k)
        out.push_back({base + std::to_string(k), coef_(i++)});
    };
    arma::uword i = 0;
    add("ar", o_.p, i);
    add("ma", o_.q, i);
    add("sar", o_.P, i);
    add("sma", o_.Q, i);
    if (o_.constant)
      out.push_back({o_.d + o_.D == 0 ? "intercept" : "drift", coef_(i)});
    out.push_back({"sigma2", sigma2_});
    return out;
  }
  double aicc() const override { return aicc_; }

  /// The fitted coefficients' residuals over the grown series; those of
  /// its new slots (and at least the last 3) must stay within twice the
  /// fit's error (root mean square).
  model_ptr with_series(const arma::vec& y) const override {
    if (y.n_elem < y_.n_elem)
      return nullptr;
    arima_core core(y, o_);
    std::size_t cond = 0;
    auto resid = core.residuals(e_, cond);
    std::size_t fresh = std::max<std::size_t>(y.n_elem - y_.n_elem, 3);
    if (resid.size() < fresh + cond)
      return nullptr;
    double ss = 0;
    for (std::size_t i = resid.size() - fresh; i < resid.size(); ++i)
      ss += resid[i] * resid[i];
    if (!(ss / double(fresh) <= 4 * sigma2_))
      return nullptr;
    auto m = std::make_unique<arima_model>(*this);
    m->y_ = y;
    m->resid_ = std::move(resid);
    return m;
  }

  const arma::vec& coefficients() const { return coef_; }
  const arima_order& order() const { return o_; }

  prediction predict(int h, double level) const override {
    // The integrated AR polynomial: phi(B) (1-B)^d (1-B^s)^D.
    std::vector<double> full{1};
    for (auto v : e_.phi)
      full.push_back(-v);
    for (int i = 0; i < o_.d; ++i)
      full = poly::mul(full, {1, -1});
    if (o_.s > 1)
      for (int i = 0; i < o_.D; ++i) {
        std::vector<double> sd(std::size_t(o_.s + 1), 0.0);
        sd[0] = 1;
        sd[std::size_t(o_.s)] = -1;
        full = poly::mul(full, sd);
      }
    std::vector<double> phis(full.begin() + 1, full.end());
    for (auto& v : phis)
      v = -v;
    double sumphi = 0;
    for (auto v : e_.phi)
      sumphi += v;
    double c = e_.mean * (1 - sumphi);
    std::size_t n = y_.n_elem, lag = y_.n_elem - resid_.size();
    std::vector<double> yy(y_.begin(), y_.end()), ee(n, 0.0);
    for (std::size_t t = 0; t < resid_.size(); ++t)
      ee[t + lag] = resid_[t];
    prediction out;
    out.level = level;
    out.mean.set_size(arma::uword(h));
    for (int k = 0; k < h; ++k) {
      std::size_t t = n + std::size_t(k);
      double v = c;
      for (std::size_t j = 0; j < phis.size(); ++j)
        if (t >= j + 1)
          v += phis[j] * yy[t - j - 1];
      for (std::size_t j = 0; j < e_.theta.size(); ++j)
        if (t >= j + 1 && t - j - 1 < n)
          v += e_.theta[j] * ee[t - j - 1];
      yy.push_back(v);
      out.mean(arma::uword(k)) = v;
    }
    // psi weights of the integrated model give the forecast variance.
    std::vector<double> psi(std::size_t(h), 0.0);
    psi[0] = 1;
    for (std::size_t j = 1; j < psi.size(); ++j) {
      double v = j <= e_.theta.size() ? e_.theta[j - 1] : 0.0;
      for (std::size_t k = 1; k <= j && k <= phis.size(); ++k)
        v += phis[k - 1] * psi[j - k];
      psi[j] = v;
    }
    double z = interval_z(level), acc = 0;
    out.lower.set_size(arma::uword(h));
    out.upper.set_size(arma::uword(h));
    for (int k = 0; k < h; ++k) {
      acc += psi[std::size_t(k)] * psi[std::size_t(k)];
      double se = std::sqrt(sigma2_ * acc);
      out.lower(arma::uword(k)) =
          std::max(0.0, out.mean(arma::uword(k)) - z * se);
      out.upper(arma::uword(k)) = out.mean(arma::uword(k)) + z * se;
    }
    return out;
  }

private:
  arima_order o_;
  arma::vec coef_;
  double sigma2_, aicc_ = inf;
  arma::vec y_;
  expanded e_;
  std::vector<double> resid_;
};

} // namespace

std::string arima_order::name() const {
  std::string n = "ARIMA(" + std::to_string(p) + "," + std::to_string(d) + "," +
                  std::to_string(q) + ")";
  if (s > 1 && (P || D || Q))
    n += "(" + std::to_string(P) + "," + std::to_string(D) + "," +
         std::to_string(Q) + ")[" + std::to_string(s) + "]";
  if (constant)
    n += d + D == 0 ? " with non-zero mean" : " with drift";
  return n;
}

model_ptr fit_arima(const arma::vec& y, const arima_order& order,
                    const arima_options& opts) {
  if (order.constant && order.d + order.D > 1)
    return nullptr;
  arima_core core(y, order);
  const arma::vec& w = core.w();
  int k = core.npar();
  if (w.n_elem < arma::uword(k + 3) || w.n_elem < 3)
    return nullptr;
  arma::vec x0(arma::uword(k), arma::fill::zeros);
  if (order.constant)
    x0(arma::uword(k - 1)) = arma::mean(w);
  optim_options o;
  o.max_iter = 200;
  // Scale-free: parameters are O(1) except the mean; CSS first.
  objective css = [&](const arma::vec& x) { return core.css(x); };
  batch_objective css_many = [&](const std::vector<arma::vec>& xs,
                                 std::vector<double>& out) {
    core.css_batch(xs, out);
  };
  auto fit = k ? bfgs(css, x0, o, opts.batch ? css_many : batch_objective{})
               : optim_result{x0, core.css(x0), 0, 1, true};
  if (!std::isfinite(fit.value))
    return nullptr;
  double sigma2 = 0, m2ll = core.css(fit.x, &sigma2);
  std::size_t nobs = w.n_elem;
  expanded e;
  core.expand(fit.x, e);
  if (opts.exact && core.state_dim(e) <= std::size_t(opts.max_exact_state)) {
    objective ml = [&](const arma::vec& x) { return core.exact(x); };
    auto f2 =
        k ? bfgs(ml, fit.x, o) : optim_result{fit.x, ml(fit.x), 0, 1, true};
    if (std::isfinite(f2.value)) {
      fit = f2;
      m2ll = core.exact(fit.x, &sigma2);
      nobs = w.n_elem;
      core.expand(fit.x, e);
    }
  }
  // Report (and forecast with) the variance corrected for the fitted
  // coefficients, as forecast::Arima does.
  if (nobs > std::size_t(k))
    sigma2 *= double(nobs) / double(nobs - std::size_t(k));
  std::size_t cond;
  auto resid = core.residuals(e, cond);
  return std::make_unique<arima_model>(core.order(), fit.x, sigma2, m2ll, nobs,
                                       y, e, std::move(resid));
}

bool arima_order_of(const fitted_model& m, arima_order& out) {
  auto* a = dynamic_cast<const arima_model*>(&m);
  if (!a)
    return false;
  out = a->order();
  return true;
}

std::vector<double> arima_coefficients(const fitted_model& m) {
  auto* a = dynamic_cast<const arima_model*>(&m);
  if (!a)
    return {};
  return std::vector<double>(a->coefficients().begin(),
                             a->coefficients().end());
}

} // namespace ds::forecast
