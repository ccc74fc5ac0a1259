// Time-bucketed operation counters per directory and per (directory, node).
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace ds::access {

/// Operation kinds, counted apart.
enum class op { lookup = 0, create = 1, remove = 2, readdir = 3 };

/// Counts of each op kind in one slot.
struct op_counts {
  std::array<std::uint64_t, 4> n{};
  std::uint64_t& operator[](op o) { return n[static_cast<std::size_t>(o)]; }
  std::uint64_t operator[](op o) const {
    return n[static_cast<std::size_t>(o)];
  }
  std::uint64_t total() const { return n[0] + n[1] + n[2] + n[3]; }
};

/// Counts of one slot, as a shard sends them to the PSM (mergeable).
struct access_batch {
  std::uint64_t slot = 0;                ///< slot number
  std::map<std::string, op_counts> dirs; ///< per directory
  std::map<std::pair<std::string, std::uint64_t>, op_counts>
      nodes; ///< per (dir, DAG node)
  /// Adds other's counts (same slot expected; the slot of *this is kept).
  void merge(const access_batch& other);
};

/// The last `keep` slots of counters. Slots are numbered by the caller
/// (e.g. unix seconds / slot length): the class reads no clock.
class access_counters {
public:
  /// keep >= 1 slots retained.
  explicit access_counters(std::size_t keep);

  /// Counts one op (weight times) in slot; a slot newer than the current
  /// one rolls the window forward (empty slots in between are kept as zero);
  /// a slot older than the window is ignored and returns false.
  bool record(std::uint64_t slot, const std::string& dir, std::uint64_t node,
              op o, std::uint64_t weight = 1);

  /// Adds a batch (e.g. from a shard) into its slot; false if too old.
  bool add(const access_batch& b);

  /// Series of dir's counts of op o over the retained slots, oldest first
  /// (length = number of retained slots), for forecasting.
  std::vector<double> series(const std::string& dir, op o) const;
  /// Same over all op kinds.
  std::vector<double> series_total(const std::string& dir) const;

  /// The retained slot with number slot, empty if not retained.
  access_batch batch(std::uint64_t slot) const;

  /// Oldest and newest retained slot numbers (equal when one slot).
  std::uint64_t first_slot() const { return newest_ + 1 - slots_.size(); }
  std::uint64_t last_slot() const { return newest_; }

private:
  access_batch* slot_for(std::uint64_t slot);
  std::size_t keep_;
  std::uint64_t newest_ = 0;
  std::deque<access_batch> slots_;
};

} // namespace ds::access
