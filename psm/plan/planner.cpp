#include "psm/plan/planner.hpp"

#include <algorithm>
#include <stdexcept>

#include "psm/plan/planner_impl.hpp"

namespace ds::plan {

namespace detail {

planner::planner(const plan_input& in) : in_(in), cfg_(in.config) {
  for (const auto& p : in.parts)
    parts_.push_back(&p);
  std::sort(parts_.begin(), parts_.end(),
            [](auto* a, auto* b) { return a->id < b->id; });
  for (const auto& s : in.shards)
    shards_.push_back(&s);
  std::sort(shards_.begin(), shards_.end(),
            [](auto* a, auto* b) { return a->id < b->id; });
  for (uint32_t i = 0; i < shards_.size(); ++i)
    index_of_[shards_[i]->id] = i;
  h_ = in.shards.front().predicted.size();
  floor_by_observed();
  // What earlier plannings of this period already spent.
  for (const auto& d : in.recent)
    if (recent(d, cfg_.period_slots) &&
        (d.kind == decision_kind::move ||
         d.kind == decision_kind::consolidate)) {
      ++moves_used_;
      entries_used_ += d.entries;
    }
}

void planner::floor_by_observed() {
  // The reactive floor: where history teaches nothing (an unannounced
  // burst), the rate of the last period is assumed to last one more, as a
  // reactive policy assumes, so the planner does no worse than reacting.
  // A forecast whose model backtested worse than trust_mase (history that
  // teaches nothing, e.g. random bursts), or that has no backtest (a series
  // too short to score), does not move anything ahead of
  // time: for splitting and spreading the part is taken at its observed
  // rate over the whole horizon, as a reactive policy takes it. Nor does
  // it make a directory cold any sooner: judging consolidation keeps the
  // forecast's bound. A bad model thus causes no churn either way.
  auto len = std::size_t(cfg_.period_slots);
  for (const auto* p : parts_) {
    std::size_t n = std::min(len, p->history.size());
    double observed = 0;
    for (std::size_t k = 0; k < n; ++k)
      observed += p->history[p->history.size() - 1 - k] / double(n);
    auto up = p->forecast.upper;
    for (std::size_t t = 0; t < std::min(len, up.size()); ++t)
      up[t] = std::max(up[t], observed);
    double mase = p->forecast.backtest_mase;
    if (!(mase <= cfg_.trust_mase)) { // NaN included
      upper_.emplace_back(p->forecast.upper.size(), observed);
      mean_.emplace_back(p->forecast.mean.size(), observed);
      reacting_.push_back(true);
      cold_upper_.push_back(std::move(up));
      continue;
    }
    reacting_.push_back(observed > peak_of(p->forecast.upper).value);
    cold_upper_.push_back(up);
    upper_.push_back(std::move(up));
    mean_.push_back(p->forecast.mean);
  }
}

std::vector<decision> planner::run() {
  find_cold();
  auto labels = cluster();
  auto units = split_hot(labels);
  place(units);
  consolidate();
  return std::move(out_);
}

decision planner::make(decision_kind k, const part_id& id, uint32_t from,
                       uint32_t to, reason why) const {
  decision d;
  d.at = in_.now;
  d.kind = k;
  d.part = id;
  d.from = from;
  d.to = to;
  d.why = std::move(why);
  return d;
}

reason planner::reason_of(std::size_t i, int cluster,
                          const peak_info& pk) const {
  const auto& p = *parts_[i];
  reason r;
  r.forecast_peak = pk.value;
  r.reacting = reacting_[i];
  r.peak_slot = in_.now + 1 + int64_t(pk.index);
  r.horizon = int64_t(h_);
  r.model = p.forecast.model;
  r.backtest_mase = p.forecast.backtest_mase;
  r.cluster = cluster;
  r.threshold = cfg_.threshold;
  return r;
}

bool planner::budget_fits(int64_t moves, int64_t entries) const {
  return int64_t(moves_used_) + moves <= int64_t(cfg_.max_moves) &&
         int64_t(entries_used_) + entries <= int64_t(cfg_.max_entries_moved);
}

std::string planner::budget_note() const {
  return "budget spent: " + std::to_string(moves_used_) + " of " +
         std::to_string(cfg_.max_moves) + " moves, " +
         std::to_string(entries_used_) + " of " +
         std::to_string(cfg_.max_entries_moved) + " entries this period";
}

bool planner::quiet_blocks_move(const part_id& id) const {
  for (const auto& d : in_.recent)
    if (recent(d, cfg_.quiet_slots) && d.part.overlaps(id) &&
        (d.kind == decision_kind::move || d.kind == decision_kind::consolidate))
      return true;
  return false;
}

bool planner::split_pending(const part_id& id) const {
  for (const auto& d : in_.recent)
    if (d.kind == decision_kind::split && d.part == id &&
        recent(d, 2 * cfg_.period_slots))
      return true;
  return false;
}

/// A split or spread of `dir` is blocked by a recent consolidation of it;
/// a consolidation (want_consolidate) by a recent split or move.
bool planner::quiet_blocks_kind(uint64_t dir, bool want_consolidate) const {
  for (const auto& d : in_.recent) {
    if (d.part.dir != dir || !recent(d, cfg_.quiet_slots))
      continue;
    bool spread =
        d.kind == decision_kind::split || d.kind == decision_kind::move;
    if (want_consolidate ? spread : d.kind == decision_kind::consolidate)
      return true;
  }
  return false;
}

std::vector<double> planner::shard_curve(uint32_t s) const {
  auto c = shards_[s]->predicted;
  for (std::size_t t = 0;
       t < std::min(c.size(), std::size_t(cfg_.period_slots)); ++t)
    c[t] = std::max(c[t], shards_[s]->load);
  return c;
}

double planner::input_peak(uint32_t shard_id) const {
  return peak_of(shard_curve(index_of_.at(shard_id))).value;
}

void planner::find_cold() {
  std::size_t i = 0;
  while (i < parts_.size()) {
    std::vector<std::size_t> group;
    uint64_t dir = parts_[i]->id.dir;
    for (; i < parts_.size() && parts_[i]->id.dir == dir; ++i)
      group.push_back(i);
    judge_dir(dir, group);
  }
}

/// The highest summed rate of the group's histories over their last
/// `window` slots (aligned at their ends), and whether every history
/// covers the window.
static std::pair<double, bool>
observed_peak(const std::vector<const part_input*>& parts,
              const std::vector<std::size_t>& group, std::size_t window) {
  std::size_t have = window;
  for (auto i : group)
    have = std::min(have, parts[i]->history.size());
  double peak = 0;
  for (std::size_t k = 0; k < have; ++k) {
    double sum = 0;
    for (auto i : group)
      sum += parts[i]->history[parts[i]->history.size() - 1 - k];
    peak = std::max(peak, sum);
  }
  return {peak, have == window};
}

void planner::judge_dir(uint64_t dir, const std::vector<std::size_t>& group) {
  bool spread = group.size() > 1;
  std::size_t lead = group.front();
  std::vector<double> upper(h_, 0.0);
  for (auto i : group) {
    spread = spread || parts_[i]->shard != parts_[i]->home;
    add_to(upper, cold_upper_[i]);
    if (peak_of(cold_upper_[i]).value > peak_of(cold_upper_[lead]).value)
      lead = i;
  }
  auto pk = peak_of(upper);
  if (!spread || pk.value >= cfg_.threshold)
    return; // whole, or still hot: nothing to bring back
  auto window = std::size_t(cfg_.cold_periods * cfg_.period_slots);
  auto [observed, long_enough] = observed_peak(parts_, group, window);
  uint32_t home = parts_[group.front()]->home;
  if (pk.value < cfg_.exit_threshold && observed < cfg_.exit_threshold &&
      long_enough) {
    cold_.push_back({dir, group, upper});
    return;
  }
  auto why = reason_of(lead, 0, pk);
  why.threshold = cfg_.exit_threshold;
  why.shard = home;
  why.shard_peak = input_peak(home);
  why.note = pk.value >= cfg_.exit_threshold
                 ? "predicted between the exit threshold and the threshold"
             : !long_enough
                 ? "history shorter than the cold periods"
                 : "observed above the exit threshold within the cold periods";
  auto d = make(decision_kind::skip_hysteresis, {dir, hash_range{}},
                parts_[group.front()]->shard, home, why);
  d.parts = uint32_t(group.size());
  out_.push_back(std::move(d));
}

void planner::consolidate() {
  for (const auto& c : cold_)
    consolidate_one(c);
}

void planner::consolidate_one(const cold_dir& c) {
  uint32_t home = parts_[c.parts.front()]->home, from = home;
  uint64_t entries = 0;
  std::vector<double> moved(h_, 0.0);
  std::size_t lead = c.parts.front();
  for (auto i : c.parts) {
    const auto& p = *parts_[i];
    if (p.shard != home) {
      from = from == home ? p.shard : from;
      entries += p.entries;
      add_to(moved, mean_[i]);
    }
    if (peak_of(upper_[i]).value > peak_of(upper_[lead]).value)
      lead = i;
  }
  auto why = reason_of(lead, 0, peak_of(c.upper));
  why.threshold = cfg_.exit_threshold;
  why.shard = home;
  why.shard_peak = ring_->peak_with(index_of_.at(home), moved);
  auto kind = decision_kind::consolidate;
  if (quiet_blocks_kind(c.dir, true)) {
    kind = decision_kind::skip_quiet;
    why.note = "split or moved within the quiet time";
  } else if (!budget_fits(1, int64_t(entries))) {
    kind = decision_kind::skip_budget;
    why.note = budget_note();
  } else {
    ++moves_used_;
    entries_used_ += entries;
    ring_->add(index_of_.at(home), moved);
    why.note = "predicted and observed below the exit threshold for " +
               std::to_string(cfg_.cold_periods) + " periods";
  }
  auto d = make(kind, {c.dir, hash_range{}}, from, home, why);
  d.parts = uint32_t(c.parts.size());
  d.entries = entries;
  out_.push_back(std::move(d));
}

} // namespace detail

plan_input with_pending_moves(const plan_input& in) {
  auto window = 2 * std::max<int64_t>(in.config.period_slots, 1);
  auto pending = [&](const part_input& p) -> const decision* {
    const decision* newest = nullptr;
    for (const auto& d : in.recent)
      if (d.kind == decision_kind::move && d.part == p.id &&
          d.from == p.shard && d.to != p.shard && d.at > in.now - window &&
          d.at <= in.now && (!newest || d.at > newest->at))
        newest = &d;
    return newest;
  };
  auto shard = [](plan_input& x, uint32_t id) -> shard_input* {
    for (auto& s : x.shards)
      if (s.id == id)
        return &s;
    return nullptr;
  };
  bool any = false;
  for (const auto& p : in.parts)
    any = any || pending(p);
  if (!any)
    return in;
  plan_input out = in;
  for (auto& p : out.parts) {
    const auto* d = pending(p);
    auto* from = d ? shard(out, p.shard) : nullptr;
    auto* to = d ? shard(out, d->to) : nullptr;
    if (!from || !to)
      continue;
    double now = p.history.empty() ? 0 : p.history.back();
    from->load = std::max(0.0, from->load - now);
    to->load += now;
    for (std::size_t t = 0; t < p.forecast.mean.size(); ++t) {
      from->predicted[t] =
          std::max(0.0, from->predicted[t] - p.forecast.mean[t]);
      to->predicted[t] += p.forecast.mean[t];
    }
    p.shard = d->to;
  }
  return out;
}

std::vector<decision> plan(const plan_input& in) {
  if (auto e = check(in); !e.empty())
    throw std::invalid_argument("plan: " + e);
  auto now = with_pending_moves(in);
  return detail::planner(now).run();
}

} // namespace ds::plan
