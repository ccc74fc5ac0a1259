// The hottest names of a shard in one slot: a space-saving sketch
// (Metwally et al. 2005, as psm/access/space_saving.hpp) over a fixed array,
// for the request path: no allocation per update once a name's buffer has
// room, and k small enough that a linear scan beats hashing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ds::access {

/// One monitored name of a directory.
struct hot_name {
  std::uint64_t dir = 0;
  std::string name;
  std::uint64_t count = 0; ///< overestimate of its accesses
  std::uint64_t error = 0; ///< count - error is a lower bound
  /// Set by collect() (shard_log.hpp) where the name is a subdirectory
  /// held here: its inode, and the part of `dir` that holds the name.
  std::uint64_t child = 0;
  std::uint64_t lo = 0, hi = 0;
};

/// Space-saving over at most k names, keyed by (dir, name hash): two names
/// whose 64-bit keys collide are counted as one (rare, and only a sketch).
/// The same guarantees as space_saving: a monitored name's count is at most
/// N/k above its frequency, and every name above N/k is monitored.
class hot_names {
public:
  /// k >= 1 monitored names.
  explicit hot_names(std::size_t k = 32);

  /// `weight` accesses of `name` (whose name hash is `hash`) in `dir`.
  void add(std::uint64_t dir, std::uint64_t hash, std::string_view name,
           std::uint64_t weight = 1);

  /// Accesses seen since the last take().
  std::uint64_t total() const { return total_; }

  /// The monitored names by descending count (ties by dir, name); the
  /// sketch is empty afterwards (its buffers are kept).
  std::vector<hot_name> take();

private:
  std::size_t k_;
  std::size_t used_ = 0;
  std::uint64_t total_ = 0;
  std::vector<std::uint64_t> keys_; ///< keys_[i] names items_[i]
  std::vector<hot_name> items_;
};

} // namespace ds::access
