#include "psm/plan/churn.hpp"

namespace ds::plan {

namespace {

/// True if `back` returns hashes that `away` took from its `from` shard
/// within the quiet time: before slot away.at + quiet, from which the
/// planner may move the part again.
bool undoes(const decision& away, const decision& back, int64_t quiet) {
  if (back.at - away.at >= quiet || back.part.dir != away.part.dir)
    return false;
  if (back.to != away.from)
    return false;
  if (back.kind == decision_kind::move && back.from == back.to)
    return false; // nothing moved
  const auto& a = away.part.range;
  return a.overlaps(back.part.range.lo, back.part.range.hi);
}

} // namespace

churn tally(const std::vector<decision>& ds, int64_t quiet_slots) {
  churn c;
  std::vector<const decision*> moved; // earlier moves, oldest first
  for (auto& d : ds) {
    switch (d.kind) {
    case decision_kind::split:
      ++c.splits;
      continue;
    case decision_kind::skip_budget:
      ++c.skipped_budget;
      continue;
    case decision_kind::skip_hysteresis:
      ++c.skipped_hysteresis;
      continue;
    case decision_kind::skip_quiet:
      ++c.skipped_quiet;
      continue;
    case decision_kind::move:
      ++c.moves;
      break;
    case decision_kind::consolidate:
      ++c.consolidations;
      break;
    }
    c.entries_moved += d.entries;
    for (auto* m : moved)
      if (undoes(*m, d, quiet_slots)) {
        ++c.moves_undone;
        break;
      }
    if (d.kind == decision_kind::move)
      moved.push_back(&d);
  }
  return c;
}

} // namespace ds::plan
