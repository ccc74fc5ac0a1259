// Consistent hashing with bounded loads (Mirrokni, Thorup, Zadimoghaddam,
// SODA 2018) where a load is a curve over the forecast horizon rather than
// one number. A shard accepts a part while the peak of its summed predicted
// curve stays within c times the peak of the mean curve over all shards
// (computed once from everything there is to place: unlike the streaming
// setting of the paper, a planning knows all its parts up front).
// Two parts whose peaks coincide add up at their peak and soon break the
// bound, so they end on different shards; two parts with complementary
// curves (one busy by day, one by night) sum to a flat curve and may share.
//
// model/meta/placement.hpp's bounded_ring is the same scheme over scalar
// loads; this one reuses its ring (hash_ring) and hash, and bounds curves.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "model/meta/placement.hpp"

namespace ds::plan {

class curve_ring {
public:
  /// Shards 0..n-1 (n = base.size() >= 1) carrying the `base` curves (all of
  /// the same length h >= 1, ops/s), with `incoming` the sum of the curves
  /// still to place, and capacity factor c >= 1. A `target` > 0 lowers
  /// the bound to it, but never below the peak of the mean curve (the
  /// least any placement can reach): a shard is kept below the rate it is
  /// known to serve well whenever the total allows.
  curve_ring(std::vector<std::vector<double>> base,
             const std::vector<double>& incoming, double c, double target = 0);

  /// Where a part of predicted `curve` keyed `key` goes, now on `current`
  /// (or >= n if on no shard). In order of preference:
  ///  1. a shard within the bound (or carrying nothing) that `avoid` does
  ///     not reject: `current` first (a part that fits stays), then the
  ///     ring from key's hash;
  ///  2. the same without `avoid`;
  ///  3. the shard whose peak with it is lowest (`current`, then the lowest
  ///     index, on ties).
  /// Does not add the curve: call add() with the shard it finally goes to.
  uint32_t choose(uint64_t key, const std::vector<double>& curve,
                  uint32_t current,
                  const std::function<bool(uint32_t)>& avoid) const;

  /// Adds `curve` to shard s (the bound does not change: the curve was
  /// part of `incoming` or of another shard's load).
  void add(uint32_t s, const std::vector<double>& curve);
  /// Takes `curve` (added before) off shard s again.
  void remove(uint32_t s, const std::vector<double>& curve);

  /// The peak of shard s's curve, ops/s.
  double peak(uint32_t s) const;
  /// The most a shard may carry at its peak, ops/s.
  double bound() const { return bound_; }
  /// The peak of shard s's curve were `curve` added, ops/s.
  double peak_with(uint32_t s, const std::vector<double>& curve) const;
  /// The peak of shard s's curve were `take` taken off it (nothing if
  /// null) and `give` added (nothing if null), ops/s.
  double peak_after(uint32_t s, const std::vector<double>* take,
                    const std::vector<double>* give) const;
  /// The sum over the horizon of the squared rate above the bound of shard
  /// s's curve, were `take` taken off and `give` added (either may be
  /// null), (ops/s)^2 x slots: 0 when the shard stays within the bound.
  double overload_after(uint32_t s, const std::vector<double>* take,
                        const std::vector<double>* give) const;
  uint32_t size() const { return uint32_t(loads_.size()); }

private:
  hash_ring ring_;
  std::vector<std::vector<double>> loads_;
  double bound_ = 0;
};

} // namespace ds::plan
