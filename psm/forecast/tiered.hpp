// Tiered forecasting, as the PSM runs it each period: SPAR, cheap, on every
// active series; the full automatic choice (selection.hpp, every family
// scored by backtest) only on the series whose SPAR forecast may reach the
// planner's threshold, where a better forecast can change a decision.
#pragma once

#include <memory>
#include <string>

#include "psm/forecast/forecaster.hpp"
#include "psm/forecast/selection.hpp"
#include "psm/forecast/spar.hpp"

namespace ds::forecast {

struct tier_options {
  int period = 0;       ///< seasonal period in slots (>= 2 for SPAR)
  int horizon = 0;      ///< slots forecast; 0: one period
  double threshold = 0; ///< the planner's threshold (ops/s), > 0
  double guard = 0.8;   ///< escalate from guard * threshold, in (0, 1]
  double level = 0.95;  ///< interval level
  int origins = 3;      ///< backtest origins of both tiers
  /// The forecast (mean and bounds) is capped, slot by slot, at the
  /// higher of the series' recent rate and cap_factor times the rate that
  /// recurred there (recurring_level). A model may extrapolate a rise (an
  /// integrated ARIMA's bound grows without limit over a long horizon) or
  /// echo a burst seen once; the planner should act ahead of time only on
  /// what recurred, with room to grow by cap_factor, and otherwise take
  /// the rate seen now, as a reactive policy does. 0: no cap. >= 0.
  double cap_factor = 2;
  /// A rate counts as recurring at a phase of the season where the series
  /// reached it, within recur_window of that phase, in at least
  /// recur_seasons past seasons. 0: the cap is the series' highest value.
  int recur_seasons = 2;
  /// Slots either side of the phase, as a fraction of the period (1/24: an
  /// hour of a day), in [0, 0.5].
  double recur_window = 1.0 / 24;
  spar_options spar = {}; ///< SPAR's structure
};

/// True if `p` may reach `guard * threshold` within its horizon: its upper
/// bound does somewhere. A series whose whole interval stays below that
/// cannot cross the threshold by the forecast's own account, so a better
/// model would not change what the planner does with it.
bool may_cross(const prediction& p, double threshold, double guard);

/// The rate that recurred in `y` (oldest first, the last value now) at
/// each of the `horizon` slots after it: the seasons-th highest of the
/// past seasons' maxima within `window` slots of the same phase (`period`
/// slots per season); 0 where fewer seasons are known. seasons 0: the
/// series' highest value everywhere. Throws std::invalid_argument on an
/// empty series, period < 1, or negative horizon, seasons or window.
arma::vec recurring_level(const arma::vec& y, int period, int horizon,
                          int seasons, int window);

/// One series' forecast with what the decision log needs about it.
struct tiered_forecast {
  prediction forecast;
  std::string model;        ///< the fitted model's name
  std::string family;       ///< "spar", "hw", "arima", "snaive"
  double backtest_mase = 0; ///< the chosen family's backtest MASE (NaN: none)
  bool escalated = false;   ///< the full choice ran
  bool rescored = true;     ///< backtested now (false: a kept choice refitted)
};

/// What a series' last scored forecast chose: kept between periods so
/// that most periods refit that choice instead of backtesting every
/// family again (the backtests are three quarters of a period's cost).
struct tier_choice {
  std::string family;                  ///< empty: nothing kept yet
  double backtest_mase = 0;            ///< from the choice's backtest
  bool escalated = false;              ///< chosen by the full choice
  std::shared_ptr<fitted_model> model; ///< its structure, to refit
  std::size_t scored_on = 0;           ///< the series' length when scored
};

/// Forecasts `y` (rates per slot, oldest first) over the horizon, scoring
/// the tiers by backtest; records the choice in `keep` when given.
/// Throws std::invalid_argument on an empty series or bad options.
tiered_forecast forecast_tiered(const arma::vec& y, const tier_options& opt,
                                tier_choice* keep = nullptr);

/// Forecasts `y` with the choice kept from an earlier period, no backtest
/// (the kept MASE is reported): a SPAR choice's coefficients applied to
/// the newer series (estimated again when the choice is rescored), the
/// other families' structure refitted on it. Where a SPAR choice may now reach
/// the threshold the tiers are scored afresh (escalating), as they are where
/// the kept structure no longer fits; `kept` follows. An empty `kept` is
/// scored, and so is one without a backtest (the series was too short) or
/// scored on less than half of `y` (history imported since).
tiered_forecast forecast_kept(const arma::vec& y, const tier_options& opt,
                              tier_choice& kept);

} // namespace ds::forecast
