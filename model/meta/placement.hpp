// Default placement of directories on shards: a consistent-hash ring with
// virtual nodes, identical on every node for the same shard list.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "model/namespace/types.hpp"

namespace ds {

class hash_ring {
public:
  /// A ring over shards 0..shard_count-1 with `vnodes` points per shard.
  explicit hash_ring(uint32_t shard_count, uint32_t vnodes = 128);

  /// The home shard of directory `dir`: the shard that holds its DAG.
  uint32_t home(inode_id dir) const;

  uint32_t shard_count() const { return shard_count_; }

  /// The shards in ring order starting at `key`'s position: the first is
  /// what home() answers for that hash, the rest are the fallbacks.
  template <class F> void walk_from(uint64_t hash, F&& visit) const;

private:
  uint32_t shard_count_;
  std::vector<std::pair<uint64_t, uint32_t>> points_; ///< sorted by position
};

/// Consistent hashing with bounded loads (Mirrokni, Thorup, Zadimoghaddam,
/// SODA 2018). Keys arrive one at a time with a weight; a key goes to the
/// first shard clockwise from its hash whose load stays within
/// c * (total weight, including this key) / n. No shard ever carries more
/// than c times the mean (plus one key's weight). Deterministic: the same
/// keys in the same order give the same answers on every node.
class bounded_ring {
public:
  bounded_ring(uint32_t shard_count, double capacity_factor,
               uint32_t vnodes = 128);

  /// Places `key` (e.g. key_hash of (directory, DAG node)) of `weight` > 0.
  uint32_t assign(uint64_t key, double weight = 1.0);

  /// Takes a key's weight off its shard (it moved away or went cold).
  void release(uint32_t shard, double weight = 1.0);

  const std::vector<double>& loads() const { return loads_; }
  double total() const { return total_; }
  /// Largest load divided by the mean load (1 is perfect balance).
  double imbalance() const;

private:
  hash_ring ring_;
  double c_;
  std::vector<double> loads_;
  double total_ = 0;
};

/// The shard of a DAG node chosen for spreading: the ring position of
/// hash(directory, node), independent of the directory's home.
uint32_t spread_shard(const hash_ring& ring, inode_id dir, node_id node);

/// The documented 64-bit hash of a 64-bit key (XXH3-64 of its 8
/// little-endian bytes, seed 0).
uint64_t key_hash(uint64_t key);

template <class F> void hash_ring::walk_from(uint64_t hash, F&& visit) const {
  if (points_.empty())
    return;
  auto start = std::lower_bound(points_.begin(), points_.end(),
                                std::make_pair(hash, uint32_t{0})) -
               points_.begin();
  std::vector<bool> seen(shard_count_);
  uint32_t left = shard_count_;
  for (size_t k = 0; k < points_.size() && left > 0; ++k) {
    auto s = points_[(static_cast<size_t>(start) + k) % points_.size()].second;
    if (seen[s])
      continue;
    seen[s] = true;
    --left;
    if (!visit(s))
      return;
  }
}

} // namespace ds
