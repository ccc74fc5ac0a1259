#include "psm/forecast/stats.hpp"

#include <cmath>
#include <stdexcept>

namespace ds::forecast {

double normal_quantile(double p) {
  if (!(p > 0 && p < 1))
    throw std::invalid_argument("normal_quantile: p must be in (0, 1)");
  // Bisection on Phi(z) = p (Phi from erfc, accurate in both tails), then
  // Newton steps to polish.
  double lo = -40, hi = 40;
  for (int i = 0; i < 100; ++i) {
    double mid = 0.5 * (lo + hi);
    if (0.5 * std::erfc(-mid / std::sqrt(2.0)) < p)
      lo = mid;
    else
      hi = mid;
  }
  double z = 0.5 * (lo + hi);
  for (int i = 0; i < 3; ++i) {
    double pdf = std::exp(-0.5 * z * z) / std::sqrt(2 * M_PI);
    if (pdf < 1e-300)
      break;
    z -= (0.5 * std::erfc(-z / std::sqrt(2.0)) - p) / pdf;
  }
  return z;
}

double interval_z(double level) {
  return normal_quantile(0.5 + level / 2);
}

double mase_scale(const arma::vec& y, int m) {
  arma::uword lag = (m > 1 && y.n_elem > arma::uword(m)) ? arma::uword(m) : 1;
  if (y.n_elem <= lag)
    return 0;
  double s = 0;
  for (arma::uword t = lag; t < y.n_elem; ++t)
    s += std::abs(y(t) - y(t - lag));
  return s / double(y.n_elem - lag);
}

} // namespace ds::forecast
