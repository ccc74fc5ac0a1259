// Replays a workload (a trace or a generator's events) against a dagshard
// target, open loop: each operation is sent at its due time (scaled by
// `speed`) whatever happened before, and its latency is measured from that
// due time, so a stalled system cannot hide its stall (no coordinated
// omission). Latencies go into HDR histograms per operation and per second;
// every shard's load is sampled once a second.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <caf/actor_system.hpp>

#include "messages/ns.hpp"
#include "tools/dagbench/workload/hdr_histogram.hpp"
#include "tools/dagbench/workload/trace.hpp"

namespace ds::bench {

/// One second of a replay (by due time).
struct replay_second {
  uint64_t ops = 0;
  uint64_t errors = 0;
  workload::hdr_histogram latency_ns;
  std::vector<uint64_t> shard_ops; ///< sampled; empty if no sample
  uint64_t splits = 0;
  uint64_t migrations = 0;    ///< moves of parts that ended in this second
  uint64_t entries_moved = 0; ///< entries those moves carried
  double imbalance() const;   ///< busiest shard over the mean (1: even)
};

struct replay_result {
  uint64_t ops = 0;
  uint64_t errors = 0;
  double seconds = 0; ///< from the first due time to the last answer
  std::map<std::string, workload::hdr_histogram> latency_ns; ///< by op
  workload::hdr_histogram all_ns;
  workload::hdr_histogram send_lag_ns; ///< how late the replayer sent
  std::vector<replay_second> per_second;
  uint64_t setup_ops = 0;
  /// The routers' counters after the run, summed over the nodes driven.
  std::optional<router_stats> routers;
};

/// Runs `setup` (in order, one at a time), then `events` open loop at
/// `speed` times their recorded pace over the gateways `gws` (an event's
/// client picks its gateway). `progress` is called about once a second with
/// (events sent, total) while the replay runs.
replay_result replay(caf::actor_system& sys,
                     const std::vector<gateway_actor>& gws,
                     const std::vector<workload::event>& setup,
                     const std::vector<workload::event>& events, double speed,
                     const std::function<void(uint64_t, uint64_t)>& progress);

/// Closed loop instead: `clients` clients each send the next event of the
/// workload as soon as their previous one is answered (due times are
/// ignored); latency is measured from the send, and per-second figures are
/// filed by answer time.
replay_result
replay_closed(caf::actor_system& sys, const std::vector<gateway_actor>& gws,
              const std::vector<workload::event>& setup,
              const std::vector<workload::event>& events, uint32_t clients,
              const std::function<void(uint64_t, uint64_t)>& progress);

/// The path request that carries one workload operation.
path_request to_request(const workload::event& e);

} // namespace ds::bench
