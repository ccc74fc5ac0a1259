// SPAR, the sparse periodic autoregression of P-Store (Taft et al.,
// SIGMOD'18): the value tau steps ahead is a linear combination of the
// values at the same phase in the n previous periods and of the m most
// recent deviations from the seasonal mean,
//
//   y(t+tau) = sum_k a_k * y(t+tau-k*T) + sum_j b_j * dy(t+1-j)
//   dy(s)    = y(s) - (1/n) * sum_k y(s-k*T)
//
// with one set of coefficients per step tau, fitted by least squares over
// every origin of the series (a direct multi-step model: no error feeds
// back through recursion). It is cheap (a few small regressions per
// series), so the PSM runs it on every active series; the seasonal terms
// average out noise that seasonal naive repeats, and the deviation terms
// follow a level change within a few slots instead of a whole period.
#pragma once

#include "psm/forecast/forecaster.hpp"
#include "psm/forecast/selection.hpp"

namespace ds::forecast {

struct spar_options {
  int periods = 4; ///< n: past periods in the seasonal terms (at most)
  int deltas = 3;  ///< m: recent deviations from the seasonal mean
  int horizon = 0; ///< steps fitted up front; 0: one period. Further steps
                   ///< are fitted when predicted.
};

/// Fits SPAR with period `period` >= 2. A series too short for one
/// seasonal term and its deviations (fewer than 2 periods + m values), or a
/// period < 2, gets the seasonal naive model instead (its name says so).
/// Throws std::invalid_argument on an empty series, periods or deltas
/// outside [1, 16], or a negative horizon.
model_ptr fit_spar(const arma::vec& y, int period, spar_options opt = {});

/// SPAR as a candidate of the automatic choice (family "spar").
candidate spar_candidate(spar_options opt = {});

} // namespace ds::forecast
