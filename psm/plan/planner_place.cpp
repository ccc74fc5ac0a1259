// Steps 2 to 4 of a planning: cluster, split the hot parts, place the parts
// of hot clusters.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include "psm/clustering/linkage.hpp"
#include "psm/plan/planner_impl.hpp"

namespace ds::plan::detail {

bool planner::cold(uint64_t dir) const {
  return std::any_of(cold_.begin(), cold_.end(),
                     [&](const cold_dir& c) { return c.dir == dir; });
}

std::vector<int> planner::cluster() const {
  std::vector<int> labels(parts_.size(), 0);
  // A directory predicted below the exit threshold as a whole is one that
  // step 1 would bring home once spread: spreading it with a hot cluster
  // would only make it flap. Its parts stay where they are.
  std::map<uint64_t, std::vector<double>> dir_upper;
  for (std::size_t i = 0; i < parts_.size(); ++i) {
    auto& u = dir_upper[parts_[i]->id.dir];
    u.resize(h_, 0.0);
    add_to(u, upper_[i]);
  }
  std::vector<std::size_t> active;
  for (std::size_t i = 0; i < parts_.size(); ++i) {
    double peak = peak_of(upper_[i]).value;
    auto dir = parts_[i]->id.dir;
    // Near-idle parts cannot make a cluster hot; leaving them out keeps
    // the quadratic clustering to the parts that matter.
    if (!cold(dir) && peak > 0 && peak >= cfg_.cluster_floor * cfg_.threshold &&
        peak_of(dir_upper[dir]).value >= cfg_.exit_threshold)
      active.push_back(i);
  }
  if (active.size() == 1)
    labels[active.front()] = 1;
  if (active.size() < 2)
    return labels;
  std::vector<std::vector<double>> rows;
  for (auto i : active)
    rows.push_back(mean_[i]);
  auto dist = ds::cluster::pdist(rows, ds::cluster::metric::correlation);
  for (auto& d : dist)
    if (!std::isfinite(d)) // a flat forecast has no shape to share
      d = 1.0;
  with_co_access(active, dist);
  auto z =
      ds::cluster::linkage(dist, active.size(), ds::cluster::method::average);
  auto flat =
      ds::cluster::cut_by_height(z, active.size(), cfg_.cluster_distance);
  for (std::size_t k = 0; k < active.size(); ++k)
    labels[active[k]] = flat[k];
  return labels;
}

double planner::co_access_strength(std::size_t i, std::size_t j) const {
  // The rate at which i's accesses lead into j's directory, over the lower
  // of the two parts' mean predicted rates: 1 when every access of the
  // quieter one comes with the other.
  auto mean_rate = [&](std::size_t k) {
    double sum = 0;
    for (double x : mean_[k])
      sum += x;
    return mean_[k].empty() ? 0.0 : sum / double(mean_[k].size());
  };
  double lead = 0;
  for (const auto& c : parts_[i]->leads_to)
    if (c.dir == parts_[j]->id.dir && c.dir != parts_[i]->id.dir)
      lead += c.rate;
  if (lead <= 0)
    return 0; // most pairs: no link, nothing to average
  double low = std::min(mean_rate(i), mean_rate(j));
  return low > 0 ? std::min(1.0, lead / low) : 0.0;
}

void planner::with_co_access(const std::vector<std::size_t>& active,
                             std::vector<double>& dist) const {
  // Parts used together (one's hot names lead into the other's directory)
  // are closer by the strength of the link, whatever their shapes: at
  // strength 1 they are one, at 0.5 half as far apart.
  std::size_t n = active.size();
  for (std::size_t a = 0; a < n; ++a)
    for (std::size_t b = a + 1; b < n; ++b) {
      if (parts_[active[a]]->leads_to.empty() &&
          parts_[active[b]]->leads_to.empty())
        continue;
      double s = std::max(co_access_strength(active[a], active[b]),
                          co_access_strength(active[b], active[a]));
      if (s > 0)
        dist[n * a - a * (a + 1) / 2 + b - a - 1] *= 1 - s;
    }
}

std::vector<unit> planner::split_hot(const std::vector<int>& labels) {
  std::map<int, std::vector<double>> sums;
  for (std::size_t i = 0; i < parts_.size(); ++i)
    if (labels[i] > 0) {
      auto& s = sums[labels[i]];
      s.resize(h_, 0.0);
      add_to(s, upper_[i]);
    }
  std::vector<unit> units;
  for (std::size_t i = 0; i < parts_.size(); ++i) {
    if (labels[i] == 0 || peak_of(sums[labels[i]]).value <= cfg_.threshold)
      continue;
    const auto& p = *parts_[i];
    if (split_pending(p.id))
      continue; // settling: the view has not caught up with the split
    auto pk = peak_of(upper_[i]);
    uint32_t n = sub_parts_needed(pk.value, p.id.range, cfg_);
    if (n > 1) {
      auto why = reason_of(i, labels[i], pk);
      why.shard = p.shard;
      why.shard_peak = input_peak(p.shard);
      bool quiet = quiet_blocks_kind(p.id.dir, false);
      why.note = quiet ? "consolidated within the quiet time"
                       : "predicted above the threshold: " + std::to_string(n) +
                             " parts";
      auto d = make(quiet ? decision_kind::skip_quiet : decision_kind::split,
                    p.id, p.shard, p.shard, why);
      d.parts = n;
      out_.push_back(std::move(d));
      n = quiet ? 1 : n;
    }
    make_units(i, n, labels[i], units);
  }
  return units;
}

void planner::make_units(std::size_t i, uint32_t n, int label,
                         std::vector<unit>& out) const {
  const auto& p = *parts_[i];
  auto pk = peak_of(upper_[i]);
  for (uint32_t k = 0; k < n; ++k) {
    unit u;
    u.id = {p.id.dir, sub_range(p.id.range, n, k)};
    u.part = i;
    u.current = index_of_.at(p.shard);
    u.mean.assign(h_, 0.0);
    add_to(u.mean, mean_[i], 1.0 / n);
    u.counted.assign(h_, 0.0);
    add_to(u.counted, p.forecast.mean, 1.0 / n);
    u.peak = pk.value / n;
    u.peak_index = pk.index;
    u.now_rate = p.history.empty() ? 0.0 : p.history.back() / n;
    u.entries = p.entries / n + (k < p.entries % n ? 1 : 0);
    u.cluster = label;
    u.fresh = n > 1;
    out.push_back(std::move(u));
  }
}

void planner::place(std::vector<unit>& units) {
  // The parts being placed are lifted off their shards first, so that a
  // part that fits where it is stays there. What stays is what the shard
  // is predicted to carry without them, and over the next period at least
  // its current rate without theirs: the current rate alone would count a
  // part's own burst against the shard it is on, and move it for that.
  std::vector<std::vector<double>> base;
  std::vector<double> lifted(shards_.size(), 0.0), incoming(h_, 0.0);
  for (const auto* s : shards_)
    base.push_back(s->predicted);
  for (const auto& u : units) {
    add_to(incoming, u.mean);
    lifted[u.current] += u.now_rate;
    for (std::size_t t = 0; t < h_; ++t)
      base[u.current][t] = std::max(0.0, base[u.current][t] - u.counted[t]);
  }
  for (std::size_t s = 0; s < shards_.size(); ++s)
    for (std::size_t t = 0; t < std::min(h_, std::size_t(cfg_.period_slots));
         ++t)
      base[s][t] = std::max(base[s][t], shards_[s]->load - lifted[s]);
  ring_.emplace(std::move(base), incoming, cfg_.capacity_factor,
                cfg_.shard_target);
  std::sort(units.begin(), units.end(), [](const unit& a, const unit& b) {
    return a.peak != b.peak ? a.peak > b.peak : a.id < b.id;
  });
  std::map<int, spread> clusters;
  for (const auto& u : units)
    ++clusters[u.cluster].units;
  // The parts there are stay where they are; the sub-parts of a split
  // decided now are placed by the ring, around them. A part that moved
  // within the quiet time is pinned where it is.
  std::vector<placement> where(units.size());
  for (std::size_t i = 0; i < units.size(); ++i) {
    where[i].pinned = quiet_blocks_move(units[i].id);
    if (where[i].pinned || !units[i].fresh)
      keep(units[i], where[i], clusters[units[i].cluster]);
  }
  for (std::size_t i = 0; i < units.size(); ++i)
    if (!where[i].pinned && units[i].fresh)
      place_one(units[i], where[i], clusters[units[i].cluster]);
  rebalance(units, where);
  for (std::size_t i = 0; i < units.size(); ++i)
    emit(units[i], where[i]);
}

void planner::keep(const unit& u, placement& w, spread& mine) {
  w.at = u.current;
  ring_->add(w.at, u.mean);
  ++mine.on[w.at];
}

void planner::place_one(const unit& u, placement& w, spread& mine) {
  // A cluster's parts peak together: each shard takes its even share of
  // them (rounded up) while another shard has room. Counting shares rather
  // than refusing any second part keeps a cluster with more parts than
  // shards where it is from one planning to the next.
  std::size_t share = (mine.units + ring_->size() - 1) / ring_->size();
  uint64_t key = key_hash(key_hash(u.id.dir) ^ u.id.range.lo);
  uint32_t to = ring_->choose(key, u.mean, u.current,
                              [&](uint32_t s) { return mine.on[s] >= share; });
  w.at = to;
  if (to != u.current) {
    if (!budget_fits(1, int64_t(u.entries))) {
      skip(u, w, decision_kind::skip_budget, to, ring_->peak_with(to, u.mean),
           budget_note());
      w.at = u.current;
    } else {
      ++moves_used_;
      entries_used_ += u.entries;
    }
  }
  ring_->add(w.at, u.mean);
  ++mine.on[w.at];
}

void planner::skip(const unit& u, placement& w, decision_kind kind, uint32_t to,
                   double shard_peak, std::string note) {
  auto why = reason_of(u.part, u.cluster, {u.peak, u.peak_index});
  why.shard = shards_[to]->id;
  why.shard_peak = shard_peak;
  why.note = std::move(note);
  w.skip = make(kind, u.id, shards_[u.current]->id, shards_[to]->id, why);
  w.skip.entries = u.entries;
  w.skipped = true;
}

void planner::emit(const unit& u, const placement& w) {
  if (w.skipped) {
    out_.push_back(w.skip);
    return;
  }
  if (w.at == u.current)
    return;
  auto why = reason_of(u.part, u.cluster, {u.peak, u.peak_index});
  why.shard = shards_[w.at]->id;
  why.shard_peak = ring_->peak(w.at);
  if (!w.note.empty()) {
    why.note = w.note;
  } else {
    char buf[160];
    std::snprintf(buf, sizeof buf,
                  "cluster predicted above the threshold: spread within the "
                  "bound of %.1f ops/s per shard",
                  ring_->bound());
    why.note = buf;
  }
  auto d = make(decision_kind::move, u.id, shards_[u.current]->id,
                shards_[w.at]->id, why);
  d.entries = u.entries;
  out_.push_back(std::move(d));
}

} // namespace ds::plan::detail
