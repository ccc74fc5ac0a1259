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
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/member_gate.hpp"
#include "messages/ns.hpp"
#include "model/meta/placement.hpp"
#include "psm/plan/psm_config.hpp"

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
  psm_planner_actor::pointer self = nullptr;
  psm_planner_options opt;
  router_actor router;
  metadata_actor metadata;
  hash_ring ring{1};
  psm_status status;
  bool busy = false;        ///< a period's work is under way
  int64_t carried_out = -1; ///< the newest planning this planner carried out

  /// What the metadata store says before a planning.
  struct store_view {
    plan::psm_config settings;
    std::vector<plan::decision> recent; ///< decisions of the kept plannings
    int64_t last_at = -1;               ///< the newest planning's slot
    std::vector<plan::decision> last;   ///< its decisions
  };

  /// One thing to do to carry a planning out.
  struct step {
    enum kind_t { split, move, consolidate } kind = split;
    inode_id dir = 0;
    hash_range range;
    uint32_t parts = 1; ///< split
    uint32_t to = 0;    ///< move, consolidate: where to
  };

  using steps = std::shared_ptr<std::deque<step>>;
  using fail_fn = std::function<void(std::string)>;
  using view_fn = std::function<void(store_view)>;
  using planned_fn =
      std::function<void(psm_planning, std::vector<plan::decision>)>;

  /// Keeps the handles and options and starts the first period's timer.
  void start(router_actor r, metadata_actor m, psm_planner_options o);
  /// The period's timer: re-armed, then a period.
  void on_tick();
  /// A dry run: what the planner would decide now, nothing recorded or
  /// carried out.
  caf::result<psm_planning> dry_run();

  static inline const char* name = "dagshard.psm_planner";

private:
  /// One period: plan if this node's metadata replica leads.
  void period();
  /// The replica's role is known: plan if it leads, else end the period.
  void on_role(const raft_status& rs);
  /// The store is read: plan under its policy, or end the period.
  void plan_period(const store_view& v);
  /// The planning is made: carry out the newest recorded one first on a
  /// takeover, else record this one (if new and not empty).
  void on_planned(const store_view& v, psm_planning p,
                  std::vector<plan::decision> ds);
  /// Records the planning through Raft, then carries it out.
  void record(const store_view& v, psm_planning p,
              std::vector<plan::decision> ds);
  /// Ends the period, with `error` as the last error ("" for none).
  void done(std::string error = {});
  /// Reads the settings, then the recorded plannings: `next(view)`.
  void read_store(view_fn next, fail_fn fail);
  void read_plannings(store_view v, view_fn next, fail_fn fail);
  /// Gathers every node's view and plans: `next(planning, decisions)`.
  void plan_now(store_view v, planned_fn next, fail_fn fail);
  void plan_views(const std::vector<psm_node_forecasts>& views,
                  const store_view& v, const planned_fn& next,
                  const fail_fn& fail);
  /// Carries the steps out one after the other, then ends the period.
  void carry_out(steps q);
  /// A step ended (`ok` or failed with `code`): counted, then the next.
  void step_done(steps q, bool ok, const char* what, errc code);
  /// Whether the newest recorded planning is one this planner must carry
  /// out before planning at slot `at`: it did not carry it out itself, and
  /// the planning is not older than the quiet time (after which its
  /// decisions no longer hold anything back, and a new planning decides).
  bool takes_over(const store_view& v, int64_t at) const;
};

using psm_planner_pointer =
    guarded_pointer<psm_planner_actor, psm_planner_state>;

/// The first period's timer starts at spawn.
psm_planner_actor::behavior_type psm_planner_behavior(psm_planner_pointer self,
                                                      router_actor router,
                                                      metadata_actor metadata,
                                                      psm_planner_options opt);

} // namespace ds
