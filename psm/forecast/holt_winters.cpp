#include "psm/forecast/holt_winters.hpp"
#include "psm/forecast/hw_core.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <random>
#include <utility>

#include "psm/forecast/optimize.hpp"
#include "psm/forecast/stats.hpp"

namespace ds::forecast {

namespace {

using namespace hw_detail;

/// Two sums of a series, the second weighted by position: a series that
/// starts with another shows the same sums over that start.
std::pair<double, double> fingerprint(const arma::vec& y) {
  double a = 0, b = 0;
  for (arma::uword i = 0; i < y.n_elem; ++i) {
    a += y(i);
    b += double(i + 1) * y(i);
  }
  return {a, b};
}

class hw_model : public fitted_model {
public:
  hw_model(hw_spec spec, int m, params p, run_out end, double aicc,
           double sigma2, std::size_t mm, arma::vec x, const arma::vec& y)
      : spec_(spec), m_(m), p_(p), end_(std::move(end)), aicc_(aicc),
        sigma2_(sigma2), mm_(mm), x_(std::move(x)), n_(y.n_elem),
        head_(fingerprint(y)) {}

  /// The fitted parameters as the search saw them (unconstrained).
  const arma::vec& search_point() const { return x_; }

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

  arma::vec point_forecast(int h) const override {
    return point(arma::uword(h), end_.l, end_.b, end_.s);
  }

  /// The states run over the grown series with the fitted parameters. The
  /// fitted series must be its start (the errors of the new slots are the
  /// growth of the sum of squares); they must stay within twice the fit's.
  model_ptr with_series(const arma::vec& y) const override {
    if (y.n_elem <= n_ || fingerprint(y.head(n_)) != head_)
      return nullptr;
    hw_core core(y, m_, spec_);
    if (!core.ok()) // e.g. a multiplicative model and a slot of 0 since
      return nullptr;
    run_out end = core.run(p_);
    double fresh = double(y.n_elem - n_);
    if (!std::isfinite(end.lik) ||
        !((end.sse - end_.sse) / fresh <= 4 * sigma2_))
      return nullptr;
    auto m = std::make_unique<hw_model>(*this);
    m->end_ = std::move(end);
    m->n_ = y.n_elem;
    m->head_ = fingerprint(y);
    return m;
  }

