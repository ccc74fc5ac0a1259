// The common shape of every forecasting model of the PSM: fit on a series,
// then predict points and intervals. Model families live in their own files
// (snaive, holt_winters, arima, lstm); selection picks one per series.
#pragma once

#include <armadillo>

#include <memory>
#include <string>
#include <vector>

namespace ds::forecast {

/// Point forecasts with a central prediction interval at `level`.
struct prediction {
  arma::vec mean;  ///< h point forecasts
  arma::vec lower; ///< h lower bounds (never below 0 for counts)
  arma::vec upper; ///< h upper bounds
  double level = 0.95;
};

/// A prediction of h steps at `level`, its vectors sized and unset.
inline prediction sized_prediction(int h, double level) {
  prediction p;
  p.level = level;
  p.mean.set_size(arma::uword(h));
  p.lower.set_size(arma::uword(h));
  p.upper.set_size(arma::uword(h));
  return p;
}

/// One named parameter of a fitted model (for --json output and tests).
struct parameter {
  std::string name;
  double value = 0;
};

/// A model fitted to one series.
class fitted_model {
public:
  virtual ~fitted_model() = default;
  /// Short description, e.g. "ARIMA(1,1,1)(0,1,1)[48]" or "snaive[48]".
  virtual std::string name() const = 0;
  /// Fitted parameters in a stable order.
  virtual std::vector<parameter> parameters() const = 0;
  /// Corrected AIC of the fit; NaN where a model has no likelihood.
  virtual double aicc() const = 0;
  /// Forecasts h >= 1 steps after the end of the fitted series.
  virtual prediction predict(int h, double level = 0.95) const = 0;
  /// predict(h).mean alone, for models whose intervals cost far more than
  /// their points (simulated ones); backtests need only the points.
  virtual arma::vec point_forecast(int h) const { return predict(h).mean; }
  /// The same fitted parameters applied to `y`, the fitted series grown
  /// at its end: forecasts from y's end without estimating anything again.
  /// nullptr where the model cannot (its state must be re-estimated, or y
  /// is shorter than what it was fitted on).
  virtual std::unique_ptr<fitted_model> with_series(const arma::vec& y) const {
    (void)y;
    return nullptr;
  }
};

using model_ptr = std::unique_ptr<fitted_model>;

} // namespace ds::forecast
