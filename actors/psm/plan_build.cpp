#include "actors/psm/plan_build.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <map>

namespace ds::psm_actor {

namespace {

bool parse_dir(const std::string& s, inode_id& out) {
  if (s.empty() || s.size() > 20 || s[0] < '0' || s[0] > '9')
    return false;
  char* end = nullptr;
  errno = 0;
  auto v = std::strtoull(s.c_str(), &end, 10);
  if (errno != 0 || end != s.c_str() + s.size() || v == 0)
    return false;
  out = v;
  return true;
}

/// `v` cut or stretched (by its last value, or `fill`) to `n` values.
std::vector<double> fit(std::vector<double> v, std::size_t n, double fill) {
  if (!v.empty())
    fill = v.back();
  v.resize(n, fill);
  for (auto& x : v)
    if (!std::isfinite(x) || x < 0)
      x = 0;
  return v;
}

double mean_of(const std::vector<double>& v, std::size_t from, std::size_t to) {
  if (to <= from)
    return 0;
  double s = 0;
  for (auto i = from; i < to; ++i)
    s += v[i];
  return s / double(to - from);
}

/// The rate seen over the last two periods: slot by slot, the lower of it
/// and the same slot a period earlier.
std::vector<double> two_period_floor(const std::vector<double>& h,
                                     std::size_t period) {
  std::vector<double> out(h.size(), 0);
  for (std::size_t t = 0; t < h.size(); ++t)
    out[t] = t >= period ? std::min(h[t], h[t - period]) : 0;
  return out;
}

plan::part_input part_of(const psm_part_state& s, inode_id dir,
                         const plan_context& ctx, int64_t now) {
  plan::part_input p;
  p.id = {dir, {s.key.lo, s.key.hi}};
  p.shard = s.shard;
  p.home = ctx.home(dir);
  p.entries = s.entries;
  auto h = std::size_t(ctx.horizon);
  double last = s.recent.empty() ? 0 : s.recent.back();
  auto& f = s.forecast;
  if (ctx.settings.policy == psm_policy::policy_kind::reactive_load) {
    auto per = std::size_t(std::max<int64_t>(ctx.period_slots, 1));
    p.history = two_period_floor(s.recent, per);
    double seen =
        mean_of(p.history, p.history.size() - std::min(per, p.history.size()),
                p.history.size());
    p.forecast.mean.assign(h, seen);
    p.forecast.upper.assign(h, seen);
    p.forecast.model = "observed";
    return p;
  }
  p.history = s.recent;
  for (std::size_t i = 0; i < std::min(s.lead_dirs.size(), s.lead_rates.size());
       ++i)
    if (std::isfinite(s.lead_rates[i]) && s.lead_rates[i] > 0)
      p.leads_to.push_back({s.lead_dirs[i], s.lead_rates[i]});
  // A forecast made at an earlier slot than the planning's starts that
  // many slots in the past: what it says of slot now + 1 comes later in
  // it. One older than its whole length says nothing of what is to come.
  auto lag = now > int64_t(f.origin) ? std::size_t(now - int64_t(f.origin)) : 0;
  auto from_now = [&](const std::vector<double>& v) {
    return std::vector<double>(v.begin() + long(std::min(lag, v.size())),
                               v.end());
  };
  if (f.has_forecast && lag < f.mean.size()) {
    p.forecast.mean = fit(from_now(f.mean), h, last);
    p.forecast.upper =
        fit(from_now(f.upper.empty() ? f.mean : f.upper), h, last);
    p.forecast.model = f.model;
    if (f.backtested)
      p.forecast.backtest_mase = f.backtest_mase;
  } else {
    p.forecast.mean.assign(h, last);
    p.forecast.upper.assign(h, last);
    p.forecast.model = "last-rate";
  }
  return p;
}

} // namespace

int64_t quiet_slots(double quiet_seconds, double slot_seconds) {
  return int64_t(std::ceil(quiet_seconds / std::max(slot_seconds, 1e-3)));
}

std::vector<psm_part_state>
merge_views(const std::vector<psm_node_forecasts>& views) {
  std::map<access::series_key, const psm_part_state*> best;
  for (auto& v : views)
    for (auto& p : v.parts) {
      if (!p.key.part)
        continue;
      auto& b = best[p.key];
      if (!b || p.reported > b->reported ||
          (p.reported == b->reported && p.shard < b->shard))
        b = &p;
    }
  // A directory's parts change as it is split and spread: a part reported
  // before a split overlaps the sub-parts reported after it. The newest
  // report of each stretch of hashes wins; what it overlaps is history.
  std::vector<const psm_part_state*> by_age;
  for (auto& [k, p] : best)
    by_age.push_back(p);
  std::stable_sort(by_age.begin(), by_age.end(),
                   [](auto* a, auto* b) { return a->reported > b->reported; });
  std::vector<const psm_part_state*> kept;
  for (auto* p : by_age) {
    bool covered = false;
    for (auto* q : kept)
      covered =
          covered ||
          (q->key.dir == p->key.dir &&
           hash_range{q->key.lo, q->key.hi}.overlaps(p->key.lo, p->key.hi));
    if (!covered)
      kept.push_back(p);
  }
  std::sort(kept.begin(), kept.end(),
            [](auto* a, auto* b) { return a->key < b->key; });
  std::vector<psm_part_state> out;
  for (auto* p : kept)
    out.push_back(*p);
  return out;
}

int64_t newest_slot(const std::vector<psm_node_forecasts>& views) {
  uint64_t n = 0;
  for (auto& v : views)
    n = std::max(n, v.newest);
  return int64_t(n);
}

plan::plan_input build_input(const std::vector<psm_part_state>& parts,
                             const plan_context& ctx, int64_t now) {
  plan::plan_input in;
  in.config = ctx.settings.plan;
  in.config.period_slots = std::max<int64_t>(ctx.period_slots, 1);
  in.config.quiet_slots =
      quiet_slots(ctx.settings.quiet_seconds, ctx.slot_seconds);
  in.now = now;
  in.recent = ctx.recent;
  auto h = std::size_t(std::max<int64_t>(ctx.horizon, 1));
  for (uint32_t s = 0; s < ctx.shards; ++s)
    in.shards.push_back({s, 0, std::vector<double>(h, 0)});
  for (auto& s : parts) {
    inode_id dir = 0;
    if (!parse_dir(s.key.dir, dir) || s.shard >= ctx.shards ||
        !hash_range{s.key.lo, s.key.hi}.aligned())
      continue;
    auto p = part_of(s, dir, ctx, now);
    auto& sh = in.shards[p.shard];
    sh.load += p.history.empty() ? 0 : p.history.back();
    for (std::size_t t = 0; t < h; ++t)
      sh.predicted[t] += p.forecast.mean[t];
    in.parts.push_back(std::move(p));
  }
  return in;
}

std::vector<plan::decision>
static_plan(const std::vector<psm_part_state>& parts, const plan_context& ctx,
            int64_t now) {
  std::vector<plan::decision> out;
  auto n = ctx.settings.static_parts;
  if (n <= 1 || ctx.shards <= 1)
    return out; // one part per directory: the home holds it
  uint32_t moves = 0;
  for (auto& s : parts) {
    inode_id dir = 0;
    hash_range r{s.key.lo, s.key.hi};
    if (!parse_dir(s.key.dir, dir) || !r.aligned() || s.shard >= ctx.shards)
      continue;
    // The fixed grid: a part wider than 1/n of the hash space is cut.
    uint64_t cell = ~uint64_t{0} / n; // span of one grid cell
    uint32_t cut = 1;
    while (cut < n && (r.hi - r.lo) / cut > cell)
      cut *= 2;
    plan::decision d;
    d.at = now;
    d.part = {dir, r};
    d.from = d.to = s.shard;
    d.why.model = "static";
    d.why.horizon = ctx.horizon;
    if (cut > 1) {
      d.kind = plan::decision_kind::split;
      d.parts = cut;
      d.why.note =
          "static policy: every directory in " + std::to_string(n) + " parts";
      out.push_back(d);
    }
    auto home = ctx.home(dir);
    for (uint32_t i = 0; i < cut; ++i) {
      auto sub = cut > 1 ? plan::sub_range(r, cut, i) : r;
      // Cell k of the grid lives on the k-th shard after the home.
      auto k = uint32_t(sub.lo / (cell + 1));
      auto to = (home + k) % ctx.shards;
      if (to == s.shard)
        continue;
      plan::decision m = d;
      m.kind = moves < ctx.settings.plan.max_moves
                   ? plan::decision_kind::move
                   : plan::decision_kind::skip_budget;
      m.part.range = sub;
      m.parts = 1;
      m.to = to;
      m.why.shard = to;
      m.why.note = "static policy: grid cell " + std::to_string(k) +
                   " lives on the shard " + std::to_string(k) +
                   " after the home";
      moves += m.kind == plan::decision_kind::move;
      out.push_back(m);
    }
  }
  return out;
}

std::vector<plan::decision> decide(const std::vector<psm_node_forecasts>& views,
                                   const plan_context& ctx) {
  using psm_policy::policy_kind;
  auto parts = merge_views(views);
  auto now = newest_slot(views);
  switch (ctx.settings.policy) {
  case policy_kind::predictive:
  case policy_kind::reactive_load: {
    if (parts.empty() || ctx.shards == 0)
      return {};
    auto in = build_input(parts, ctx, now);
    if (in.parts.empty())
      return {};
    return plan::plan(in);
  }
  case policy_kind::fixed:
    return static_plan(parts, ctx, now);
  default:
    return {};
  }
}

} // namespace ds::psm_actor
