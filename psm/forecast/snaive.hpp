// Seasonal naive (and naive for period <= 1): each forecast repeats the value
// one season earlier; intervals from the residual spread, widening with the
// number of whole seasons ahead, as R's forecast::snaive.
#pragma once

#include "psm/forecast/forecaster.hpp"

namespace ds::forecast {

/// REQUIRES y non-empty.
model_ptr fit_snaive(const arma::vec& y, int period);

} // namespace ds::forecast
