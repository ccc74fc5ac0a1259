// The planner's decisions as kept for operators (`dagctl psm decisions`)
// and fed back to the planner (quiet time, per-period budget): oldest
// first, bounded both in number and in age, so it never grows without end.
// The retention age must cover the quiet time, or a move could come back
// once its record is gone.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

#include "psm/plan/plan_types.hpp"

namespace ds::plan {

class decision_log {
public:
  /// Keeps at most `max_entries` >= 1 decisions, none older than
  /// `max_age` >= 0 slots. Throws std::invalid_argument otherwise.
  decision_log(std::size_t max_entries, int64_t max_age);

  /// Appends one planning's decisions (in their order). Each must be at
  /// or after the newest kept one: else std::invalid_argument, and nothing
  /// is appended. The oldest beyond max_entries are dropped.
  void append(const std::vector<decision>& ds);

  /// Drops the decisions older than now - max_age.
  void expire(int64_t now);

  /// Decisions at `since` or later, oldest first; of directory `dir` only
  /// if given.
  std::vector<decision> query(int64_t since,
                              std::optional<uint64_t> dir = {}) const;

  /// The planner's `recent`: decisions within the last `window` slots up
  /// to now.
  std::vector<decision> recent(int64_t now, int64_t window) const;

  std::size_t size() const { return kept_.size(); }
  /// Decisions dropped so far for the count bound or age.
  uint64_t dropped() const { return dropped_; }

private:
  std::size_t max_entries_;
  int64_t max_age_;
  std::deque<decision> kept_;
  uint64_t dropped_ = 0;
};

/// `ds` without the skips that only repeat what `recent` already says: a
/// skip_budget, skip_hysteresis or skip_quiet of the same part, from and to
/// the same shards, recorded within the last `window` slots before the
/// skip's own. A directory held between the thresholds is said to be so
/// once per window, not at every period, so the bounded log keeps the
/// decisions that changed something. Order is kept; other kinds all stay.
std::vector<decision>
without_repeated_skips(std::vector<decision> ds,
                       const std::vector<decision>& recent, int64_t window);

} // namespace ds::plan