  prediction predict(int h, double level) const override {
    prediction out;
    out.level = level;
    arma::uword H = arma::uword(h);
    out.mean = point(H, end_.l, end_.b, end_.s);
    double z = interval_z(level);
    out.lower.set_size(H);
    out.upper.set_size(H);
    if (spec_.season == hw_season::multiplicative) {
      if (!scaled_bounds(level, out))
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

  /// Without a trend, every simulated path is the point forecast times a
  /// product of factors (1 + alpha e), (1 + gamma e), (1 + e) that the
  /// states do not enter: the bounds over the point forecast depend on the
  /// parameters alone. A model carried over to a grown series (with_series)
  /// keeps them and scales them by its new point forecast. False where
  /// they are not known for this level and horizon.
  bool scaled_bounds(double level, prediction& out) const {
    const auto& r = ratios_;
    if (spec_.trend || !r || r->level != level ||
        r->lower.n_elem < out.mean.n_elem)
      return false;
    for (arma::uword k = 0; k < out.mean.n_elem; ++k)
      if (!std::isfinite(r->lower(k)) || !std::isfinite(r->upper(k)))
        return false;
    out.lower = out.mean % r->lower.head(out.mean.n_elem);
    out.upper = out.mean % r->upper.head(out.mean.n_elem);
    return true;
  }

  void keep_ratios(double level, const prediction& out) const {
    if (spec_.trend)
      return;
    auto r = std::make_shared<bound_ratios>();
    r->level = level;
    r->lower = out.lower / out.mean; // NaN where the point forecast is 0
    r->upper = out.upper / out.mean;
    ratios_ = std::move(r);
  }

  void simulate(arma::uword H, double level, prediction& out) const {
    const int paths = 2000;
    std::mt19937_64 rng(20261124);
    std::normal_distribution<double> eps(0, std::sqrt(sigma2_));
    arma::mat sims(H, paths); // a path per column: written contiguously
    for (int r = 0; r < paths; ++r) {
      double l = end_.l, b = end_.b;
      std::vector<double> s = end_.s;
      for (arma::uword k = 0; k < H; ++k) {
        double si = s[k % mm_];
        double base = l + p_.phi * b;
        double e = eps(rng);
        double yv = base * si * (1 + e);
        sims(k, arma::uword(r)) = yv;
        l = base * (1 + p_.alpha * e);
        b = p_.phi * b + p_.beta * base * e;
        s[k % mm_] = si * (1 + p_.gamma * e);
      }
    }
    double lo = (1 - level) / 2, hi = 1 - lo;
    auto at_lo = std::size_t(lo * (paths - 1)),
         at_hi = std::size_t(hi * (paths - 1));
    std::vector<double> step(paths);
    for (arma::uword k = 0; k < H; ++k) {
      // The two order statistics alone: no full sort of the paths.
      for (int r = 0; r < paths; ++r)
        step[std::size_t(r)] = sims(k, arma::uword(r));
      std::nth_element(step.begin(), step.begin() + long(at_lo), step.end());
      out.lower(k) = std::max(0.0, step[at_lo]);
      std::nth_element(step.begin() + long(at_lo), step.begin() + long(at_hi),
                       step.end());
      out.upper(k) = step[at_hi];
    }
    keep_ratios(level, out);
  }

  hw_spec spec_;
  int m_;
  params p_;
  run_out end_;
  double aicc_, sigma2_;
  std::size_t mm_;
  arma::vec x_;
  struct bound_ratios {
    double level = 0;
    arma::vec lower, upper; ///< the simulated bounds over the point forecast
  };
  /// Shared by the copies with_series makes: the same parameters.
  mutable std::shared_ptr<const bound_ratios> ratios_;
  arma::uword n_; ///< the length of the series the states ran over
  std::pair<double, double> head_; ///< its fingerprint: a longer series
                                   ///< starts with it if theirs agree
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

namespace {

// One variant's fit: a simplex search from a moderate start, then a restart
// from where it stopped (a fresh simplex escapes a collapsed one), to a
// tolerance far below what changes a forecast.
struct hw_job {
  hw_spec spec;
  std::unique_ptr<hw_core> core; ///< null: the variant does not apply
  std::unique_ptr<nm_stepper> nm;
  bool restarted = false;
  optim_result best;
};

optim_options search_options(double step) {
  optim_options o;
  o.max_iter = 1500;
  o.step = step;
  o.rel_tol = 1e-5;
  return o;
}

// A job's search has stopped: restart once, or keep the better result.
void search_done(hw_job& j) {
  if (!j.restarted) {
    j.best = j.nm->result();
    j.nm.reset();
    if (std::isfinite(j.best.value)) {
      j.nm = std::make_unique<nm_stepper>(j.best.x, search_options(0.2));
      j.restarted = true;
    }
    return;
  }
  if (j.nm->result().value < j.best.value)
    j.best = j.nm->result();
  j.nm.reset();
}

model_ptr make_model(const hw_job& j, const arma::vec& y, int period) {
  const hw_core& core = *j.core;
  params p = core.decode(j.best.x);
  run_out end = core.run(p);
  double n = double(y.n_elem);
  int k = core.free_parameters();
  double m2loglik = j.best.value + n * (1 + std::log(2 * M_PI));
  double aic = m2loglik + 2 * k;
  double aicc = n - k - 1 > 0 ? aic + 2.0 * k * (k + 1) / (n - k - 1) : inf;
  double sigma2 = end.sse / std::max(1.0, n - double(k));
  std::size_t mm = j.spec.season == hw_season::none ? 1 : std::size_t(period);
  return std::make_unique<hw_model>(j.spec, period, p, std::move(end), aicc,
                                    sigma2, mm, j.best.x, y);
}

// Fits the variants side by side: every round, each running search says
// which points it needs, and all of them are evaluated in one batch (see
// hw_batch_lik). Each search sees exactly the values it would alone.
// `fits` pairs a series with a variant; the series (of one period) must
// outlive the call. With `warm`, every search starts there (with a smaller
// simplex) instead of at the moderate default.
std::vector<model_ptr>
fit_variants(const std::vector<std::pair<const arma::vec*, hw_spec>>& fits,
             int period, const arma::vec* warm = nullptr) {
  std::vector<hw_job> jobs(fits.size());
  for (std::size_t i = 0; i < fits.size(); ++i) {
    auto& j = jobs[i];
    const arma::vec& y = *fits[i].first;
    j.spec = fits[i].second;
    if ((j.spec.damped && !j.spec.trend) || y.n_elem < 4)
      continue;
    j.core = std::make_unique<hw_core>(y, period, j.spec);
    if (!j.core->ok()) {
      j.core.reset();
      continue;
    }
    if (warm && warm->n_elem == j.core->start(0.3, 0.1, 0.1, 0.8).n_elem)
      j.nm = std::make_unique<nm_stepper>(*warm, search_options(0.1));
    else
      j.nm = std::make_unique<nm_stepper>(j.core->start(0.3, 0.1, 0.1, 0.8),
                                          search_options(0.5));
  }
  std::vector<hw_chain> chains;
  std::vector<double> vals;
  for (;;) {
    chains.clear();
    for (auto& j : jobs)
      if (j.nm)
        for (auto& x : j.nm->ask())
          chains.push_back({j.core.get(), j.core->decode(x)});
    if (chains.empty())
      break;
    hw_batch_lik(chains);
    std::size_t at = 0;
    for (auto& j : jobs) {
      if (!j.nm)
        continue;
      std::size_t k = j.nm->ask().size();
      vals.resize(k);
      for (std::size_t i = 0; i < k; ++i)
        vals[i] = chains[at + i].lik;
      at += k;
      j.nm->tell(vals);
      if (j.nm->done())
        search_done(j);
    }
  }
  std::vector<model_ptr> out(jobs.size());
  for (std::size_t i = 0; i < jobs.size(); ++i)
    if (jobs[i].core && std::isfinite(jobs[i].best.value))
      out[i] = make_model(jobs[i], *fits[i].first, period);
  return out;
}

} // namespace

model_ptr fit_holt_winters(const arma::vec& y, int period,
                           const hw_spec& spec) {
  return std::move(fit_variants({{&y, spec}}, period)[0]);
}

namespace {

bool spec_of(const fitted_model& like, hw_spec& out) {
  for (hw_season s :
       {hw_season::none, hw_season::additive, hw_season::multiplicative})
    for (int t = 0; t < 3; ++t) {
      hw_spec spec{t > 0, t == 2, s};
      if (spec.name() == like.name()) {
        out = spec;
        return true;
      }
    }
  return false;
}

} // namespace

model_ptr refit_holt_winters(const fitted_model& like, const arma::vec& y,
                             int period) {
  hw_spec spec;
  return spec_of(like, spec) ? fit_holt_winters(y, period, spec) : nullptr;
}

std::vector<model_ptr> refit_holt_winters_many(const fitted_model& like,
                                               const std::vector<arma::vec>& ys,
                                               int period) {
  hw_spec spec;
  auto* model = dynamic_cast<const hw_model*>(&like);
  if (!model || !spec_of(like, spec))
    return std::vector<model_ptr>(ys.size());
  std::vector<std::pair<const arma::vec*, hw_spec>> fits;
  for (auto& y : ys)
    fits.emplace_back(&y, spec);
  // Warm: each prefix's optimum lies near the whole series' one.
  return fit_variants(fits, period, &model->search_point());
}

model_ptr fit_holt_winters_auto(const arma::vec& y, int period) {
  std::vector<hw_spec> specs;
  for (hw_season s :
       {hw_season::none, hw_season::additive, hw_season::multiplicative})
    for (int t = 0; t < 3; ++t)
      if (s == hw_season::none || period >= 2)
        specs.push_back(hw_spec{t > 0, t == 2, s});
  std::vector<std::pair<const arma::vec*, hw_spec>> fits;
  for (auto& s : specs)
    fits.emplace_back(&y, s);
  model_ptr best;
  for (auto& m : fit_variants(fits, period))
    if (m && std::isfinite(m->aicc()) && (!best || m->aicc() < best->aicc()))
      best = std::move(m);
  return best;
}

} // namespace ds::forecast
