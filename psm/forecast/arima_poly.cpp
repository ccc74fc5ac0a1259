// Polynomial helpers of the ARIMA fit (arima_poly.hpp).
#include "psm/forecast/arima_poly.hpp"

#include <cmath>

namespace ds::forecast::poly {

// Product of polynomials in B with coefficient vectors (index = power).
std::vector<double> mul(const std::vector<double>& a,
                        const std::vector<double>& b) {
  std::vector<double> c(a.size() + b.size() - 1, 0.0);
  for (std::size_t i = 0; i < a.size(); ++i)
    for (std::size_t j = 0; j < b.size(); ++j)
      c[i + j] += a[i] * b[j];
  return c;
}

// |roots| > 1/0.9999 of 1 - c1 z - ... - ck z^k (sign = -1) or 1 + c1 z +
// ... (sign = +1): the companion matrix's eigenvalues lie inside radius
// 0.9999. Tested by the step-down (Schur-Cohn) recursion on the polynomial
// with roots scaled by 1/0.9999: every reflection coefficient must be below
// one in magnitude. No eigen-decomposition (the test runs at every
// likelihood evaluation).
bool outside_unit_circle(const double* c, int k, double sign) {
  if (k == 0)
    return true;
  constexpr int max_k = 128;
  if (k > max_k)
    return false;
  // a(z) = 1 - sum a_i z^i with a_i = -sign * c_i, scaled: a_i / 0.9999^i.
  double a[max_k + 1], prev[max_k + 1];
  double r = 1;
  for (int i = 1; i <= k; ++i) {
    r /= 0.9999;
    a[i] = -sign * c[i - 1] * r;
  }
  for (int j = k; j >= 1; --j) {
    double kappa = a[j];
    if (!(std::abs(kappa) < 1))
      return false;
    double den = 1 - kappa * kappa;
    for (int i = 1; i < j; ++i)
      prev[i] = a[i];
    for (int i = 1; i < j; ++i)
      a[i] = (prev[i] + kappa * prev[j - i]) / den;
  }
  return true;
}

arma::vec difference(const arma::vec& y, int d, int D, int s) {
  arma::vec w = y;
  for (int i = 0; i < d && w.n_elem > 1; ++i)
    w = w.tail(w.n_elem - 1) - w.head(w.n_elem - 1);
  for (int i = 0; i < D && w.n_elem > arma::uword(s); ++i)
    w = w.tail(w.n_elem - arma::uword(s)) - w.head(w.n_elem - arma::uword(s));
  return w;
}

} // namespace ds::forecast::poly
