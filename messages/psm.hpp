// The PSM protocol: shards' slot reports to their node's forecaster, and
// the forecaster's answers. One line per message.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/fwd.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "messages/atoms.hpp"
#include "model/meta/meta_state.hpp"
#include "psm/access/counters.hpp"
#include "psm/access/import.hpp"
#include "psm/access/series_key.hpp"

namespace ds {

/// One part's counts in a slot (the directory's series is their sum).
struct psm_part_counts {
  std::string dir;      ///< directory id
  std::uint64_t lo = 0; ///< the part's hash range, inclusive
  std::uint64_t hi = 0;
  access::op_counts counts;  ///< lookups, creates, deletes, readdirs
  std::uint64_t entries = 0; ///< entries in the part at the slot's end
};

/// One name of the shard's heavy-hitter sketch (space-saving).
struct psm_heavy_name {
  std::string name;
  std::uint64_t count = 0; ///< overestimate of its accesses in the slot
  std::uint64_t error = 0; ///< count - error is a lower bound
  /// A subdirectory's inode where the name is one (0: not, or unknown),
  /// and the hash range of the part holding the name: co-access.
  std::uint64_t child = 0;
  std::uint64_t lo = 0;
  std::uint64_t hi = 0;
};

/// What one shard counted in one slot: one message per shard and slot.
struct psm_slot_report {
  std::uint32_t shard = 0;
  std::uint64_t slot = 0; ///< slot number (unix time / psm.slot)
  std::vector<psm_part_counts> parts;
  std::vector<psm_heavy_name> top; ///< by descending count
};

/// One access of an imported log (`dagctl psm import`), resolved by the
/// client to the directory's inode.
using psm_access = access::access_event;

/// What an import stored.
struct psm_import_result {
  std::uint64_t imported = 0; ///< accesses counted into slot reports
  std::uint64_t skipped = 0;  ///< accesses whose part no shard held
  std::uint64_t reports = 0;  ///< slot reports sent to forecasters
};

/// A series' stored history and its latest forecast.
struct psm_series_view {
  access::series_key key;
  std::vector<std::uint64_t> slots;  ///< start slot of each history row
  std::vector<std::uint64_t> widths; ///< slots summed in each row
  std::vector<std::uint64_t> totals; ///< ops in each row (all four kinds)
  bool has_forecast = false;
  std::uint64_t origin = 0;  ///< newest slot the forecast saw
  std::vector<double> mean;  ///< ops/s per slot after origin
  std::vector<double> lower; ///< interval at `level`
  std::vector<double> upper;
  double level = 0;
  std::string model;  ///< fitted model's name
  std::string family; ///< "spar", "hw", "arima", "snaive"
  /// False when the model was not backtested (too short a series). Not a
  /// NaN MASE: CAF 0.17's binary serializer does not carry NaN across.
  bool backtested = false;
  double backtest_mase = 0; ///< the chosen model's backtest MASE
  bool escalated = false;   ///< the full choice ran (may cross threshold)
  double slot_seconds = 0;  ///< the node's psm.slot: totals to ops/s
};

/// One part as its node's forecaster knows it, for the planner: who holds
/// it, how big it is, its recent rates and its latest forecast.
struct psm_part_state {
  access::series_key key;     ///< a part's series (key.part is true)
  std::uint32_t shard = 0;    ///< the shard that reported it last
  std::uint64_t entries = 0;  ///< its entries at that report
  std::uint64_t reported = 0; ///< the slot of that report
  /// Ops/s per slot, oldest first; the last is the node's newest slot.
  std::vector<double> recent;
  psm_series_view forecast; ///< latest forecast (has_forecast may be false)
  /// Directories its accesses lead to (its hot names that are
  /// subdirectories) and their lookup rates over the last period, ops/s:
  /// lead_dirs[i] at lead_rates[i].
  std::vector<std::uint64_t> lead_dirs;
  std::vector<double> lead_rates;
};

/// What one node's forecaster knows of its shards' parts.
struct psm_node_forecasts {
  std::uint64_t newest = 0;  ///< newest slot in the node's history
  std::uint64_t periods = 0; ///< periods forecast since the node started
  std::vector<psm_part_state> parts;
};

// The pure types' field lists, in their own namespace for lookup by ADL.
namespace access {

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, op_counts& x) {
  return f(caf::meta::type_name("ds::op_counts"), x.n[0], x.n[1], x.n[2],
           x.n[3]);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, access_event& x) {
  return f(caf::meta::type_name("ds::psm_access"), x.dir, x.name, x.op,
           x.time_ms);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, series_key& x) {
  return f(caf::meta::type_name("ds::series_key"), x.dir, x.part, x.lo, x.hi);
}

} // namespace access

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, psm_part_counts& x) {
  return f(caf::meta::type_name("ds::psm_part_counts"), x.dir, x.lo, x.hi,
           x.counts, x.entries);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, psm_heavy_name& x) {
  return f(caf::meta::type_name("ds::psm_heavy_name"), x.name, x.count, x.error,
           x.child, x.lo, x.hi);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, psm_slot_report& x) {
  return f(caf::meta::type_name("ds::psm_slot_report"), x.shard, x.slot,
           x.parts, x.top);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, psm_import_result& x) {
  return f(caf::meta::type_name("ds::psm_import_result"), x.imported, x.skipped,
           x.reports);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, psm_series_view& x) {
  return f(caf::meta::type_name("ds::psm_series_view"), x.key, x.slots,
           x.widths, x.totals, x.has_forecast, x.origin, x.mean, x.lower,
           x.upper, x.level, x.model, x.family, x.backtested, x.backtest_mase,
           x.escalated, x.slot_seconds);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, psm_part_state& x) {
  return f(caf::meta::type_name("ds::psm_part_state"), x.key, x.shard,
           x.entries, x.reported, x.recent, x.forecast, x.lead_dirs,
           x.lead_rates);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, psm_node_forecasts& x) {
  return f(caf::meta::type_name("ds::psm_node_forecasts"), x.newest, x.periods,
           x.parts);
}

