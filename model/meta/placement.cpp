#include "model/meta/placement.hpp"

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

uint32_t spread_shard(const hash_ring& ring, inode_id dir, node_id node) {
  return ring.home(key_hash(key_hash(dir) ^ node));
}

bounded_ring::bounded_ring(uint32_t shard_count, double capacity_factor,
                           uint32_t vnodes)
    : ring_(shard_count, vnodes), c_(capacity_factor), loads_(shard_count) {}

uint32_t bounded_ring::assign(uint64_t key, double weight) {
  auto n = static_cast<double>(loads_.size());
  auto cap = c_ * (total_ + weight) / n;
  uint32_t chosen = ring_.home(key);
  bool found = false;
  ring_.walk_from(key_hash(key), [&](uint32_t s) {
    // A shard takes the key if it stays within the bound, or if it is empty
    // (so that one heavy key always has a place).
    if (loads_[s] + weight <= cap || loads_[s] == 0) {
      chosen = s;
      found = true;
      return false;
    }
    return true;
  });
  if (!found) { // every shard is at the bound: the least loaded takes it
    for (uint32_t s = 0; s < loads_.size(); ++s)
      if (loads_[s] < loads_[chosen])
        chosen = s;
  }
  loads_[chosen] += weight;
  total_ += weight;
  return chosen;
}

void bounded_ring::release(uint32_t shard, double weight) {
  loads_.at(shard) -= weight;
  total_ -= weight;
}

double bounded_ring::imbalance() const {
  if (total_ <= 0)
    return 1;
  double mx = 0;
  for (auto l : loads_)
    mx = std::max(mx, l);
  return mx / (total_ / static_cast<double>(loads_.size()));
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
