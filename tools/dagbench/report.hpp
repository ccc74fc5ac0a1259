// dagbench's outputs of a replay: a human summary, JSON, a CSV time series
// (one row per second) and a self-contained HTML report with SVG charts
// (per-shard load, latency and imbalance over time, splits marked) that
// opens in a browser without network access.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tools/dagbench/replay.hpp"

namespace ds::bench {

/// One labelled run (a workload against a target or a policy).
struct labelled_run {
  std::string label;
  replay_result result;
};

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
