// What the PSM's planner reads and what it decides. Plain values: the
// planner is a function of them (planner.hpp), so an actor, a dry run
// (`dagctl psm plan`) and a test give it the same inputs and get the same
// decisions.
//
// Units: times are slot numbers (the access counters' slots), rates are
// operations per second averaged over a slot, sizes are entries.
#pragma once

#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "model/namespace/parts.hpp"

namespace ds::plan {

/// A part of the namespace: one directory's range of name hashes.
struct part_id {
  uint64_t dir = 0;
  hash_range range;

  friend bool operator==(const part_id& a, const part_id& b) {
    return a.dir == b.dir && a.range == b.range;
  }
  friend bool operator<(const part_id& a, const part_id& b) {
    return std::tie(a.dir, a.range.lo, a.range.hi) <
           std::tie(b.dir, b.range.lo, b.range.hi);
  }
  /// Same directory and at least one hash in common.
  bool overlaps(const part_id& o) const {
    return dir == o.dir && range.overlaps(o.range.lo, o.range.hi);
  }
};

/// A forecast over the horizon: element i is slot now + 1 + i.
struct part_forecast {
  std::vector<double> mean;  ///< point forecast, ops/s
  std::vector<double> upper; ///< upper bound of its interval, ops/s
  std::string model;         ///< e.g. "spar(4,3)[144]"
  double backtest_mase = std::nan("");
};

/// A directory that a part's accesses lead to: a hot name of the part (in
/// its shard's heavy-hitter sketch) that is a subdirectory, looked up at
/// `rate` ops/s. Lookups of it come before the accesses inside it.
struct co_access {
  uint64_t dir = 0;
  double rate = 0;
};

struct part_input {
  part_id id;
  uint32_t shard = 0;          ///< the shard that holds it now
  uint32_t home = 0;           ///< its directory's home shard
  uint64_t entries = 0;        ///< entries in the part
  std::vector<double> history; ///< recent rates, oldest first, last = now
  part_forecast forecast;
  /// Directories its accesses lead to (step 2 clusters them with it);
  /// empty where the sketch shows none.
  std::vector<co_access> leads_to;
};

struct shard_input {
  uint32_t id = 0;
  double load = 0;               ///< current rate, ops/s
  std::vector<double> predicted; ///< predicted rate over the horizon, ops/s
};

/// The planner's settings (the psm.* cluster settings).
struct settings {
  double threshold = 0;      ///< a part predicted above it is split, ops/s
  double exit_threshold = 0; ///< a split directory predicted and observed
                             ///< below it is consolidated (< threshold)
  double split_fill = 0.8;   ///< sub-parts are sized to at most this
                             ///< fraction of the threshold, (0, 1]
  uint32_t max_moves = 8;    ///< moves per period
  uint64_t max_entries_moved = 100000; ///< entries moved per period
  int64_t period_slots = 1;            ///< slots per planning period, >= 1
  int64_t quiet_slots = 0;             ///< nothing moves back within it, >= 0
  int cold_periods = 3;                ///< K: periods below the exit threshold
                                       ///< before consolidation, >= 1
  double capacity_factor = 1.25;       ///< c of bounded loads, >= 1
  double shard_target = 0;             ///< the most a shard should carry at its
                           ///< predicted peak, ops/s (P-Store's target
                           ///< rate per server); 0: none, >= 0
  double cluster_distance = 0.3; ///< clusters join below this correlation
                                 ///< distance (1 - r), in [0, 2]; two
                                 ///< co-accessed parts count as closer
                                 ///< (planner.hpp, step 2)
  double cluster_floor = 0.05;   ///< parts below this fraction of the
                                 ///< threshold are left out of clusters
  uint32_t max_split = 64;       ///< most sub-parts from one part (power of 2)
  double trust_mase = 2.0; ///< a forecast whose backtest MASE is above it,
                           ///< or that has none (NaN), moves nothing ahead
                           ///< of time: the part is taken at its observed
                           ///< rate (reacting), > 0
};

enum class decision_kind {
  split,           ///< split a part into `parts` sub-parts, in place
  move,            ///< move a part from shard `from` to shard `to`
  consolidate,     ///< bring a directory's parts home to `to` and merge them
  skip_budget,     ///< a move or consolidation left for a later period
  skip_hysteresis, ///< a directory kept split between the two thresholds
  skip_quiet,      ///< a move back refused within the quiet time
};

/// Why: what the planner saw when it decided.
struct reason {
  double forecast_peak = 0; ///< highest upper bound over the horizon, ops/s
  bool reacting = false;    ///< the rate observed over the last period
                            ///< set the peak: it was above the whole
                            ///< forecast, or the forecast was not trusted
                            ///< (backtest MASE above trust_mase, or none)
  int64_t peak_slot = 0;    ///< the slot of that peak
  int64_t horizon = 0;      ///< slots forecast
  std::string model;        ///< the model that forecast it
  double backtest_mase = std::nan(""); ///< its backtest error
  int cluster = 0;                     ///< cluster label (0: not clustered)
  double threshold = 0;                ///< the threshold compared with, ops/s
  uint32_t shard = 0;                  ///< the chosen shard
  double shard_peak = 0; ///< its predicted peak with this part, ops/s
  std::string note;      ///< one sentence for people
};

struct decision {
  int64_t at = 0; ///< slot of the planning
  decision_kind kind = decision_kind::split;
  part_id part;         ///< the part (consolidate: the directory's range)
  uint32_t from = 0;    ///< shard it is on
  uint32_t to = 0;      ///< shard it goes to (= from when nothing moves)
  uint32_t parts = 1;   ///< split: sub-parts; consolidate: parts merged
  uint64_t entries = 0; ///< entries that change shard (0 for a split)
  reason why;
};

/// Everything one planning needs.
struct plan_input {
  std::vector<part_input> parts;
  std::vector<shard_input> shards;
  settings config;
  std::vector<decision> recent; ///< earlier decisions (quiet time, budget)
  int64_t now = 0;              ///< the current slot
};

/// "split", "move", ..., "skip_quiet".
std::string to_string(decision_kind k);
/// Sets `out` to the kind named `s` (as to_string writes it); false, and
/// `out` unchanged, if none is.
bool parse_decision_kind(std::string_view s, decision_kind& out);
/// One line for people: kind, part, shards and the reason's figures.
std::string describe(const decision& d);

} // namespace ds::plan
