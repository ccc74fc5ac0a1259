// The conditional residual recursion of several ARIMA parameter points side
// by side (arima.cpp's batched CSS): each point's running value stays in a
// register while the points' serial dependencies overlap.
#pragma once

#include <cstddef>
#include <vector>

namespace ds::forecast {

/// Non-zero lags (ascending) and their coefficients, lag-major: the
/// coefficient of lag i for point q is c[i * L + q].
struct css_terms {
  const std::vector<std::size_t>& ar;
  const std::vector<double>& arc;
  const std::vector<std::size_t>& ma;
  const std::vector<double>& mac;
};

/// For L points interleaved by time (x[t * L + q]): r_t = wc_t - sum ar_i
/// wc_{t-lag_i} - sum ma_j r_{t-lag_j} for t in [cond, n), in that order of
/// terms (MA lags beyond t skipped). `r` must hold zeros before `cond`.
void css_lanes(const css_terms& terms, std::size_t L, std::size_t cond,
               std::size_t n, const std::vector<double>& wc,
               std::vector<double>& r);

} // namespace ds::forecast
