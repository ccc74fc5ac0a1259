#include "psm/plan/curve_ring.hpp"

#include <algorithm>
#include <stdexcept>

namespace ds::plan {

curve_ring::curve_ring(std::vector<std::vector<double>> base,
                       const std::vector<double>& incoming, double c,
                       double target)
    : ring_(uint32_t(base.size())), loads_(std::move(base)) {
  if (loads_.empty() || incoming.empty())
    throw std::invalid_argument("curve_ring: no shards or an empty horizon");
  std::vector<double> total = incoming;
  for (const auto& l : loads_) {
    if (l.size() != total.size())
      throw std::invalid_argument("curve_ring: curves of different lengths");
    for (std::size_t i = 0; i < l.size(); ++i)
      total[i] += l[i];
  }
  double mean_peak =
      *std::max_element(total.begin(), total.end()) / double(loads_.size());
  bound_ = c * mean_peak;
  if (target > 0)
    bound_ = std::max(mean_peak, std::min(bound_, target));
}

double curve_ring::peak_with(uint32_t s,
                             const std::vector<double>& curve) const {
  return peak_after(s, nullptr, &curve);
}

double curve_ring::peak_after(uint32_t s, const std::vector<double>* take,
                              const std::vector<double>* give) const {
  double p = 0;
  for (std::size_t i = 0; i < loads_[s].size(); ++i)
    p = std::max(p, loads_[s][i] - (take ? (*take)[i] : 0.0) +
                        (give ? (*give)[i] : 0.0));
  return p;
}

double curve_ring::overload_after(uint32_t s, const std::vector<double>* take,
                                  const std::vector<double>* give) const {
  double sum = 0;
  for (std::size_t i = 0; i < loads_[s].size(); ++i) {
    double x = loads_[s][i] - (take ? (*take)[i] : 0.0) +
               (give ? (*give)[i] : 0.0) - bound_;
    if (x > 0)
      sum += x * x;
  }
  return sum;
}

double curve_ring::peak(uint32_t s) const {
  return *std::max_element(loads_[s].begin(), loads_[s].end());
}

uint32_t curve_ring::choose(uint64_t key, const std::vector<double>& curve,
                            uint32_t current,
                            const std::function<bool(uint32_t)>& avoid) const {
  if (curve.size() != loads_.front().size())
    throw std::invalid_argument("curve_ring: curve of the wrong length");
  auto n = uint32_t(loads_.size());
  for (int pass = 0; pass < 2; ++pass) {
    auto ok = [&](uint32_t s) {
      // An idle shard takes any part, so one part heavier than the bound
      // still has a place that is not shared.
      bool room = peak(s) == 0 || peak_with(s, curve) <= bound_;
      return room && (pass == 1 || !avoid || !avoid(s));
    };
    if (current < n && ok(current))
      return current;
    uint32_t found = n;
    ring_.walk_from(key_hash(key), [&](uint32_t s) {
      if (!ok(s))
        return true;
      found = s;
      return false;
    });
    if (found < n)
      return found;
  }
  uint32_t best = current < n ? current : 0;
  double best_peak = peak_with(best, curve);
  for (uint32_t s = 0; s < n; ++s)
    if (double p = peak_with(s, curve); p < best_peak) {
      best = s;
      best_peak = p;
    }
  return best;
}

void curve_ring::add(uint32_t s, const std::vector<double>& curve) {
  for (std::size_t i = 0; i < curve.size(); ++i)
    loads_.at(s)[i] += curve[i];
}

void curve_ring::remove(uint32_t s, const std::vector<double>& curve) {
  for (std::size_t i = 0; i < curve.size(); ++i)
    loads_.at(s)[i] = std::max(0.0, loads_.at(s)[i] - curve[i]);
}

} // namespace ds::plan
