// Parts of a directory: the unit of placement and migration.
//
// A part is the range of name hashes that one DAG node covers. Every DAG
// node covers a prefix-aligned block of hash values (hdag.hpp), so a part is
// named by its first and last hash. A directory's home shard holds every
// part except those it gave away; another shard holds only the parts it
// received. A shard answers EWRONGSHARD for a hash it does not hold, so a
// router with a stale placement is corrected, never served stale data.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ds {

struct hash_range {
  uint64_t lo = 0;
  uint64_t hi = ~uint64_t{0};

  bool contains(uint64_t h) const { return lo <= h && h <= hi; }
  bool overlaps(uint64_t a, uint64_t b) const { return lo <= b && a <= hi; }
  bool covers(uint64_t a, uint64_t b) const { return lo <= a && b <= hi; }
  /// A block of 2^k hashes starting at a multiple of 2^k: what a DAG node
  /// covers.
  bool aligned() const {
    uint64_t span = hi - lo; // 2^k - 1
    return (span & (span + 1)) == 0 && (lo & span) == 0 && lo <= hi;
  }
  friend bool operator==(const hash_range& x, const hash_range& y) {
    return x.lo == y.lo && x.hi == y.hi;
  }
};

/// The field list of hash_range (serialization and printing).
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, hash_range& x) {
  return f(x.lo, x.hi);
}

/// Where a part went, as an EWRONGSHARD answer names it (in the reply's
/// cookie): a router with a stale placement sends the request there at once
/// and keeps the part in its cache, instead of reading the placement.
struct part_redirect {
  hash_range range;
  uint32_t shard = 0;
  uint64_t epoch = 0; ///< the placement epoch of the move that put it there

  /// 29 bytes: a tag, then range, shard and epoch big-endian.
  std::string encode() const;
  /// Parses encode()'s output; false for anything else (an EWRONGSHARD
  /// without a redirect has an empty cookie).
  static bool decode(std::string_view bytes, part_redirect& out);
};

/// One part of a directory as one shard sees it.
struct dir_part {
  enum state_t : uint8_t {
    exporting, ///< held here, being moved away: reads served, writes refused
    out,       ///< given away to `shard` at `epoch`
    pending,   ///< received, not yet committed: not served
    active,    ///< received and committed at `epoch`: served
  };
  hash_range range;
  state_t state = exporting;
  uint32_t shard = 0;     ///< out: the shard that holds it now
  uint64_t epoch = 0;     ///< out, active: placement epoch of the move
  uint64_t migration = 0; ///< exporting, pending: the migration's id
};

/// The field list of dir_part (serialization and printing).
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, dir_part& x) {
  return f(x.range, x.state, x.shard, x.epoch, x.migration);
}

/// How one shard holds one directory. Without a record, a shard holds the
/// whole directory (it is the home and nothing was moved).
struct dir_parts {
  bool home = true; ///< holds everything except out/pending parts
  std::vector<dir_part> parts;
  uint64_t epoch = 0; ///< highest placement epoch seen for the directory

  /// Reads of hash `h` are served here.
  bool reads(uint64_t h) const;
  /// Writes of hash `h` are served here.
  bool writes(uint64_t h) const;
  /// Every hash of [a, b] is readable here.
  bool reads_all(uint64_t a, uint64_t b) const;
  /// The part with this range, or nullptr.
  dir_part* find(const hash_range& r);
  const dir_part* find(const hash_range& r) const {
    return const_cast<dir_parts*>(this)->find(r);
  }
  /// Removes `p`, one of `parts`.
  void remove(dir_part* p) { parts.erase(parts.begin() + (p - parts.data())); }
  /// True while a part is exporting or pending (a migration is under way).
  bool moving() const;
  /// True if hash `h` lies in a part about to change hands here, for a
  /// request that a write (`write`) or a read: a pending part (its activate
  /// or discard comes next) stops both, an exporting one (its release or
  /// thaw comes next) stops writes.
  bool changing(uint64_t h, bool write) const;
  /// True if nothing distinguishes this record from having none.
  bool trivial() const { return home && parts.empty(); }
};

} // namespace ds
