// The PSM's access history: per series (a directory, or one part of it) and
// per slot, the counts of lookups, creates, deletes and readdirs.
//
// Resolution by age (documented in docs/ARCHITECTURE.md, "The PSM's
// history and forecaster"):
//  - level 0: the newest `full_slots` slots, one row per slot;
//  - level 1: older slots summed into buckets of `mid_width` slots (one
//    minute at the shipped 10 s slot), for `mid_slots` slots more;
//  - level 2: older still, buckets of `coarse_width` slots (ten minutes).
// Bucket starts are multiples of their width, so a bucket is rolled up only
// once every slot of it is old enough: totals never change by a roll-up.
// Past `max_rows` rows the oldest rolled-up rows are dropped (the size
// bound); full-resolution rows are never dropped.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "psm/access/counters.hpp"
#include "psm/access/series_key.hpp"

namespace ds::psm_history {

using access::op_counts;
using access::series_key;

struct history_options {
  std::uint64_t full_slots = 360;   ///< slots kept at full resolution
  std::uint64_t mid_width = 6;      ///< slots per level-1 bucket (>= 1)
  std::uint64_t mid_slots = 8640;   ///< slots covered by level 1
  std::uint64_t coarse_width = 60;  ///< slots per level-2 bucket, a
                                    ///< multiple of mid_width
  std::uint64_t max_rows = 2000000; ///< bound on stored rows (>= 1)
};

/// Throws std::invalid_argument naming the bad option.
void check(const history_options& opt);

/// One series' counts in one slot.
struct series_counts {
  series_key key;
  op_counts counts;
};

/// One stored row of a series: `width` slots from `slot` summed.
struct history_point {
  std::uint64_t slot = 0;
  std::uint64_t width = 1;
  op_counts counts;
};

/// Where the levels begin for a given newest slot: slots >= full_from are
/// at level 0, slots in [mid_from, full_from) at level 1, older at level 2.
struct level_bounds {
  std::uint64_t full_from = 0;
  std::uint64_t mid_from = 0;
};
level_bounds bounds(const history_options& opt, std::uint64_t newest);

/// Slots per row at `level` (0, 1, 2).
std::uint64_t level_width(const history_options& opt, int level);

/// The start of the bucket holding `slot` at `level` (0, 1, 2).
std::uint64_t bucket_start(const history_options& opt, int level,
                           std::uint64_t slot);

/// The history store: one writer (the node's forecaster).
class history_store {
public:
  virtual ~history_store() = default;
  /// Adds one slot's counts (rows of the same series add up); durable when
  /// it returns. Rolls up and bounds the store as `slot` advances the
  /// newest slot. Throws sql::storage_error on a failed write (nothing of
  /// it is then kept); the store must not be used again after that.
  virtual void append(std::uint64_t slot,
                      const std::vector<series_counts>& rows) = 0;
  /// The series' rows, oldest first.
  virtual std::vector<history_point> read(const series_key& k) const = 0;
  /// Series with a row whose bucket ends after `since`, in key order.
  virtual std::vector<series_key> active(std::uint64_t since) const = 0;
  /// The newest slot appended; false if none yet.
  virtual bool newest(std::uint64_t& slot) const {
    slot = newest_;
    return has_newest_;
  }
  /// Rows stored (all levels).
  virtual std::uint64_t rows() const { return rows_; }

protected:
  std::uint64_t newest_ = 0;
  bool has_newest_ = false;
  std::uint64_t rows_ = 0;
};

/// A store in memory, for tests.
std::unique_ptr<history_store>
make_memory_history_store(history_options opt = {});

/// The store in SQLite at `path` (psm.db), created if missing, WAL with
/// synchronous=FULL. A foreign, damaged or newer file is refused with
/// sql::storage_error and left untouched.
std::unique_ptr<history_store>
open_sqlite_history_store(const std::string& path, history_options opt = {});

} // namespace ds::psm_history
