// Choosing a model per series by rolling-origin backtest: each candidate
// family is fitted on the series up to several origins near its end and
// scored on the following values by MASE (mean absolute error over the
// in-sample seasonal naive error); the family with the lowest mean score is
// refitted on the whole series.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "psm/forecast/forecaster.hpp"

namespace ds::forecast {

/// A model family: fits a series with a period (nullptr if not applicable).
struct candidate {
  std::string family; ///< "snaive", "hw", "arima", "lstm"
  std::function<model_ptr(const arma::vec&, int)> fit;
  /// Fits the structure (orders, variant) of a model `fit` chose on the
  /// whole series to a prefix of it, for the backtest; empty: use `fit`.
  std::function<model_ptr(const fitted_model&, const arma::vec&, int)> refit;
  /// `refit` at every origin in one call (optional; the same models).
  std::function<std::vector<model_ptr>(const fitted_model&,
                                       const std::vector<arma::vec>&, int)>
      refit_many;
};

/// The families this build offers, in a fixed order.
std::vector<candidate> default_candidates();
/// The candidate of one family (those above, "spar" and "lstm"); throws
/// std::invalid_argument if unknown.
candidate candidate_named(const std::string& family);

struct selection {
  model_ptr model; ///< the chosen family refitted on the whole series
  std::string family;
  double backtest_mase = 0; ///< its mean MASE over the origins (NaN: none)
  std::vector<std::pair<std::string, double>> scores; ///< every family's
};

/// Each family first chooses its structure on the whole series; that
/// structure is then refitted at every origin and scored. Scores `cands` on
/// `origins` origins, each forecasting `horizon` values
/// (defaults: 3 origins, horizon = period, or 8 without seasonality),
/// fewer when the series is short. Always returns a model: seasonal naive
/// if nothing else applies.
selection select_model(const arma::vec& y, int period,
                       const std::vector<candidate>& cands, int horizon = 0,
                       int origins = 3);

} // namespace ds::forecast
