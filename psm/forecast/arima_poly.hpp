// Polynomial helpers of the ARIMA fit: products of lag polynomials, the
// stationarity and invertibility test, and differencing. Pure.
#pragma once

#include <vector>

#include <armadillo>

namespace ds::forecast::poly {

/// Product of polynomials in B with coefficient vectors (index = power).
std::vector<double> mul(const std::vector<double>& a,
                        const std::vector<double>& b);

/// True if every root of 1 - c1 z - ... - ck z^k (sign = -1) or
/// 1 + c1 z + ... (sign = +1) lies outside radius 1/0.9999.
bool outside_unit_circle(const double* c, int k, double sign);

/// `y` differenced `d` times at lag 1 and `D` times at lag `s`.
arma::vec difference(const arma::vec& y, int d, int D, int s);

} // namespace ds::forecast::poly
