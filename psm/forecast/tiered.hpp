// Tiered forecasting, as the PSM runs it each period: SPAR, cheap, on every
// active series; the full automatic choice (selection.hpp, every family
// scored by backtest) only on the series whose SPAR forecast may reach the
// planner's threshold, where a better forecast can change a decision.
#pragma once

#include <string>

#include "psm/forecast/forecaster.hpp"
#include "psm/forecast/selection.hpp"
#include "psm/forecast/spar.hpp"

namespace ds::forecast {

struct tier_options {
  int period = 0;         ///< seasonal period in slots (>= 2 for SPAR)
  int horizon = 0;        ///< slots forecast; 0: one period
  double threshold = 0;   ///< the planner's threshold (ops/s), > 0
  double guard = 0.8;     ///< escalate from guard * threshold, in (0, 1]
  double level = 0.95;    ///< interval level
  int origins = 3;        ///< backtest origins of both tiers
  spar_options spar = {}; ///< SPAR's structure
};

/// True if `p` may reach `guard * threshold` within its horizon: its upper
/// bound does somewhere. A series whose whole interval stays below that
/// cannot cross the threshold by the forecast's own account, so a better
/// model would not change what the planner does with it.
bool may_cross(const prediction& p, double threshold, double guard);

/// One series' forecast with what the decision log needs about it.
struct tiered_forecast {
  prediction forecast;
  std::string model;        ///< the fitted model's name
  std::string family;       ///< "spar", "hw", "arima", "snaive"
  double backtest_mase = 0; ///< the chosen family's backtest MASE (NaN: none)
  bool escalated = false;   ///< the full choice ran
};

/// Forecasts `y` (rates per slot, oldest first) over the horizon.
/// Throws std::invalid_argument on an empty series or bad options.
tiered_forecast forecast_tiered(const arma::vec& y, const tier_options& opt);

} // namespace ds::forecast
