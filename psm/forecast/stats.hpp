// Small numeric helpers shared by the forecasting models.
#pragma once

#include <armadillo>

namespace ds::forecast {

/// The standard normal quantile: Phi^-1(p) for 0 < p < 1.
double normal_quantile(double p);
/// The z of a central interval at `level` (0.95 -> 1.96).
double interval_z(double level);
/// Mean absolute error of the seasonal naive forecast in-sample (lag m, or
/// lag 1 when m <= 1 or the series is shorter than m + 1): the MASE scale.
/// 0 for a constant series.
double mase_scale(const arma::vec& y, int m);

} // namespace ds::forecast
