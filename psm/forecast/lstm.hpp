// A small LSTM forecaster: one LSTM layer reads a window of the scaled
// series (plus the position in the season as a sine and cosine) and a
// linear layer predicts the next value. Trained by backpropagation through
// time with Adam on every window of the series, seeded and single-threaded,
// so the same series and options give the same model bit for bit. Longer
// horizons are forecast step by step; intervals come from the in-sample
// one-step errors, widening with the square root of the horizon.
#pragma once

#include <cstdint>

#include "psm/forecast/forecaster.hpp"

namespace ds::forecast {

struct lstm_options {
  int hidden = 12; ///< LSTM units
  int window = 0;  ///< steps read per prediction (0: period, or 12)
  int epochs = 25;
  int batch = 32;
  double learning_rate = 0.01;
  int max_windows = 600; ///< most recent windows used for training
  uint64_t seed = 1;
};

/// The largest relative difference between the analytic (BPTT) gradient
/// and a central-difference one, over every weight of a small random network
/// on a random window: a check of the backward pass (small when correct).
double lstm_gradient_error(uint64_t seed);

/// nullptr if the series is shorter than two windows.
model_ptr fit_lstm(const arma::vec& y, int period,
                   const lstm_options& opts = {});

} // namespace ds::forecast
