// What a run of plannings did to the namespace, in counts: splits, moves,
// consolidations, skips, entries moved, and the moves undone within the
// quiet time (a part that left a shard and came back to it: flapping).
// The figures dagbench compare reports per policy, and that an operator
// asks of a balancer first.
#pragma once

#include <cstdint>
#include <vector>

#include "psm/plan/plan_types.hpp"

namespace ds::plan {

struct churn {
  uint64_t splits = 0;
  uint64_t moves = 0;
  uint64_t consolidations = 0;
  uint64_t skipped_budget = 0;
  uint64_t skipped_hysteresis = 0;
  uint64_t skipped_quiet = 0;
  uint64_t entries_moved = 0; ///< by moves and consolidations
  /// Moves or consolidations that brought hashes of a directory back to a
  /// shard that a move had taken them from, within `quiet_slots` of it.
  uint64_t moves_undone = 0;
};

/// Tallies `ds` (oldest first, as the metadata store keeps them).
churn tally(const std::vector<decision>& ds, int64_t quiet_slots);

} // namespace ds::plan
