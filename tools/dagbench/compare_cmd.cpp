// dagbench compare: one workload against several sharding policies, each on
// a fresh in-process node, side by side in one table and one report.
//
// Policies:
//   home               every directory stays on its home shard; DAG nodes
//                      split on capacity only (no PSM)
//   hash               after the setup, every directory's 2^BITS parts are
//                      placed by hashing (directory, part) over the shards
//   predictive, reactive-capacity, reactive-load, static, off
//                      the node runs the PSM with that psm.policy; a daily
//                      workload's history (--days) is imported first, so
//                      that the run measures the day itself
#include <algorithm>
#include <cmath>
#include <fstream>
#include <iostream>

#include "actors/log.hpp"
#include "storage/shard_store.hpp"
#include "tools/dagbench/compare.hpp"

namespace ds::bench {

namespace {

double real_option(const args_map& a, const std::string& k, double dflt,
                   double lo, double hi) {
  auto i = a.find(k);
  if (i == a.end())
    return dflt;
  std::size_t used = 0;
  double v = 0;
  try {
    v = std::stod(i->second, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != i->second.size() || !std::isfinite(v) || v < lo ||
      v > hi)
    throw std::invalid_argument(
        "--" + k + " wants a number from " + std::to_string(lo) + " to " +
        std::to_string(hi) + ", got '" + i->second + "'");
  return v;
}

std::vector<std::string> policies_of(const args_map& a) {
  static const std::vector<std::string> known{
      "home",          "hash",   "predictive", "reactive-capacity",
      "reactive-load", "static", "off"};
  if (!a.count("policies"))
    return {"home", "hash"};
  std::vector<std::string> out;
  std::string list = a.at("policies");
  std::size_t pos = 0;
  while (true) {
    auto comma = list.find(',', pos);
    auto p = list.substr(pos, comma == std::string::npos ? comma : comma - pos);
    if (std::find(known.begin(), known.end(), p) == known.end())
      throw std::invalid_argument(
          "unknown policy '" + p +
          "' (home, hash, predictive, reactive-capacity, reactive-load, "
          "static, off)");
    out.push_back(p);
    if (comma == std::string::npos)
      return out;
    pos = comma + 1;
  }
}

compare_options options_of(const args_map& a, const generated& w) {
  compare_options o;
  o.shards = static_cast<uint32_t>(num(a, "shards", 4));
  o.spread_bits = num(a, "spread-bits", 2);
  if (o.spread_bits < 1 || o.spread_bits > 12)
    throw std::invalid_argument("--spread-bits wants 1..12");
  o.speed = real_option(a, "speed", 1, 1e-3, 1e3);
  o.dir_cache = dir_cache_option(a, o.dir_cache);
  if (a.count("sync")) {
    sync_mode m;
    if (!parse_sync_mode(a.at("sync"), m))
      throw std::invalid_argument("--sync wants full, normal or off");
    o.sync = a.at("sync");
  }
  o.shard_capacity = real_option(a, "shard-capacity", 0, 0, 1e9);
  o.slot_s = real_option(a, "slot", 1, 0.1, 60);
  double day_s = real_option(a, "period", 60, 1, 1e6);
  o.season = std::max<int64_t>(2, std::llround(day_s / o.slot_s));
  // A day ahead: the planner sees each day's surge from the day before.
  o.horizon =
      static_cast<int64_t>(real_option(a, "horizon", double(o.season), 1, 1e6));
  o.period = std::chrono::milliseconds(
      std::llround(1000 * real_option(a, "psm-period", 2, 0.1, 3600)));
  o.threshold = real_option(
      a, "threshold", o.shard_capacity > 0 ? 0.6 * o.shard_capacity : 1000,
      1e-3, 1e9);
  o.shard_target =
      real_option(a, "shard-target",
                  o.shard_capacity > 0 ? 0.8 * o.shard_capacity : 0, 0, 1e12);
  o.lead_s = real_option(a, "lead", 10, 0, 3600);
  o.objective_ms = real_option(a, "objective-ms", 20, 1e-3, 1e6);
  (void)w;
  return o;
}

} // namespace

int run_compare(caf::actor_system& sys, const args_map& a, bool js,
                nlohmann::json& out) {
  auto w = a.count("trace") ? read_trace(a.at("trace")) : make_workload(a);
  if (a.count("history"))
    w.history_us = std::llround(
        1e6 * real_option(a, "history", 0, 0, 1e9)); // a trace's past
  auto policies = policies_of(a);
  auto o = options_of(a, w);
  // The nodes' PSM logs each decision at info: the table sums them up.
  setup_logging("text", "warn");
  std::vector<labelled_run> runs;
  out["runs"] = nlohmann::json::array();
  int rc = 0;
  for (auto& policy : policies) {
    if (!js)
      std::cout << "== " << policy << std::endl;
    auto run = run_policy(sys, w, policy, o);
    out["runs"].push_back(to_json(run));
    if (!js)
      print_summary(std::cout, run);
    rc = rc != 0 || run.result.errors != 0 ? 1 : 0;
    runs.push_back(std::move(run));
  }
  if (!js) {
    std::cout << "\n";
    print_policy_table(std::cout, runs);
  }
  if (a.count("report")) {
    std::ofstream f(a.at("report"));
    write_html(f, "dagbench compare: " + w.label, runs);
  }
  return rc;
}

} // namespace ds::bench
