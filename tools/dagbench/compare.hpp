// dagbench compare: one workload against several sharding policies, each on
// a fresh in-process node, side by side (compare_cmd.cpp parses the options
// and writes the outputs; compare_run.cpp runs one policy).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include <caf/actor_system.hpp>

#include "tools/dagbench/commands.hpp"
#include "tools/dagbench/report.hpp"

namespace ds::bench {

/// What every policy's run shares.
struct compare_options {
  uint32_t shards = 4;
  uint64_t spread_bits = 2; ///< hash: 2^bits parts per directory
  double speed = 1;
  std::size_t dir_cache = 65536;
  std::string sync = "full";
  /// Emulated service capacity per shard, ops/s (0: none).
  double shard_capacity = 0;
  /// The PSM's settings for psm.* policies.
  double slot_s = 1;                              ///< psm-slot
  caf::timespan period = std::chrono::seconds(2); ///< psm-period
  int64_t season = 60;                            ///< slots per day
  int64_t horizon = 60;                           ///< slots forecast
  double threshold = 1000;                        ///< psm.threshold, ops/s
  double shard_target = 0; ///< psm.shard-target, ops/s (0: none)
  /// Seconds between the start of the history import and the evaluated
  /// day: the forecasters and planner get that long to act first.
  double lead_s = 10;
  double objective_ms = 20; ///< the latency objective of the violations
};

/// Runs `w` against `policy` (home, hash, or a psm.policy) on a fresh node.
labelled_run run_policy(caf::actor_system& sys, const generated& w,
                        const std::string& policy, const compare_options& o);

} // namespace ds::bench
