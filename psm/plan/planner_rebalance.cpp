// Step 4's repair. Where the parts stay where they are and the ring has
// placed a split's sub-parts, some shard may still be predicted above the
// bound: its parts peak together. Single moves and swaps of the parts
// being placed then lower the overload, the sum over shards and slots of
// the squared rate above the bound, one change at a time, the change that
// removes most of it per move first, until no shard is above the bound, no
// change removes a useful share of it, or the period's budget is spent.
//
// The overload rather than the highest peak is what a change must lower:
// two parts busy by day and two by night on one shard peak at night
// whichever day part leaves, yet moving one lowers the overload by day, and
// the night part that follows finishes the job.
#include <algorithm>
#include <cstdio>
#include <optional>

#include "psm/plan/planner_impl.hpp"

namespace ds::plan::detail {

namespace {

/// How far above the bound a shard's predicted peak must be for the
/// repair to start, as a fraction of the bound.
constexpr double repair_slack = 0.05;

/// One candidate change: unit a to shard `to`, and unit b (if any) from
/// `to` to a's shard.
struct change {
  std::size_t a = 0;
  std::size_t b = 0;
  bool swap = false;
  uint32_t to = 0;
  double gain = 0;   ///< overload removed
  int64_t moves = 0; ///< moves added to the period's
  int64_t entries = 0;
};

/// More overload removed per move added, then fewer entries; on ties the
/// first found (the order of the search is fixed).
bool better(const change& x, const change& y) {
  double gx = x.gain / double(std::max<int64_t>(x.moves, 1));
  double gy = y.gain / double(std::max<int64_t>(y.moves, 1));
  if (gx != gy)
    return gx > gy;
  return x.entries < y.entries;
}

} // namespace

double planner::overload(uint32_t s, const std::vector<double>* take,
                         const std::vector<double>* give) const {
  return ring_->overload_after(s, take, give);
}

std::pair<int64_t, int64_t> planner::move_cost(const unit& u, uint32_t from,
                                               uint32_t to) const {
  int64_t m = int64_t(to != u.current) - int64_t(from != u.current);
  return {m, m * int64_t(u.entries)};
}

void planner::rebalance(const std::vector<unit>& units,
                        std::vector<placement>& where) {
  // A unit is free to move unless it moved within the quiet time or the
  // budget refused it a move already.
  auto free = [&](std::size_t i) {
    return !where[i].pinned && !where[i].skipped;
  };
  // A change must remove at least 5 % of the overload of the shards it
  // touches, and at least as much as 2 % of the bound above it over one
  // slot: tiny parts do not move for tiny gains.
  double floor = 0.02 * ring_->bound() * 0.02 * ring_->bound();
  // It starts only where a shard is predicted more than `repair_slack`
  // above the bound: a shard's predicted sum errs by about that much, and
  // repairing within it swaps parts back and forth on the forecasts' noise.
  double highest = 0;
  for (uint32_t s = 0; s < ring_->size(); ++s)
    highest = std::max(highest, ring_->peak(s));
  if (highest <= (1 + repair_slack) * ring_->bound())
    return;
  // Every change lowers the overload by a step, so the loop ends; the cap
  // is a guard.
  for (std::size_t round = 0; round < 4 * units.size() + 4; ++round) {
    std::vector<double> over(ring_->size());
    double total = 0;
    for (uint32_t s = 0; s < ring_->size(); ++s)
      total += over[s] = overload(s, nullptr, nullptr);
    if (total <= 0)
      return;
    // The best change allowed, and the best one at all (which the quiet
    // time or the budget may refuse: then it is the reason recorded).
    std::optional<change> best, wanted;
    bool wanted_quiet = false;
    auto consider = [&](const change& c, bool quiet, bool fits) {
      uint32_t from = where[c.a].at;
      if (c.gain < std::max(0.05 * (over[from] + over[c.to]), floor))
        return;
      if (!wanted || better(c, *wanted)) {
        wanted = c;
        wanted_quiet = quiet;
      }
      if (!quiet && fits && (!best || better(c, *best)))
        best = c;
    };
    for (std::size_t a = 0; a < units.size(); ++a) {
      uint32_t from = where[a].at;
      if (over[from] <= 0 || where[a].skipped)
        continue;
      const auto& ua = units[a];
      double left = overload(from, &ua.mean, nullptr);
      for (uint32_t to = 0; to < ring_->size(); ++to) {
        if (to == from)
          continue;
        auto [m, e] = move_cost(ua, from, to);
        double gain =
            over[from] + over[to] - left - overload(to, nullptr, &ua.mean);
        consider({a, 0, false, to, gain, m, e}, !free(a), budget_fits(m, e));
      }
      for (std::size_t b = 0; b < units.size(); ++b) {
        uint32_t to = where[b].at;
        if (to == from || where[b].skipped)
          continue;
        const auto& ub = units[b];
        auto [m1, e1] = move_cost(ua, from, to);
        auto [m2, e2] = move_cost(ub, to, from);
        double gain = over[from] + over[to] -
                      overload(from, &ua.mean, &ub.mean) -
                      overload(to, &ub.mean, &ua.mean);
        consider({a, b, true, to, gain, m1 + m2, e1 + e2}, !free(a) || !free(b),
                 budget_fits(m1 + m2, e1 + e2));
      }
    }
    if (!best) {
      if (wanted) {
        bool b_blocks = wanted->swap && wanted_quiet && free(wanted->a);
        auto i = b_blocks ? wanted->b : wanted->a;
        auto other = wanted->swap ? (b_blocks ? wanted->a : wanted->b) : i;
        blocked(units[i], where[i], b_blocks ? where[wanted->a].at : wanted->to,
                other != i ? &units[other].mean : nullptr, wanted_quiet);
      }
      return;
    }
    apply(units, where, best->a, best->swap ? best->b : units.size(), best->to);
  }
}

void planner::apply(const std::vector<unit>& units,
                    std::vector<placement>& where, std::size_t a, std::size_t b,
                    uint32_t to) {
  uint32_t from = where[a].at;
  double before = ring_->peak(from);
  auto shift = [&](std::size_t i, uint32_t dest) {
    auto [m, e] = move_cost(units[i], where[i].at, dest);
    moves_used_ = uint32_t(int64_t(moves_used_) + m);
    entries_used_ = uint64_t(int64_t(entries_used_) + e);
    ring_->remove(where[i].at, units[i].mean);
    ring_->add(dest, units[i].mean);
    where[i].at = dest;
  };
  shift(a, to);
  if (b < units.size())
    shift(b, from);
  char buf[200];
  std::snprintf(buf, sizeof buf,
                "rebalanced: shard %u was predicted at %.1f ops/s, above the "
                "bound of %.1f; %s brings it to %.1f",
                shards_[from]->id, before, ring_->bound(),
                b < units.size() ? "this swap" : "this move",
                ring_->peak(from));
  where[a].note = buf;
  if (b < units.size())
    where[b].note = buf;
}

void planner::blocked(const unit& u, placement& w, uint32_t to,
                      const std::vector<double>* swapped, bool quiet) {
  if (w.at != u.current)
    return; // moved by this planning already: that move stands
  char buf[160];
  std::snprintf(buf, sizeof buf,
                "; shard %u is predicted at %.1f ops/s, above the bound of "
                "%.1f",
                shards_[w.at]->id, ring_->peak(w.at), ring_->bound());
  skip(u, w, quiet ? decision_kind::skip_quiet : decision_kind::skip_budget, to,
       ring_->peak_after(to, swapped, &u.mean),
       (quiet ? "moved within the quiet time" : budget_note()) + buf);
}

} // namespace ds::plan::detail
