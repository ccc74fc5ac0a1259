#include "psm/forecast/tiered.hpp"

#include <cmath>
#include <stdexcept>

namespace ds::forecast {

bool may_cross(const prediction& p, double threshold, double guard) {
  if (!(threshold > 0) || !(guard > 0 && guard <= 1))
    throw std::invalid_argument("may_cross: threshold must be > 0 and guard "
                                "in (0, 1]");
  return !p.upper.is_empty() && p.upper.max() >= guard * threshold;
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

void cap(prediction& p, const arma::vec& y, double factor) {
  if (!(factor > 0) || y.is_empty())
    return;
  double most = factor * y.max();
  if (!(most > 0))
    return;
  p.mean = arma::clamp(p.mean, -arma::datum::inf, most);
  p.upper = arma::clamp(p.upper, -arma::datum::inf, most);
  p.lower = arma::clamp(p.lower, -arma::datum::inf, most);
}

void check(const arma::vec& y, const tier_options& opt) {
  if (y.is_empty())
    throw std::invalid_argument("forecast_tiered: empty series");
  if (opt.period < 1 || opt.horizon < 0 || opt.origins < 1 ||
      !(opt.cap_factor >= 0))
    throw std::invalid_argument("forecast_tiered: period and origins must "
                                "be >= 1, horizon and cap_factor >= 0");
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
  cap(cheap.forecast, y, opt.cap_factor);
  if (!may_cross(cheap.forecast, opt.threshold, opt.guard))
    return cheap;
  // SPAR competes in the full choice too: escalating never picks a model
  // that backtests worse than the one it replaces.
  auto cands = default_candidates();
  cands.push_back(spar_candidate(spar_opt));
  auto full = from_selection(select_model(y, opt.period, cands, h, opt.origins),
                             h, opt.level, true, keep);
  cap(full.forecast, y, opt.cap_factor);
  return full;
}

tiered_forecast forecast_kept(const arma::vec& y, const tier_options& opt,
                              tier_choice& kept) {
  check(y, opt);
  if (kept.family.empty() || !kept.model || std::isnan(kept.backtest_mase) ||
      y.n_elem >= 2 * kept.scored_on)
    return forecast_tiered(y, opt, &kept);
  int h = opt.horizon > 0 ? opt.horizon : opt.period;
  candidate c = kept.family == "spar" ? spar_candidate(spar_of(opt, h))
                                      : candidate_named(kept.family);
  model_ptr m =
      c.refit ? c.refit(*kept.model, y, opt.period) : c.fit(y, opt.period);
  if (!m) // the kept structure no longer fits the series
    return forecast_tiered(y, opt, &kept);
  tiered_forecast out;
  out.forecast = m->predict(h, opt.level);
  cap(out.forecast, y, opt.cap_factor);
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