/// A node's PSM forecaster (actors/psm/forecaster.hpp).
using psm_forecaster_actor = caf::typed_actor<
    // A shard's slot report: stored durably, then answered with its slot.
    caf::replies_to<psm_report_atom, psm_slot_report>::with<std::uint64_t>,
    // A series' history and latest forecast.
    caf::replies_to<psm_series_atom, access::series_key>::with<psm_series_view>,
    // The parts its shards reported in the last `recent` slots, each with
    // its holder, entries, rates over those slots and latest forecast: the
    // planner's view of this node.
    caf::replies_to<psm_forecasts_atom,
                    std::uint64_t>::with<psm_node_forecasts>,
    // The period's timer: forecast every active series.
    caf::reacts_to<psm_tick_atom>,
    // Local, from the router: member `node`'s forecaster (null: unknown).
    // With replicated shards, the report of a shard group's leader goes to
    // the forecaster of the shard's home member, wherever the leader is.
    caf::reacts_to<psm_fcaster_atom, uint32_t, caf::strong_actor_ptr>>;

/// What `dagctl psm status` shows of a node's planner.
struct psm_status {
  std::string node;        ///< the node asked
  bool active = false;     ///< its metadata replica leads: its planner plans
  std::string policy;      ///< psm.policy as it last read it
  std::uint64_t ticks = 0; ///< periods since it started
  std::uint64_t plannings = 0; ///< plannings it recorded
  std::uint64_t executed = 0;  ///< decisions it carried out
  std::uint64_t failed = 0;    ///< decisions whose step failed
  std::int64_t last_at = -1;   ///< slot of its last planning (-1: none)
  std::uint64_t last_cost_us = 0;
  std::uint32_t last_series = 0;
  std::string last_error; ///< why its last period did not plan, if so
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, psm_status& x) {
  return f(caf::meta::type_name("ds::psm_status"), x.node, x.active, x.policy,
           x.ticks, x.plannings, x.executed, x.failed, x.last_at,
           x.last_cost_us, x.last_series, x.last_error);
}

/// A node's PSM planner (actors/psm/planner.hpp): plans while its metadata
/// replica leads.
using psm_planner_actor = caf::typed_actor<
    // The period's timer.
    caf::reacts_to<psm_tick_atom>,
    // A dry run: what the planner would decide now (nothing is recorded or
    // carried out).
    caf::replies_to<psm_plan_atom>::with<psm_planning>,
    // Its state.
    caf::replies_to<psm_status_atom>::with<psm_status>>;
/// Most accesses in one import message (the gateway refuses more).
constexpr std::size_t max_psm_import = 65536;

/// Announces this protocol's types (same names on every node).
void add_psm_message_types(caf::actor_system_config& cfg);

} // namespace ds
