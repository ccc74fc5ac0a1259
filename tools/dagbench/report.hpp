// dagbench's outputs of a replay: a human summary, JSON, a CSV time series
// (one row per second) and a self-contained HTML report with SVG charts
// (per-shard load, latency and imbalance over time, splits marked) that
// opens in a browser without network access.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tools/dagbench/replay.hpp"

namespace ds::bench {

/// A hot directory's forecast, as its node's forecaster had it when the
/// evaluated day began, against the load the day then offered it (ops/s
/// per slot of the day; NaN where the forecast does not reach).
struct forecast_trace {
  std::string dir;
  std::string model;
  std::vector<double> actual, mean, upper;
  double mase = -1; ///< on the day's own series; -1: not computable
};

/// What dagbench compare measures of one policy's run, beyond the replay's
/// own figures.
struct policy_figures {
  std::string policy;
  double shard_capacity = 0;        ///< emulated ops/s per shard (0: none)
  double shard_target = 0;          ///< psm.shard-target (0: none)
  double objective_ms = 0;          ///< the latency objective
  uint64_t violation_seconds = 0;   ///< seconds with p99 above the objective
  uint64_t surge_seconds = 0;       ///< seconds offered >= 1.5 x the median
  workload::hdr_histogram surge_ns; ///< latencies during the surges
  double surge_max_mean = 0;        ///< shard load during the surges
  uint64_t splits = 0;              ///< DAG splits (capacity or planned)
  uint64_t moves = 0;               ///< migrations that ended
  uint64_t entries_moved = 0;
  uint64_t moves_undone = 0; ///< within the quiet time (planned moves)
  uint64_t planned_splits = 0, planned_moves = 0, consolidations = 0;
  double backtest_mase = -1; ///< mean over the planned splits/moves; -1: none
  uint64_t history_accesses = 0;      ///< imported before the day
  std::vector<forecast_trace> traces; ///< the hottest directories
  std::vector<std::string> decisions; ///< every planned decision, described
  double day_mase = -1;               ///< mean of the traces' MASE; -1: none
};

/// One labelled run (a workload against a target or a policy).
struct labelled_run {
  std::string label;
  replay_result result;
  std::optional<policy_figures> figures; ///< set by dagbench compare
};

/// The comparison table: one row per policy (runs with figures).
std::string policy_table(const std::vector<labelled_run>& runs);
/// The same as text, for the terminal.
void print_policy_table(std::ostream& out,
                        const std::vector<labelled_run>& runs);
nlohmann::json to_json(const policy_figures& f);

void print_summary(std::ostream& out, const labelled_run& run);
/// Shard operations of a run: the busiest shard's share and the share of
/// the root's home shard.
std::string shard_share_line(const replay_result& r);
nlohmann::json to_json(const labelled_run& run);
/// second,ops,errors,p50_us,p99_us,p999_us,imbalance,splits,shard0,...
void write_csv(std::ostream& out, const labelled_run& run);
/// One HTML page with a section of charts per run.
void write_html(std::ostream& out, const std::string& title,
                const std::vector<labelled_run>& runs);

} // namespace ds::bench
