#include "actors/metrics/meters.hpp"

#include <algorithm>

namespace ds {

histogram_meter::histogram_meter(std::vector<double> bounds)
    : bounds_(std::move(bounds)), counts_(bounds_.size() + 1) {}

void histogram_meter::observe(double x, uint64_t n) {
  auto i =
      std::lower_bound(bounds_.begin(), bounds_.end(), x) - bounds_.begin();
  counts_[static_cast<size_t>(i)].fetch_add(n, std::memory_order_relaxed);
  sum_micros_.fetch_add(static_cast<uint64_t>(std::max(0.0, x) * 1e6) * n,
                        std::memory_order_relaxed);
}

histogram_meter::snapshot histogram_meter::read() const {
  snapshot s;
  s.bounds = bounds_;
  uint64_t total = 0;
  for (auto& c : counts_) {
    total += c.load(std::memory_order_relaxed);
    s.cumulative.push_back(total);
  }
  s.sum =
      static_cast<double>(sum_micros_.load(std::memory_order_relaxed)) / 1e6;
  return s;
}

std::vector<double> histogram_meter::latency_bounds() {
  return {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
          0.025,   0.05,   0.1,     0.25,   0.5,   1,      2.5,   10};
}

std::vector<double> histogram_meter::size_bounds() {
  std::vector<double> b;
  for (double x = 1; x <= 65536; x *= 4)
    b.push_back(x);
  return b;
}

} // namespace ds
