// Default placement of directories on shards: a consistent-hash ring with
// virtual nodes, identical on every node for the same shard list.
#pragma once

#include <cstdint>
#include <vector>

#include "model/types.hpp"

namespace ds {

class hash_ring {
public:
  /// A ring over shards 0..shard_count-1 with `vnodes` points per shard.
  explicit hash_ring(uint32_t shard_count, uint32_t vnodes = 128);

  /// The home shard of directory `dir`: the shard that holds its DAG.
  uint32_t home(inode_id dir) const;

  uint32_t shard_count() const { return shard_count_; }

private:
  uint32_t shard_count_;
  std::vector<std::pair<uint64_t, uint32_t>> points_; ///< sorted by position
};

/// The documented 64-bit hash of a 64-bit key (XXH3-64 of its 8
/// little-endian bytes, seed 0).
uint64_t key_hash(uint64_t key);

} // namespace ds
