// dagbench's load driver: sends prepared request batches to a gateway with
// a fixed number outstanding (closed loop, pipelined) and records, for every
// batch, the time from its send to its answer.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <vector>

#include <caf/actor_system.hpp>

#include "messages/ns.hpp"

namespace ds::bench {

struct phase_result {
  uint64_t ops = 0;    ///< requests answered
  uint64_t errors = 0; ///< requests answered with an error code
  double seconds = 0;  ///< wall time of the phase
  /// Per batch: (latency in ns, requests in it). Each request's latency is
  /// its batch's: the time from sending it to the answer.
  std::vector<std::pair<int64_t, uint32_t>> batch_latencies;

  double rate() const { return seconds > 0 ? ops / seconds : 0; }
  /// Latency percentile over requests (q in 0..1), in microseconds.
  double percentile_us(double q) const;
};

/// Runs `batches` with `clients` independent clients, client i sending to
/// gws[i % gws.size()] with `outstanding` batches in flight each (batches
/// are dealt round-robin); blocks until every batch has been answered or
/// failed (a failed batch counts all its requests as errors). `progress`,
/// if given, is called on the calling thread about every 100 ms with the
/// requests answered so far and the phase's total.
phase_result
run_phase(caf::actor_system& sys, const std::vector<gateway_actor>& gws,
          std::vector<std::vector<ns_request>> batches, size_t outstanding,
          size_t clients = 1,
          const std::function<void(uint64_t, uint64_t)>& progress = {});

} // namespace ds::bench
