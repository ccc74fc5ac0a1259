// Building planner inputs by hand in tests: curves, parts, shards and the
// settings most tests share.
#pragma once

#include "psm/plan/planner.hpp"

#include <cmath>
#include <functional>
#include <vector>

namespace plan_test {

using namespace ds::plan;

constexpr int horizon = 24;

/// A curve of `n` values f(0..n-1).
inline std::vector<double> curve(std::function<double(int)> f,
                                 int n = horizon) {
  std::vector<double> v;
  for (int i = 0; i < n; ++i)
    v.push_back(f(i));
  return v;
}

inline std::vector<double> flat(double x, int n = horizon) {
  return std::vector<double>(std::size_t(n), x);
}

/// A daily bump of height `peak` centred at `phase` over a `base` rate.
inline std::vector<double> bump(double base, double peak, int phase,
                                int n = horizon) {
  return curve(
      [=](int i) {
        double d = std::cos(2 * M_PI * (i - phase) / horizon);
        return base + (peak - base) * std::pow(std::max(0.0, d), 4);
      },
      n);
}

inline settings default_settings() {
  settings s;
  s.threshold = 100;
  s.exit_threshold = 40;
  s.split_fill = 0.8;
  s.max_moves = 16;
  s.max_entries_moved = 1000000;
  s.period_slots = 6;
  s.quiet_slots = 48;
  s.cold_periods = 2;
  s.capacity_factor = 1.25;
  return s;
}

/// A whole directory (the full hash range) on `shard`, its home unless
/// `home` is given; upper bound = mean * 1.1.
inline part_input part(uint64_t dir, uint32_t shard, std::vector<double> mean,
                       int home = -1, uint64_t entries = 1000) {
  part_input p;
  p.id = {dir, ds::hash_range{}};
  p.shard = shard;
  p.home = home < 0 ? shard : uint32_t(home);
  p.entries = entries;
  p.history = mean; // the recent past looked like the forecast
  p.forecast.upper = mean;
  for (auto& x : p.forecast.upper)
    x *= 1.1;
  p.forecast.mean = std::move(mean);
  p.forecast.model = "spar(4,3)[24]";
  p.forecast.backtest_mase = 0.5;
  return p;
}

/// Shards 0..n-1 whose predicted curves are the sums of the parts' means.
inline std::vector<shard_input> shards_of(const std::vector<part_input>& ps,
                                          uint32_t n) {
  std::vector<shard_input> out(n);
  for (uint32_t s = 0; s < n; ++s) {
    out[s].id = s;
    out[s].predicted = flat(0);
  }
  for (const auto& p : ps)
    for (int i = 0; i < horizon; ++i)
      out[p.shard].predicted[std::size_t(i)] += p.forecast.mean[std::size_t(i)];
  return out;
}

inline plan_input input(std::vector<part_input> ps, uint32_t shards,
                        settings s = default_settings(), int64_t now = 1000) {
  plan_input in;
  in.shards = shards_of(ps, shards);
  in.parts = std::move(ps);
  in.config = s;
  in.now = now;
  return in;
}

inline std::vector<decision> of_kind(const std::vector<decision>& ds,
                                     decision_kind k) {
  std::vector<decision> out;
  for (const auto& d : ds)
    if (d.kind == k)
      out.push_back(d);
  return out;
}

} // namespace plan_test
