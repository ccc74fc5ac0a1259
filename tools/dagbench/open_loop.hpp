// Open-loop load: requests are due at fixed times whatever the system does,
// and each request's latency is measured from the time it was due, not from
// when it was actually sent, so a stalled system cannot hide its stall
// (no coordinated omission). A sampler records every shard's operations per
// second meanwhile.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <caf/actor_system.hpp>

#include "messages/ns.hpp"

namespace ds::bench {

/// A request and the time it is due, in µs from the start of the run.
struct timed_request {
  int64_t due_us = 0;
  ns_request req;
};

struct open_loop_result {
  uint64_t ops = 0;
  uint64_t errors = 0;
  double seconds = 0;
  /// Latency of each request from its due time, in µs.
  std::vector<double> latency_us;
  /// The same latencies split by operation (lookup, create, ...).
  std::map<std::string, std::vector<double>> latency_by_op_us;
  /// How late each request was sent (the generator's own lag), in µs: the
  /// part of latency_us that the system under test did not cause.
  std::vector<double> send_lag_us;
  /// Per second of the run: operations served by each shard that second.
  std::vector<std::vector<uint64_t>> shard_ops_per_second;
  /// Per second of the run: DAG list splits on all shards that second.
  std::vector<uint64_t> splits_per_second;

  double percentile_us(double q) const { return percentile(latency_us, q); }
  double send_lag_percentile_us(double q) const {
    return percentile(send_lag_us, q);
  }
  static double percentile(std::vector<double> v, double q);
  /// Per second: the busiest shard's operations over the mean (1: even).
  std::vector<double> imbalance() const;
};

/// A piecewise-constant rate: (ops/s, seconds) segments, e.g. a quiet
/// period, a flash crowd, a quiet period.
using rate_profile = std::vector<std::pair<uint64_t, uint64_t>>;

/// Parses "R:S,R:S,..." (rate in ops/s, duration in s); false if malformed.
bool parse_rate_profile(const std::string& text, rate_profile& out);

/// Due times (µs) of evenly spaced requests following `profile`.
std::vector<int64_t> due_times(const rate_profile& profile);

/// Sends `reqs` (sorted by due time) to `gw` at their due times, grouping
/// requests due within the same `tick_us` into one batch; samples shard
/// counters every second. Blocks until every request is answered or failed.
open_loop_result run_open_loop(caf::actor_system& sys, const gateway_actor& gw,
                               std::vector<timed_request> reqs,
                               int64_t tick_us = 100);

} // namespace ds::bench
