// The planner actor's plain steps, apart from CAF so that tests run them on
// the same inputs: the nodes' views merged into one list of parts, the
// planner's input as each policy sees it, and the static policy's plan.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "messages/psm.hpp"
#include "model/namespace/types.hpp"
#include "psm/plan/planner.hpp"
#include "psm/plan/psm_config.hpp"

namespace ds::psm_actor {

/// What a planning knows besides the parts.
struct plan_context {
  plan::psm_config settings;
  double slot_seconds = 10;
  int64_t horizon = 1;      ///< slots forecast (psm.horizon)
  int64_t period_slots = 1; ///< slots per planning period
  uint32_t shards = 1;      ///< shards of the cluster, ids 0..shards-1
  std::function<uint32_t(inode_id)> home; ///< a directory's home shard
  std::vector<plan::decision> recent;     ///< earlier decisions
};

/// psm.quiet-time in slots of `slot_seconds`, rounded up: the planner's
/// quiet time, the repeated skips' window and a takeover's reach.
int64_t quiet_slots(double quiet_seconds, double slot_seconds);

/// Each part once, from the node that reported it last (a part that moved
/// is still known to its old holder's node for a while).
std::vector<psm_part_state>
merge_views(const std::vector<psm_node_forecasts>& views);

/// The newest slot of any view (the planning's "now").
int64_t newest_slot(const std::vector<psm_node_forecasts>& views);

/// The planner's input. Predictive: each part's forecast (a part without
/// one is assumed to keep its last rate). Reactive-load: the rate observed
/// over the last two periods (the lower of the two, so a split needs two
/// periods over the threshold), as if it were the forecast. Parts whose
/// directory id does not parse are left out.
plan::plan_input build_input(const std::vector<psm_part_state>& parts,
                             const plan_context& ctx, int64_t now);

/// The static policy: every directory seen is cut into
/// settings.static_parts parts, spread over the shards after its home by a
/// fixed rule, within the period's move budget.
std::vector<plan::decision>
static_plan(const std::vector<psm_part_state>& parts, const plan_context& ctx,
            int64_t now);

/// What the policy decides now (nothing for off and reactive-capacity).
std::vector<plan::decision> decide(const std::vector<psm_node_forecasts>& views,
                                   const plan_context& ctx);

} // namespace ds::psm_actor
