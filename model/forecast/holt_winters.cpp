#include "model/forecast/holt_winters.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

#include "model/forecast/optimize.hpp"
#include "model/forecast/stats.hpp"

namespace ds::forecast {

namespace {

constexpr double inf = std::numeric_limits<double>::infinity();

double logistic(double x) {
  return 1.0 / (1.0 + std::exp(-x));
}
double logit(double p) {
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
    run_out o;
    double l = p.l0, b = p.b0;
    std::vector<double> s = s0_;
    std::size_t mm = seasonal_ ? s.size() : 1;
    double sse = 0;
    // sum log(yhat) as a running product kept in mantissa and exponent: one
    // log per series instead of one per step.
    double mant = 1;
    long expo = 0;
    for (arma::uword t = 0; t < y_.n_elem; ++t) {
      double si = seasonal_ ? s[t % mm] : (mult_ ? 1.0 : 0.0);
      double base = l + p.phi * b;
      double yhat = mult_ ? base * si : base + si;
      double e;
      if (mult_) {
        if (!(yhat > 0) || !(base > 0))
          return o;
        e = (y_(t) - yhat) / yhat;
        int k;
        mant = std::frexp(mant * yhat, &k);
        expo += k;
        l = base * (1 + p.alpha * e);
        b = p.phi * b + p.beta * base * e;
        s[t % mm] = si * (1 + p.gamma * e);
      } else {
        e = y_(t) - yhat;
        l = base + p.alpha * e;
        b = p.phi * b + p.beta * e;
        if (seasonal_)
          s[t % mm] = si + p.gamma * e;
      }
      sse += e * e;
      if (!std::isfinite(sse))
        return o;
    }
    double n = double(y_.n_elem);
    o.sse = sse;
    double logsum = mult_ ? std::log(mant) + double(expo) * std::log(2.0) : 0.0;
    o.lik = n * std::log(std::max(sse, 1e-300) / n) + 2 * logsum;
    o.l = l;
    o.b = b;
    // Rotate so that s[0] is the state used at time n (the next step).
    o.s.resize(mm);
    for (std::size_t k = 0; k < mm; ++k)
      o.s[k] = s[(y_.n_elem + k) % mm];
    return o;
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

private:
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

class hw_model : public fitted_model {
public:
  hw_model(hw_spec spec, int m, params p, run_out end, double aicc,
           double sigma2, std::size_t mm)
      : spec_(spec), m_(m), p_(p), end_(std::move(end)), aicc_(aicc),
        sigma2_(sigma2), mm_(mm) {}

  std::string name() const override { return spec_.name(); }
  std::vector<parameter> parameters() const override {
    std::vector<parameter> v{{"alpha", p_.alpha}};
    if (spec_.trend)
      v.push_back({"beta", p_.beta});
    if (spec_.season != hw_season::none)
      v.push_back({"gamma", p_.gamma});
    if (spec_.damped)
      v.push_back({"phi", p_.phi});
    v.push_back({"sigma2", sigma2_});
    return v;
  }
  double aicc() const override { return aicc_; }

  prediction predict(int h, double level) const override {
    prediction out;
    out.level = level;
    arma::uword H = arma::uword(h);
    out.mean = point(H, end_.l, end_.b, end_.s);
    double z = interval_z(level);
    out.lower.set_size(H);
    out.upper.set_size(H);
    if (spec_.season == hw_season::multiplicative) {
      simulate(H, level, out);
    } else {
      double acc = 0;
      for (arma::uword k = 0; k < H; ++k) {
        // var(h) = sigma2 (1 + sum_{j<h} c_j^2), c_j = alpha + beta*sum phi^i +
        // gamma*[j%m==0]
        if (k > 0) {
          double j = double(k);
          double damp = 0;
          if (spec_.trend)
            damp = spec_.damped
                       ? p_.phi * (1 - std::pow(p_.phi, j)) / (1 - p_.phi)
                       : j;
          double c = p_.alpha + p_.beta * damp;
          if (spec_.season != hw_season::none && k % mm_ == 0)
            c += p_.gamma;
          acc += c * c;
        }
        double se = std::sqrt(sigma2_ * (1 + acc));
        out.lower(k) = std::max(0.0, out.mean(k) - z * se);
        out.upper(k) = out.mean(k) + z * se;
      }
    }
    return out;
  }

private:
  arma::vec point(arma::uword H, double l, double b,
                  const std::vector<double>& s) const {
    arma::vec f(H);
    double damp = 0, ph = 1;
    for (arma::uword k = 0; k < H; ++k) {
      ph *= p_.phi;
      damp += spec_.trend ? (spec_.damped ? ph : 1.0) : 0.0;
      double base = l + damp * b;
      double si = spec_.season == hw_season::none ? 0.0 : s[k % mm_];
      f(k) = spec_.season == hw_season::multiplicative ? base * si : base + si;
    }
    return f;
  }

  void simulate(arma::uword H, double level, prediction& out) const {
    const int paths = 2000;
    std::mt19937_64 rng(20261124);
    std::normal_distribution<double> eps(0, std::sqrt(sigma2_));
    arma::mat sims(paths, H);
    for (int r = 0; r < paths; ++r) {
      double l = end_.l, b = end_.b;
      std::vector<double> s = end_.s;
      for (arma::uword k = 0; k < H; ++k) {
        double si = s[k % mm_];
        double base = l + p_.phi * b;
        double e = eps(rng);
        double yv = base * si * (1 + e);
        sims(r, k) = yv;
        l = base * (1 + p_.alpha * e);
        b = p_.phi * b + p_.beta * base * e;
        s[k % mm_] = si * (1 + p_.gamma * e);
      }
    }
    double lo = (1 - level) / 2, hi = 1 - lo;
    for (arma::uword k = 0; k < H; ++k) {
      arma::vec col = arma::sort(sims.col(k));
      out.lower(k) = std::max(0.0, col(arma::uword(lo * (paths - 1))));
      out.upper(k) = col(arma::uword(hi * (paths - 1)));
    }
  }

  hw_spec spec_;
  int m_;
  params p_;
  run_out end_;
  double aicc_, sigma2_;
  std::size_t mm_;
};

} // namespace

std::string hw_spec::name() const {
  std::string err = season == hw_season::multiplicative ? "M" : "A";
  std::string tr = trend ? (damped ? "Ad" : "A") : "N";
  std::string se = season == hw_season::none       ? "N"
                   : season == hw_season::additive ? "A"
                                                   : "M";
  return "ETS(" + err + "," + tr + "," + se + ")";
}

model_ptr fit_holt_winters(const arma::vec& y, int period,
                           const hw_spec& spec) {
  if (spec.damped && !spec.trend)
    return nullptr;
  if (y.n_elem < 4)
    return nullptr;
  hw_core core(y, period, spec);
  if (!core.ok())
    return nullptr;
  objective f = [&](const arma::vec& x) {
    return core.run(core.decode(x)).lik;
  };
  optim_result best;
  best.value = inf;
  // One simplex search from a moderate start, then a restart from where it
  // stopped (a fresh simplex escapes a collapsed one), to a tolerance far
  // below what changes a forecast.
  optim_options o;
  o.max_iter = 1500;
  o.step = 0.5;
  o.rel_tol = 1e-6;
  best = nelder_mead(f, core.start(0.3, 0.1, 0.1, 0.8), o);
  if (std::isfinite(best.value)) {
    o.step = 0.2;
    auto again = nelder_mead(f, best.x, o);
    if (again.value < best.value)
      best = again;
  }
  if (!std::isfinite(best.value))
    return nullptr;
  params p = core.decode(best.x);
  run_out end = core.run(p);
  double n = double(y.n_elem);
  int k = core.free_parameters();
  double m2loglik = best.value + n * (1 + std::log(2 * M_PI));
  double aic = m2loglik + 2 * k;
  double aicc = n - k - 1 > 0 ? aic + 2.0 * k * (k + 1) / (n - k - 1) : inf;
  double sigma2 = end.sse / std::max(1.0, n - double(k));
  std::size_t mm = spec.season == hw_season::none ? 1 : std::size_t(period);
  return std::make_unique<hw_model>(spec, period, p, std::move(end), aicc,
                                    sigma2, mm);
}

model_ptr refit_holt_winters(const fitted_model& like, const arma::vec& y,
                             int period) {
  for (hw_season s :
       {hw_season::none, hw_season::additive, hw_season::multiplicative})
    for (int t = 0; t < 3; ++t) {
      hw_spec spec{t > 0, t == 2, s};
      if (spec.name() == like.name())
        return fit_holt_winters(y, period, spec);
    }
  return nullptr;
}

model_ptr fit_holt_winters_auto(const arma::vec& y, int period) {
  std::vector<hw_spec> specs;
  for (hw_season s :
       {hw_season::none, hw_season::additive, hw_season::multiplicative})
    for (int t = 0; t < 3; ++t)
      specs.push_back(hw_spec{t > 0, t == 2, s});
  model_ptr best;
  for (auto& s : specs) {
    if (s.season != hw_season::none && period < 2)
      continue;
    auto m = fit_holt_winters(y, period, s);
    if (m && std::isfinite(m->aicc()) && (!best || m->aicc() < best->aicc()))
      best = std::move(m);
  }
  return best;
}

} // namespace ds::forecast
