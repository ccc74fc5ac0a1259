#include "client/reply_json.hpp"

#include <cmath>

#include <iomanip>
#include <sstream>
#include <type_traits>

#include <nlohmann/json.hpp>

namespace ds {

using json = nlohmann::json;

json to_json(const attrs& a) {
  json out = json::object();
  for_each_field(a, [&](const char* name, auto value) {
    if constexpr (std::is_same_v<decltype(value), std::string_view>)
      out[name] = std::string{value};
    else
      out[name] = value;
  });
  return out;
}

json to_json(const dirent& e) {
  return json{
      {"name", e.name}, {"kind", to_string(e.a.kind)}, {"ino", e.a.ino}};
}

json to_json(const shard_info& x) {
  return json{{"shard", x.shard},
              {"node", x.node},
              {"reachable", x.reachable},
              {"dirs", x.stats.dirs},
              {"dag_nodes", x.stats.nodes},
              {"entries", x.stats.entries},
              {"ops", x.stats.ops},
              {"splits", x.stats.splits},
              {"merges", x.stats.merges},
              {"parts_in", x.stats.parts_in},
              {"parts_out", x.stats.parts_out},
              {"entries_moved_in", x.stats.moved_in},
              {"entries_moved_out", x.stats.moved_out},
              {"wrong_shard", x.stats.wrong_shard},
              {"replayed", x.stats.replayed},
              {"commits", x.commits}};
}

json to_json(const node_info& x) {
  return json{{"id", x.id},
              {"address", x.address},
              {"self", x.self},
              {"reachable", x.reachable},
              {"detail", x.detail}};
}

json to_json(const raft_status& x) {
  return json{{"id", x.id},
              {"reachable", x.reachable},
              {"role", x.role},
              {"term", x.term},
              {"leader", x.leader},
              {"commit", x.commit},
              {"applied", x.applied},
              {"first", x.first},
              {"last", x.last},
              {"snapshot", x.snapshot},
              {"log_entries", x.stored}};
}

json to_json(const std::string& node, const group_state_info& x) {
  json j{{"shard", x.group},         {"node", node},
         {"role", x.role},           {"term", x.term},
         {"leader", x.leader},       {"last", x.last},
         {"commit", x.committed},    {"applied", x.applied},
         {"quiescent", x.quiescent}, {"voters", x.voters},
         {"snapshot", x.snapshot}};
  if (!x.match.empty())
    j["match"] = x.match;
  return j;
}

json to_json(const config_entry& e) {
  return json{{"key", e.key}, {"value", e.value}, {"version", e.version}};
}

json to_json(const migration_record& m) {
  return json{{"id", m.id},
              {"dir", m.dir},
              {"lo", hex64(m.range.lo)},
              {"hi", hex64(m.range.hi)},
              {"from", m.from},
              {"to", m.to},
              {"state", to_string(m.state)},
              {"epoch", m.epoch},
              {"settled", m.settled},
              {"entries", m.entries}};
}

json to_json(const router_stats& s) {
  return json{{"routed", s.routed},
              {"cache_hits", s.cache_hits},
              {"cache_misses", s.cache_misses},
              {"wrong_shard", s.wrong_shard},
              {"refreshes", s.refreshes},
              {"retries", s.retries},
              {"redirects", s.redirects},
              {"not_leader", s.not_leader},
              {"unanswered", s.unanswered},
              {"leader_pushes", s.leader_pushes},
              {"copy_restarts", s.copy_restarts},
              {"outcome_unknown", s.outcome_unknown},
              {"gave_up",
               {{"no_leader", s.gave_up_no_leader},
                {"no_placement", s.gave_up_no_placement},
                {"moving", s.gave_up_moving},
                {"unknown", s.gave_up_unknown}}},
              {"pushes", s.pushes},
              {"dir_hits", s.dir_hits},
              {"dir_misses", s.dir_misses},
              {"dir_stale", s.dir_stale},
              {"dir_evictions", s.dir_evictions},
              {"dir_entries", s.dir_entries}};
}

json placement_json(const std::string& path, const placement_info& x) {
  return json{{"path", path},     {"dir", x.dir},     {"dag_node", x.node},
              {"shard", x.shard}, {"node", x.member}, {"epoch", x.epoch}};
}

std::string hex64(uint64_t x) {
  std::ostringstream s;
  s << "0x" << std::hex << std::setw(16) << std::setfill('0') << x;
  return s.str();
}

std::string error_line(errc code, const std::string& subject) {
  return std::string{to_string(code)} + ": " + subject;
}

std::string conflict_line(const std::string& key, uint64_t now,
                          uint64_t wanted) {
  return "ECONFLICT: " + key + " is at version " + std::to_string(now) +
         ", not " + std::to_string(wanted);
}

nlohmann::json to_json(const plan::decision& d) {
  auto& w = d.why;
  using json = nlohmann::json;
  json why{{"forecast_peak", w.forecast_peak},
           {"reacting", w.reacting},
           {"peak_slot", w.peak_slot},
           {"horizon", w.horizon},
           {"model", w.model},
           {"cluster", w.cluster},
           {"threshold", w.threshold},
           {"shard", w.shard},
           {"shard_peak", w.shard_peak},
           {"note", w.note}};
  why["backtest_mase"] =
      std::isnan(w.backtest_mase) ? json(nullptr) : json(w.backtest_mase);
  return json{{"at", d.at},
              {"kind", plan::to_string(d.kind)},
              {"dir", d.part.dir},
              {"lo", d.part.range.lo},
              {"hi", d.part.range.hi},
              {"from", d.from},
              {"to", d.to},
              {"parts", d.parts},
              {"entries", d.entries},
              {"reason", why}};
}

nlohmann::json psm_status_json(const psm_status& s,
                               const std::vector<psm_planning>& kept) {
  nlohmann::json last = nullptr;
  if (!kept.empty()) {
    auto& p = kept.back();
    last = {{"at", p.at},         {"policy", p.policy},
            {"node", p.node},     {"decisions", p.count},
            {"series", p.series}, {"cost_us", p.cost_us}};
  }
  return {{"node", s.node},
          {"active", s.active},
          {"policy", s.policy},
          {"periods", s.ticks},
          {"plannings", s.plannings},
          {"executed", s.executed},
          {"failed", s.failed},
          {"last_error", s.last_error},
          {"kept_plannings", kept.size()},
          {"last_planning", last}};
}

nlohmann::json series_json(const std::string& path, const psm_series_view& v) {
  using json = nlohmann::json;
  json hist = json::array();
  for (size_t i = 0; i < v.slots.size(); ++i)
    hist.push_back(
        {{"slot", v.slots[i]}, {"width", v.widths[i]}, {"ops", v.totals[i]}});
  json out = {{"path", path},
              {"dir", v.key.dir},
              {"slot_seconds", v.slot_seconds},
              {"history", hist},
              {"forecast", nullptr}};
  if (v.has_forecast)
    out["forecast"] = {
        {"origin", v.origin},
        {"level", v.level},
        {"model", v.model},
        {"family", v.family},
        {"backtest_mase", v.backtested ? json(v.backtest_mase) : json(nullptr)},
        {"escalated", v.escalated},
        {"mean", v.mean},
        {"lower", v.lower},
        {"upper", v.upper}};
  return out;
}

} // namespace ds
