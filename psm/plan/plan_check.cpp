// Checking the planner's input, and naming and printing its decisions.
#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <set>

#include "model/enum_names.hpp"
#include "psm/plan/planner.hpp"

namespace ds::plan {

namespace {

bool rates_ok(const std::vector<double>& v) {
  return std::all_of(v.begin(), v.end(),
                     [](double x) { return std::isfinite(x) && x >= 0; });
}

/// log2 of the number of hashes in an aligned range (64 for all of them).
int range_bits(const hash_range& r) {
  uint64_t span = r.hi - r.lo;
  if (span == ~uint64_t{0})
    return 64;
  int bits = 0;
  while ((uint64_t{1} << bits) - 1 < span)
    ++bits;
  return bits;
}

std::string check_settings(const settings& c) {
  if (!(std::isfinite(c.threshold) && c.threshold > 0))
    return "threshold: must be a number > 0";
  if (!(c.exit_threshold > 0 && c.exit_threshold < c.threshold))
    return "exit_threshold: must be > 0 and below threshold";
  if (!(c.split_fill > 0 && c.split_fill <= 1))
    return "split_fill: must be in (0, 1]";
  if (c.period_slots < 1)
    return "period_slots: must be >= 1";
  if (c.quiet_slots < 0)
    return "quiet_slots: must be >= 0";
  if (c.cold_periods < 1)
    return "cold_periods: must be >= 1";
  if (!(c.trust_mase > 0))
    return "trust_mase: must be > 0";
  if (!(std::isfinite(c.capacity_factor) && c.capacity_factor >= 1))
    return "capacity_factor: must be >= 1";
  if (!(std::isfinite(c.shard_target) && c.shard_target >= 0))
    return "shard_target: must be >= 0";
  if (!(c.cluster_distance >= 0 && c.cluster_distance <= 2))
    return "cluster_distance: must be in [0, 2]";
  if (!(c.cluster_floor >= 0 && c.cluster_floor <= 1))
    return "cluster_floor: must be in [0, 1]";
  if (c.max_split < 1 || c.max_split > (1u << 20) ||
      (c.max_split & (c.max_split - 1)) != 0)
    return "max_split: must be a power of two in [1, 2^20]";
  return "";
}

std::string check_shards(const plan_input& in, std::size_t& h) {
  if (in.shards.empty())
    return "shards: none";
  h = in.shards.front().predicted.size();
  if (h == 0)
    return "shards: empty predicted curve (horizon 0)";
  std::set<uint32_t> ids;
  for (const auto& s : in.shards) {
    auto name = "shard " + std::to_string(s.id);
    if (!ids.insert(s.id).second)
      return name + ": listed twice";
    if (s.predicted.size() != h)
      return name + ": predicted curve of another length than the horizon";
    if (!rates_ok(s.predicted) || !(std::isfinite(s.load) && s.load >= 0))
      return name + ": negative or non-finite load";
  }
  return "";
}

std::string check_part(const part_input& p, const std::set<uint32_t>& shards,
                       std::size_t h) {
  auto name =
      "part " + std::to_string(p.id.dir) + ":" + std::to_string(p.id.range.lo);
  if (!p.id.range.aligned())
    return name + ": range is not an aligned block of hashes";
  if (!shards.count(p.shard) || !shards.count(p.home))
    return name + ": on an unknown shard or with an unknown home";
  if (p.forecast.mean.size() != h || p.forecast.upper.size() != h)
    return name + ": forecast of another length than the horizon";
  if (!rates_ok(p.forecast.mean) || !rates_ok(p.forecast.upper) ||
      !rates_ok(p.history))
    return name + ": negative or non-finite rate";
  for (const auto& c : p.leads_to)
    if (!(std::isfinite(c.rate) && c.rate >= 0))
      return name + ": co-access of negative or non-finite rate";
  return "";
}

} // namespace

std::string check(const plan_input& in) {
  if (auto e = check_settings(in.config); !e.empty())
    return "settings." + e;
  std::size_t h = 0;
  if (auto e = check_shards(in, h); !e.empty())
    return e;
  std::set<uint32_t> shards;
  for (const auto& s : in.shards)
    shards.insert(s.id);
  std::vector<part_id> ids;
  for (const auto& p : in.parts) {
    if (auto e = check_part(p, shards, h); !e.empty())
      return e;
    ids.push_back(p.id);
  }
  std::sort(ids.begin(), ids.end());
  for (std::size_t i = 1; i < ids.size(); ++i)
    if (ids[i].overlaps(ids[i - 1]))
      return "part " + std::to_string(ids[i].dir) + ":" +
             std::to_string(ids[i].range.lo) + ": overlaps another part";
  return "";
}

uint32_t sub_parts_needed(double peak, const hash_range& range,
                          const settings& cfg) {
  if (!(peak > cfg.threshold))
    return 1;
  double need = std::ceil(peak / (cfg.split_fill * cfg.threshold));
  int bits = range_bits(range);
  uint32_t n = 1;
  while (double(n) < need && n < cfg.max_split &&
         (bits > 31 || n < (1u << bits)))
    n *= 2;
  return n;
}

hash_range sub_range(const hash_range& r, uint32_t n, uint32_t i) {
  if (n <= 1)
    return r;
  int k = 0;
  while ((1u << k) < n)
    ++k;
  int sub_bits = range_bits(r) - k;
  uint64_t size = uint64_t{1} << sub_bits;
  hash_range out;
  out.lo = r.lo + uint64_t{i} * size;
  out.hi = out.lo + (size - 1);
  return out;
}

namespace {
constexpr enum_names<decision_kind, 6> kind_names{
    {"split", "move", "consolidate", "skip_budget", "skip_hysteresis",
     "skip_quiet"}};
} // namespace

std::string to_string(decision_kind k) {
  return kind_names(k);
}

bool parse_decision_kind(std::string_view s, decision_kind& out) {
  return kind_names.parse(s, out);
}

std::string describe(const decision& d) {
  char buf[512];
  const auto& w = d.why;
  std::snprintf(buf, sizeof buf,
                "@%" PRId64 " %s dir %" PRIu64 " [%016" PRIx64 ",%016" PRIx64
                "] shard %u->%u parts %u entries %" PRIu64
                ": peak %.1f ops/s at slot %" PRId64 " (horizon %" PRId64
                ", %s, MASE %.2f), cluster %d, threshold %.1f, shard %u "
                "peak %.1f",
                d.at, to_string(d.kind).c_str(), d.part.dir, d.part.range.lo,
                d.part.range.hi, d.from, d.to, d.parts, d.entries,
                w.forecast_peak, w.peak_slot, w.horizon,
                w.model.empty() ? "-" : w.model.c_str(), w.backtest_mase,
                w.cluster, w.threshold, w.shard, w.shard_peak);
  std::string out = buf;
  if (w.reacting)
    out += ", reacting: planned on the observed rate";
  if (!w.note.empty())
    out += ": " + w.note;
  return out;
}

} // namespace ds::plan
