#include "psm/forecast/arima_lanes.hpp"

namespace ds::forecast {

namespace {

template <std::size_t W>
void chunk(const css_terms& x, std::size_t q0, std::size_t L, std::size_t cond,
           std::size_t n, const std::vector<double>& wc,
           std::vector<double>& r) {
  for (std::size_t t = cond; t < n; ++t) {
    double v[W];
    for (std::size_t k = 0; k < W; ++k)
      v[k] = wc[t * L + q0 + k];
    for (std::size_t i = 0; i < x.ar.size(); ++i) {
      const double* c = &x.arc[i * L + q0];
      const double* w = &wc[(t - x.ar[i]) * L + q0];
      for (std::size_t k = 0; k < W; ++k)
        v[k] -= c[k] * w[k];
    }
    for (std::size_t i = 0; i < x.ma.size() && x.ma[i] <= t; ++i) {
      const double* c = &x.mac[i * L + q0];
      const double* e = &r[(t - x.ma[i]) * L + q0];
      for (std::size_t k = 0; k < W; ++k)
        v[k] -= c[k] * e[k];
    }
    for (std::size_t k = 0; k < W; ++k)
      r[t * L + q0 + k] = v[k];
  }
}

} // namespace

void css_lanes(const css_terms& terms, std::size_t L, std::size_t cond,
               std::size_t n, const std::vector<double>& wc,
               std::vector<double>& r) {
  // Eight points at a time, then four, two, one.
  std::size_t q0 = 0;
  for (; q0 + 8 <= L; q0 += 8)
    chunk<8>(terms, q0, L, cond, n, wc, r);
  for (; q0 + 4 <= L; q0 += 4)
    chunk<4>(terms, q0, L, cond, n, wc, r);
  for (; q0 + 2 <= L; q0 += 2)
    chunk<2>(terms, q0, L, cond, n, wc, r);
  for (; q0 < L; ++q0)
    chunk<1>(terms, q0, L, cond, n, wc, r);
}

} // namespace ds::forecast
