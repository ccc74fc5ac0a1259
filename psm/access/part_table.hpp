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

  /// Adds one operation of kind o on part p. Inline: this is on the
  /// request path of every counted operation; a part seen before in the
  /// slot costs one hash and, mostly, one probe.
  void count(const part_ref& p, op o) {
    for (auto i = cell_of(p);; i = (i + 1) & mask_) {
      auto& c = cells_[i];
      if (!c.full)
        return insert(p, o);
      if (c.t.part == p) {
        c.t.counts[o] += 1;
        return;
      }
    }
  }

  /// The cell a part's probe starts at: a multiplicative (Fibonacci) hash
  /// whose top bits choose the cell. Every bit of the key reaches the top
  /// bits (a multiply carries bits up), so the parts of one directory,
  /// which differ only in the high bits of their ranges, spread too.
  std::size_t cell_of(const part_ref& p) const {
    std::uint64_t x = p.dir ^ p.lo ^ ((p.hi << 32) | (p.hi >> 32));
    return static_cast<std::size_t>((x * 0x9E3779B97F4A7C15ull) >> shift_);
  }

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
  /// Counts o on p, which is not in the table: takes a free cell, growing
  /// the table first if it would pass half full.
  void insert(const part_ref& p, op o);
  op_counts& counts_of(const part_ref& p);
  void grow();
  void size_to(std::size_t cells);

  std::vector<cell> cells_;       ///< size: a power of two
  std::size_t mask_ = 0;          ///< cells_.size() - 1
  unsigned shift_ = 64;           ///< 64 - log2(cells_.size())
  std::vector<std::size_t> used_; ///< indexes of full cells
};

} // namespace ds::access
