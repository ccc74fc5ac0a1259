// Seasonal ARIMA(p,d,q)(P,D,Q)[s] with an optional mean (d + D = 0) or drift
// (d + D = 1), fitted as R's arima(method = "CSS-ML") does: conditional sum
// of squares for starting values, then the exact Gaussian likelihood by a
// Kalman filter on the differenced series (for state dimensions up to
// `max_exact_state`; beyond that the CSS estimate is kept, as R's
// approximation for long seasonal periods). AICc as R reports it.
// fit_auto_arima chooses the differencing by a KPSS test (d) and a seasonal
// strength test (D), and the orders by AICc in the Hyndman-Khandakar
// stepwise search, as forecast::auto.arima.
#pragma once

#include <string>

#include "psm/forecast/forecaster.hpp"

namespace ds::forecast {

struct arima_order {
  int p = 0, d = 0, q = 0;
  int P = 0, D = 0, Q = 0;
  int s = 0;                ///< seasonal period (0 or 1: no seasonal part)
  bool constant = false;    ///< mean (d + D = 0) or drift (d + D = 1)
  std::string name() const; ///< "ARIMA(1,1,1)(0,1,1)[12] with drift"
};

struct arima_options {
  int max_exact_state = 14; ///< above: keep the CSS fit (no Kalman filter)
  bool exact = true;        ///< false: CSS only (the search's approximation)
  /// Evaluate the points of each numerical gradient of the CSS side by side
  /// (the same values, so the same fit; false runs them one by one).
  bool batch = true;
};

/// Fits one order; nullptr if it cannot be fitted (too few observations
/// after differencing, or no stationary and invertible estimate).
model_ptr fit_arima(const arma::vec& y, const arima_order& order,
                    const arima_options& opts = {});

/// The fitted coefficients in R's order: ar1.., ma1.., sar1.., sma1..,
/// then intercept/drift. Empty for a model that is not an ARIMA.
std::vector<double> arima_coefficients(const fitted_model& m);

/// The order of a model fitted by fit_arima; false for any other model.
bool arima_order_of(const fitted_model& m, arima_order& out);
/// Fits the order of `like` (an ARIMA) to another series (for backtests).
model_ptr refit_arima(const fitted_model& like, const arma::vec& y, int period);

/// Number of differences for stationarity by repeated KPSS tests (level
/// stationarity, 5%, short lag truncation), at most 2.
int kpss_ndiffs(const arma::vec& y);
/// 1 if the seasonal strength of a classical decomposition exceeds 0.64
/// (forecast::nsdiffs' default test), else 0.
int seasonal_ndiffs(const arma::vec& y, int period);

/// auto.arima: differencing by tests, orders by stepwise AICc search.
model_ptr fit_auto_arima(const arma::vec& y, int period);

} // namespace ds::forecast
