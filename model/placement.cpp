#include "model/placement.hpp"

#include <algorithm>

#include <xxhash.h>

namespace ds {

uint64_t key_hash(uint64_t key) {
  unsigned char b[8];
  for (int i = 0; i < 8; ++i)
    b[i] = static_cast<unsigned char>(key >> (8 * i));
  return XXH3_64bits(b, sizeof b);
}

hash_ring::hash_ring(uint32_t shard_count, uint32_t vnodes)
  : shard_count_(shard_count) {
  points_.reserve(size_t{shard_count} * vnodes);
  for (uint32_t s = 0; s < shard_count; ++s)
    for (uint32_t v = 0; v < vnodes; ++v)
      points_.emplace_back(key_hash((uint64_t{s} << 32) | v), s);
  std::sort(points_.begin(), points_.end());
}

uint32_t hash_ring::home(inode_id dir) const {
  if (points_.empty())
    return 0;
  auto h = key_hash(dir);
  auto i = std::lower_bound(points_.begin(), points_.end(),
                            std::make_pair(h, uint32_t{0}));
  if (i == points_.end())
    i = points_.begin();
  return i->second;
}

} // namespace ds
