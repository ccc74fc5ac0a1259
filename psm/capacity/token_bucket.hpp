// Emulated service capacity of one shard. On one machine every shard shares
// the same cores, so spreading load over shards cannot change latency by
// itself; with this, a shard serves at most `rate` operations per second
// (after a burst of `burst`), and the operations beyond wait in its queue
// as on a saturated server. Emulation for comparisons only: off (rate 0)
// in production configs, and every report says when it was on.
//
// A token bucket run as GCRA (the virtual-scheduling form): no timer, no
// clock; the caller gives arrival times and gets service times.
#pragma once

namespace ds::capacity {

class token_bucket {
public:
  /// `rate` ops/s (0: unlimited, every op served on arrival), `burst` >= 1
  /// ops served back to back after an idle spell. The bucket starts full.
  /// Throws std::invalid_argument on a negative or non-finite rate or a
  /// burst below 1.
  token_bucket(double rate, double burst);

  /// The time (s) at which an op arriving at `arrival` (s) is served: at
  /// once while tokens last, else when the next token comes. Ops are
  /// served in arrival order, never before an earlier one. Arrivals must
  /// not go back in time: an earlier arrival than the last throws
  /// std::invalid_argument and changes nothing.
  double serve(double arrival);

  /// When an op arriving at `now` (s) would be served, without taking it.
  double next_service(double now) const;

  double rate() const { return rate_; }
  double burst() const { return burst_; }

private:
  double rate_;
  double burst_;
  double interval_ = 0;  ///< s per op: 1 / rate
  double tolerance_ = 0; ///< (burst - 1) * interval
  double tat_ = 0;       ///< theoretical arrival time of the next op
  double last_arrival_ = 0;
  bool started_ = false;
};

} // namespace ds::capacity
