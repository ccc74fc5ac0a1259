// Counters and histograms that an actor updates as it works and the metrics
// endpoint reads at a scrape, from another thread. Relaxed atomics: a scrape
// may see a sample in a bucket before it is in the sum, which Prometheus's
// rate() tolerates; nothing here orders other memory.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <vector>

#include "model/namespace/ns_ops.hpp"

namespace ds {

/// A histogram with fixed upper bounds (a +Inf bucket is implied).
class histogram_meter {
public:
  explicit histogram_meter(std::vector<double> bounds);

  /// Counts `n` samples of value `x` (a batch answered at once).
  void observe(double x, uint64_t n = 1);

  struct snapshot {
    std::vector<double> bounds;
    std::vector<uint64_t> cumulative; ///< per bound, then +Inf
    double sum = 0;
  };
  snapshot read() const;

  /// Seconds, 50 us to 10 s: request and commit latencies.
  static std::vector<double> latency_bounds();
  /// Counts, 1 to 64 Ki in powers of four: batch sizes.
  static std::vector<double> size_bounds();

private:
  std::vector<double> bounds_;
  std::vector<std::atomic<uint64_t>> counts_; ///< per bucket, not cumulative
  std::atomic<uint64_t> sum_micros_{0};       ///< sum in millionths
};

/// Number of ns_op kinds (the last is locate).
constexpr size_t ns_op_count = static_cast<size_t>(ns_op::locate) + 1;

/// What a shard actor measures about its own work.
struct shard_meters {
  std::array<std::atomic<uint64_t>, ns_op_count> ops{}; ///< requests by kind
  /// Arrival to answer, durability included, per request.
  histogram_meter request_seconds{histogram_meter::latency_bounds()};
  /// One storage transaction at the committer, fsync included.
  histogram_meter commit_seconds{histogram_meter::latency_bounds()};
  /// Records written per storage transaction.
  histogram_meter commit_records{histogram_meter::size_bounds()};
  std::atomic<uint64_t> waiting{0}; ///< answers held until durable
  /// Requests queued beyond the emulated capacity (shard-capacity).
  std::atomic<uint64_t> held{0};
  /// Requests held while their part changes hands (a move's last steps).
  std::atomic<uint64_t> parked{0};
  /// Requests that were held so, in all.
  std::atomic<uint64_t> parked_total{0};
};

/// What a metadata replica measures about its Raft work.
struct raft_meters {
  std::atomic<uint64_t> proposals{0}; ///< commands proposed while leader
  /// One write of a ready to the raft log (entries, hard state), fsync
  /// included: the append latency.
  histogram_meter append_seconds{histogram_meter::latency_bounds()};
  /// Entries written per append (group commit).
  histogram_meter append_entries{histogram_meter::size_bounds()};
};

} // namespace ds
