// Holt-Winters exponential smoothing as innovations state space models (the
// ETS family of Hyndman et al.): additive or damped trend, additive or
// multiplicative seasonality, fitted by maximum likelihood. Smoothing
// parameters and the initial level and trend are estimated; the initial
// seasonal states come from a classical decomposition of the first seasons
// (so periods of 48 and more stay cheap). Intervals are analytic for the
// additive models and simulated (fixed seed) for the multiplicative ones.
#pragma once

#include "psm/forecast/forecaster.hpp"

namespace ds::forecast {

enum class hw_season { none, additive, multiplicative };

struct hw_spec {
  bool trend = true;
  bool damped = false;
  hw_season season = hw_season::additive;
  /// "ETS(A,Ad,A)"-style name.
  std::string name() const;
};

/// Fits one variant; nullptr if it does not apply (multiplicative season
/// with a value <= 0, a seasonal model on fewer than two seasons, or no
/// finite likelihood).
model_ptr fit_holt_winters(const arma::vec& y, int period, const hw_spec& spec);

/// Fits the variant that `like` (a model of this family) uses to another
/// series; nullptr if `like` is not a Holt-Winters model.
model_ptr refit_holt_winters(const fitted_model& like, const arma::vec& y,
                             int period);

/// refit_holt_winters on several series at once (side by side, the same
/// fits), in order.
std::vector<model_ptr> refit_holt_winters_many(const fitted_model& like,
                                               const std::vector<arma::vec>& ys,
                                               int period);

/// Fits every applicable variant and keeps the lowest AICc.
model_ptr fit_holt_winters_auto(const arma::vec& y, int period);

} // namespace ds::forecast
