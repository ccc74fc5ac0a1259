// The node's PSM forecaster: takes its shards' slot reports, keeps them in
// the history store, and each period forecasts every active series with the
// tiered forecaster (SPAR for all, the full automatic choice for those that
// may cross the threshold). It keeps the latest forecast per series for the
// planner and for `dagctl psm forecast`.
//
// Forecasting a period's series takes long (seconds for thousands of
// series), so the actor runs detached (spawn_forecaster): never on the
// scheduler threads that serve requests. Reports wait in its mailbox
// meanwhile; a shard's report is answered once it is durable.
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <memory>

#include <caf/fwd.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/member_gate.hpp"
#include "messages/psm.hpp"
#include "psm/access/co_access.hpp"
#include "psm/forecast/tiered.hpp"
#include "storage/psm/history_store.hpp"

namespace ds {

struct psm_forecaster_options {
  caf::timespan period = std::chrono::seconds(60); ///< psm.period
  double slot_seconds = 10; ///< psm.slot in seconds: counts to ops/s
  /// Seasonal period (slots), horizon (slots), threshold (ops/s) and the
  /// escalation guard of the tiers.
  forecast::tier_options tiers;
  /// A series is active while it has a row in its last `active_slots`
  /// slots before the newest; 0: one seasonal period.
  std::uint64_t active_slots = 0;
  /// Longest series handed to a model (slots): bounds a period's cost.
  std::uint64_t max_slots = 4096;
  /// A series' tiers are backtested afresh every this many periods
  /// (staggered over the series); between, its kept choice is refitted
  /// without a backtest. 1: every period. >= 1.
  std::uint64_t rescore_periods = 10;
  /// Replicated shards: this member's index, and each global shard's home
  /// member; a report of a shard homed elsewhere is passed to that member's
  /// forecaster (kept here while it is unknown). Empty: every report is
  /// kept here.
  std::uint32_t self_member = 0;
  std::vector<std::uint32_t> home_of;
};

/// Slots of `slot_seconds` in one `period`, rounded, at least 1.
inline std::uint64_t psm_period_slots(caf::timespan period,
                                      double slot_seconds) {
  auto s = std::chrono::duration<double>(period).count() /
           std::max(slot_seconds, 1e-6);
  return std::max<std::uint64_t>(1, std::uint64_t(std::llround(s)));
}

/// The tier choices kept between periods, per series.
using psm_choices = std::map<access::series_key, forecast::tier_choice>;

/// The latest forecast of one series (a psm_series_view without history).
using psm_forecasts = std::map<access::series_key, psm_series_view>;

/// Who reported a part last, and its size then.
struct psm_holder {
  std::uint32_t shard = 0;
  std::uint64_t entries = 0;
  std::uint64_t slot = 0; ///< slot of that report
};

struct psm_forecaster_state {
  psm_forecaster_actor::pointer self = nullptr;
  std::shared_ptr<psm_history::history_store> store;
  psm_forecaster_options opt;
  psm_forecasts latest;
  psm_choices kept; ///< per active series: its last scored choice
  /// Parts by their latest report (in memory: the next slot's reports
  /// rebuild it after a restart).
  /// Other members' forecasters, by member index (home_of's forwarding).
  std::map<std::uint32_t, psm_forecaster_actor> peers;
  std::map<access::series_key, psm_holder> holders;
  /// Co-access links of the parts, over the last period (in memory).
  access::co_access_book links;
  std::uint64_t periods = 0; ///< periods forecast since start

  /// Keeps the store and the options and starts the first period's timer.
  void start(std::shared_ptr<psm_history::history_store> st,
             psm_forecaster_options o);
  /// Stores a shard's slot report durably, then answers with its slot. A
  /// failed write stops the actor, as after any failed commit
  /// (storage/sqlite.hpp).
  caf::result<std::uint64_t> take_report(const psm_slot_report& r);
  /// The stored history and the latest forecast of series `k`.
  psm_series_view series_view(const access::series_key& k) const;
  /// The planner's view: the parts reported within the last `recent` slots,
  /// each with its co-access links over the last period.
  psm_node_forecasts node_forecasts(std::uint64_t recent) const;
  /// One period: forecasts every active series, then re-arms the timer.
  void on_tick();

  static inline const char* name = "psm_forecaster";
};

using psm_forecaster_pointer =
    guarded_pointer<psm_forecaster_actor, psm_forecaster_state>;

/// The behavior; tests spawn it on the test coordinator, nodes through
/// spawn_forecaster. The first period's timer starts at spawn.
psm_forecaster_actor::behavior_type
psm_forecaster_behavior(psm_forecaster_pointer self,
                        std::shared_ptr<psm_history::history_store> store,
                        psm_forecaster_options opt);

/// Spawns the forecaster detached (its own thread).
psm_forecaster_actor
spawn_forecaster(caf::actor_system& sys,
                 std::shared_ptr<psm_history::history_store> store,
                 psm_forecaster_options opt);

/// Forecasts every active series of `store` as one period does; the result
/// replaces `latest` (series no longer active are dropped). Plain code, so
/// that the actor's answer can be checked against it. With `kept`, period
/// number `period` rescores only the series due (opt.rescore_periods) or
/// without a kept choice, refits the others' kept choices, and leaves in
/// `kept` the choices of this period's active series only.
psm_forecasts forecast_period(const psm_history::history_store& store,
                              const psm_forecaster_options& opt,
                              psm_choices* kept = nullptr,
                              std::uint64_t period = 0);

/// Whether series `k` is backtested afresh in period number `period`:
/// every `rescore` periods, at a phase of its own.
bool rescore_due(const access::series_key& k, std::uint64_t period,
                 std::uint64_t rescore);

} // namespace ds
