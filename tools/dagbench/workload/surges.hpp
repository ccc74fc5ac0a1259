// The figures by which dagbench compare judges a sharding policy, from a
// replay's per-second series: which seconds are surges, how many seconds
// broke the latency objective, and how evenly the shards shared the load
// during the surges.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tools/dagbench/workload/trace.hpp"

namespace ds::workload {

/// Operations offered in each second of `events` (by due time).
std::vector<uint64_t> offered_per_second(const std::vector<event>& events);

/// The surge seconds: those offered at least `factor` times the median
/// second's operations (the median of the seconds with any).
std::vector<bool> surge_seconds(const std::vector<uint64_t>& offered,
                                double factor = 1.5);

/// Seconds whose p99 latency (ns; 0: no operation that second) is above
/// `objective_ns`: the latency violations of P-Store.
uint64_t violation_seconds(const std::vector<int64_t>& p99_ns,
                           int64_t objective_ns);

/// The busiest shard's operations over the mean shard's, summed over the
/// seconds marked in `during` (1: even; 0 if no operation was sampled).
/// `shard_ops[s][i]`: shard i's operations in second s (empty: not sampled).
double max_over_mean(const std::vector<std::vector<uint64_t>>& shard_ops,
                     const std::vector<bool>& during);

/// The directory of an event (its path's parent; a readdir's own path).
std::string dir_of(const event& e);

/// Up to `n` directories with the most operations offered in the marked
/// seconds (all seconds if none is marked), busiest first, ties by name.
std::vector<std::string> hot_dirs(const std::vector<event>& events,
                                  const std::vector<bool>& during,
                                  std::size_t n);

/// Operations per second offered to directory `dir`, per slot of
/// `slot_s` seconds from time 0 (`slots` of them).
std::vector<double> dir_rates(const std::vector<event>& events,
                              const std::string& dir, double slot_s,
                              std::size_t slots);

/// The mean absolute scaled error of `forecast` against `actual` (the
/// first min(sizes) values), scaled by the in-sample MAE of the seasonal
/// naive forecast (period `m`) on `history`. Negative if it cannot be
/// computed (no history a season long, or a flat one).
double mase(const std::vector<double>& forecast,
            const std::vector<double>& actual,
            const std::vector<double>& history, std::size_t m);

} // namespace ds::workload
