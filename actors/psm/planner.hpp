// The node's PSM planner. Every node runs one; only the one beside the
// metadata Raft leader plans, so the planner moves with leadership. Each
// period it reads the psm.* settings and the recorded plannings from the
// metadata store, asks every node's forecaster for its parts (through the
// router), runs the policy's plain planning (plan_build.hpp, psm/plan),
// records the decisions through Raft (once per slot: a planner that took
// over cannot record a period twice), and then carries them out: splits
// through the router to the holding shard, moves through the router's
// migration driver, consolidations as moves home.
//
// A new leader's planner first carries out the latest recorded planning
// again if it did not carry it out itself: every step is idempotent (a
// split already made changes nothing, a move already made is refused), so
// a planning cut short by a failover is finished, never repeated.
#pragma once

#include <chrono>
#include <string>

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "messages/ns.hpp"
#include "model/meta/placement.hpp"
#include "psm/policy/psm_settings.hpp"

namespace ds {

struct psm_planner_options {
  caf::timespan period = std::chrono::seconds(60); ///< planning period
  double slot_seconds = 10;                        ///< psm.slot
  int64_t horizon = 6;      ///< slots forecast (psm.horizon)
  int64_t period_slots = 6; ///< slots per period
  /// Slots of rates asked of the forecasters: enough for the reactive
  /// floor, two periods of reactive-load and the cold periods.
  uint64_t recent_slots = 64;
  /// psm.policy while the cluster setting is unset (the node's config).
  psm_policy::policy_kind default_policy = psm_policy::policy_kind::off;
  caf::timespan timeout = std::chrono::seconds(5);
  std::string node;    ///< this node's id, recorded with its plannings
  uint32_t shards = 1; ///< shards of the cluster
};

struct psm_planner_state {
  psm_planner_options opt;
  router_actor router;
  metadata_actor metadata;
  hash_ring ring{1};
  psm_status status;
  bool busy = false;        ///< a period's work is under way
  int64_t carried_out = -1; ///< the newest planning this planner carried out
  static inline const char* name = "dagshard.psm_planner";
};

using psm_planner_pointer =
    psm_planner_actor::stateful_pointer<psm_planner_state>;

/// The first period's timer starts at spawn.
psm_planner_actor::behavior_type
psm_planner_behavior(psm_planner_pointer self, router_actor router,
                     metadata_actor metadata, psm_planner_options opt);

} // namespace ds
