// The psm.* cluster settings parsed: the policy, the planner's settings
// and what the planner actor reads besides them. The settings' names,
// rules and defaults are psm/policy/psm_settings.hpp's; this is their
// typed form, read afresh by the planner each period. Pure: no CAF, no I/O.
#pragma once

#include <cstdint>

#include "psm/plan/plan_types.hpp"
#include "psm/policy/psm_settings.hpp"

namespace ds::plan {

/// Everything the psm.* settings say, parsed.
struct psm_config {
  psm_policy::policy_kind policy = psm_policy::policy_kind::off;
  settings plan;                   ///< thresholds, budget, clustering, splits
  double quiet_seconds = 0;        ///< psm.quiet-time: no move back within it
  uint32_t static_parts = 8;       ///< psm.static-parts: parts per directory
  uint32_t decisions_kept = 10000; ///< psm.decisions-kept
};

/// The settings as `current` has them, unset ones at their defaults and
/// `policy` the node's default when psm.policy is unset. Values that do not
/// parse (not possible through psm_policy::check_set) also fall back to
/// defaults.
psm_config read_config(const psm_policy::lookup_fn& current,
                       psm_policy::policy_kind policy);

} // namespace ds::plan
