#include "psm/forecast/tiered.hpp"

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
                               bool escalated) {
  tiered_forecast out;
  out.forecast = s.model->predict(horizon, level);
  out.model = s.model->name();
  out.family = s.family;
  out.backtest_mase = s.backtest_mase;
  out.escalated = escalated;
  return out;
}

} // namespace

tiered_forecast forecast_tiered(const arma::vec& y, const tier_options& opt) {
  if (y.is_empty())
    throw std::invalid_argument("forecast_tiered: empty series");
  if (opt.period < 1 || opt.horizon < 0 || opt.origins < 1)
    throw std::invalid_argument("forecast_tiered: period and origins must "
                                "be >= 1, horizon >= 0");
  int h = opt.horizon > 0 ? opt.horizon : opt.period;
  auto spar_opt = opt.spar;
  spar_opt.horizon = h;
  auto first =
      select_model(y, opt.period, {spar_candidate(spar_opt)}, h, opt.origins);
  auto cheap = from_selection(std::move(first), h, opt.level, false);
  if (!may_cross(cheap.forecast, opt.threshold, opt.guard))
    return cheap;
  // SPAR competes in the full choice too: escalating never picks a model
  // that backtests worse than the one it replaces.
  auto cands = default_candidates();
  cands.push_back(spar_candidate(spar_opt));
  return from_selection(select_model(y, opt.period, cands, h, opt.origins), h,
                        opt.level, true);
}

} // namespace ds::forecast
