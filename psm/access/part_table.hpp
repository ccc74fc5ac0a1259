// One slot's operation counts per part, in a flat open-addressing table:
// counting an operation on the request path allocates nothing once the
// table has grown to the shard's working set of parts.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "psm/access/counters.hpp"

namespace ds::access {

/// A part: a directory (inode) and the hash range [lo, hi] that served.
struct part_ref {
  std::uint64_t dir = 0;
  std::uint64_t lo = 0;
  std::uint64_t hi = 0;
  friend bool operator==(const part_ref& a, const part_ref& b) {
    return a.dir == b.dir && a.lo == b.lo && a.hi == b.hi;
  }
  friend bool operator<(const part_ref& a, const part_ref& b) {
    return a.dir != b.dir ? a.dir < b.dir
           : a.lo != b.lo ? a.lo < b.lo
                          : a.hi < b.hi;
  }
};

/// A part's counts in the slot.
struct part_tally {
  part_ref part;
  op_counts counts;
};

/// Counts per part for the current slot. Linear probing over a power-of-two
/// table kept at most half full; take() empties it but keeps its capacity,
/// so a steady workload allocates only in its first slots.
class part_table {
public:
  /// Room for `expected` parts before the first growth.
  explicit part_table(std::size_t expected = 64);

  /// Adds one operation of kind o on part p.
  void count(const part_ref& p, op o) { counts_of(p)[o] += 1; }

  /// The table's hash of a part: every bit of the key reaches its low
  /// bits, which choose the cell.
  static std::size_t hash_of(const part_ref& p);

  /// Parts counted since the last take().
  std::size_t size() const { return used_.size(); }

  /// Every part counted since the last take(), by part order; the table is
  /// empty afterwards.
  std::vector<part_tally> take();

private:
  struct cell {
    part_tally t;
    bool full = false;
  };
  op_counts& counts_of(const part_ref& p);
  void grow();

  std::vector<cell> cells_;       ///< size: a power of two
  std::vector<std::size_t> used_; ///< indexes of full cells
};

} // namespace ds::access
