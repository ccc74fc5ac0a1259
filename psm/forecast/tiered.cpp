#include "psm/forecast/tiered.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <deque>
#include <functional>
#include <stdexcept>
#include <vector>

namespace ds::forecast {

bool may_cross(const prediction& p, double threshold, double guard) {
  if (!(threshold > 0) || !(guard > 0 && guard <= 1))
    throw std::invalid_argument("may_cross: threshold must be > 0 and guard "
                                "in (0, 1]");
  return !p.upper.is_empty() && p.upper.max() >= guard * threshold;
}

namespace {

/// The highest of y's last w + 1 values.
double recent_rate(const arma::vec& y, int w) {
  return y.tail(std::min(y.n_elem, arma::uword(w) + 1)).max();
}

/// out(j): the highest value of y within w slots of j, in O(n): a queue
/// of indices whose values decrease.
arma::vec window_max(const arma::vec& y, std::int64_t w) {
  auto n = std::int64_t(y.n_elem);
  arma::vec out(y.n_elem);
  std::deque<std::int64_t> q;
  std::int64_t next = 0; // the next index to enter the queue
  for (std::int64_t j = 0; j < n; ++j) {
    for (; next < n && next <= j + w; ++next) {
      while (!q.empty() && y(arma::uword(q.back())) <= y(arma::uword(next)))
        q.pop_back();
      q.push_back(next);
    }
    while (q.front() < j - w)
      q.pop_front();
    out(arma::uword(j)) = y(arma::uword(q.front()));
  }
  return out;
}

} // namespace

arma::vec recurring_level(const arma::vec& y, int period, int horizon,
                          int seasons, int window) {
  if (y.is_empty() || period < 1 || horizon < 0 || seasons < 0 || window < 0)
    throw std::invalid_argument("recurring_level: needs a series, period "
                                ">= 1, horizon, seasons and window >= 0");
  auto h = arma::uword(horizon);
  if (seasons == 0)
    return arma::vec(h, arma::fill::value(y.max()));
  auto n = std::int64_t(y.n_elem);
  auto wide = window_max(y, window);
  arma::vec out(h, arma::fill::zeros);
  std::vector<double> seen;
  for (arma::uword i = 0; i < h; ++i) {
    seen.clear();
    // Slot n + i; its phase k seasons back, for every k the series reaches.
    for (std::int64_t c = n + std::int64_t(i) - period; c >= 0; c -= period)
      if (c < n)
        seen.push_back(wide(arma::uword(c)));
    if (seen.size() < std::size_t(seasons))
      continue;
    std::nth_element(seen.begin(), seen.begin() + (seasons - 1), seen.end(),
                     std::greater<>());
    out(i) = seen[std::size_t(seasons - 1)];
  }
  return out;
}

namespace {

tiered_forecast from_selection(selection s, int horizon, double level,
                               bool escalated, tier_choice* keep) {
  tiered_forecast out;
  out.forecast = s.model->predict(horizon, level);
  out.model = s.model->name();
  out.family = s.family;
  out.backtest_mase = s.backtest_mase;
  out.escalated = escalated;
  if (keep) {
    keep->family = s.family;
    keep->backtest_mase = s.backtest_mase;
    keep->escalated = escalated;
    keep->model = std::shared_ptr<fitted_model>(std::move(s.model));
  }
  return out;
}

int window_of(const tier_options& opt) {
  return int(std::lround(opt.recur_window * opt.period));
}

void cap(prediction& p, const arma::vec& y, const tier_options& opt) {
  if (!(opt.cap_factor > 0) || y.is_empty() || p.upper.is_empty())
    return;
  double recent = recent_rate(y, window_of(opt));
  if (p.upper.max() <= recent)
    return; // nothing above the rate seen now
  arma::vec most = arma::clamp(
      opt.cap_factor * recurring_level(y, opt.period, int(p.upper.n_elem),
                                       opt.recur_seasons, window_of(opt)),
      recent, arma::datum::inf);
  auto clamp = [&](arma::vec& v) {
    for (arma::uword i = 0; i < v.n_elem && i < most.n_elem; ++i)
      v(i) = std::min(v(i), most(i));
  };
  clamp(p.mean);
  clamp(p.upper);
  clamp(p.lower);
}

void check(const arma::vec& y, const tier_options& opt) {
  if (y.is_empty())
    throw std::invalid_argument("forecast_tiered: empty series");
  if (opt.period < 1 || opt.horizon < 0 || opt.origins < 1 ||
      !(opt.cap_factor >= 0) || opt.recur_seasons < 0 ||
      !(opt.recur_window >= 0 && opt.recur_window <= 0.5))
    throw std::invalid_argument("forecast_tiered: period and origins must "
                                "be >= 1, horizon, cap_factor and "
                                "recur_seasons >= 0, recur_window in "
                                "[0, 0.5]");
}

spar_options spar_of(const tier_options& opt, int h) {
  auto o = opt.spar;
  o.horizon = h;
  return o;
}

} // namespace

tiered_forecast forecast_tiered(const arma::vec& y, const tier_options& opt,
                                tier_choice* keep) {
  check(y, opt);
  int h = opt.horizon > 0 ? opt.horizon : opt.period;
  auto spar_opt = spar_of(opt, h);
  auto first =
      select_model(y, opt.period, {spar_candidate(spar_opt)}, h, opt.origins);
  if (keep)
    keep->scored_on = y.n_elem;
  auto cheap = from_selection(std::move(first), h, opt.level, false, keep);
  cap(cheap.forecast, y, opt);
  if (!may_cross(cheap.forecast, opt.threshold, opt.guard))
    return cheap;
  // SPAR competes in the full choice too: escalating never picks a model
  // that backtests worse than the one it replaces.
  auto cands = default_candidates();
  cands.push_back(spar_candidate(spar_opt));
  auto full = from_selection(select_model(y, opt.period, cands, h, opt.origins),
                             h, opt.level, true, keep);
  cap(full.forecast, y, opt);
  return full;
}

tiered_forecast forecast_kept(const arma::vec& y, const tier_options& opt,
                              tier_choice& kept) {
  check(y, opt);
  if (kept.family.empty() || !kept.model || std::isnan(kept.backtest_mase) ||
      y.n_elem >= 2 * kept.scored_on)
    return forecast_tiered(y, opt, &kept);
  int h = opt.horizon > 0 ? opt.horizon : opt.period;
  // SPAR's coefficients carry over to the grown series as they are; the
  // others' state is estimated again on it, within the kept structure.
  model_ptr m = kept.model->with_series(y);
  if (!m) {
    candidate c = kept.family == "spar" ? spar_candidate(spar_of(opt, h))
                                        : candidate_named(kept.family);
    m = c.refit ? c.refit(*kept.model, y, opt.period) : c.fit(y, opt.period);
  }
  if (!m) // the kept structure no longer fits the series
    return forecast_tiered(y, opt, &kept);
  tiered_forecast out;
  out.forecast = m->predict(h, opt.level);
  cap(out.forecast, y, opt);
  if (!kept.escalated && may_cross(out.forecast, opt.threshold, opt.guard))
    return forecast_tiered(y, opt, &kept);
  out.model = m->name();
  out.family = kept.family;
  out.backtest_mase = kept.backtest_mase;
  out.escalated = kept.escalated;
  out.rescored = false;
  kept.model = std::shared_ptr<fitted_model>(std::move(m));
  return out;
}

} // namespace ds::forecast
