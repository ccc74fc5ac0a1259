// The bounded history of migrations (docs/ARCHITECTURE.md, "Bounded
// migration history"): settling a finished move's record, pruning the
// settled records beyond the bound that migration_settled carries, and
// reading the records page by page. Part of meta_state.
//
// Why only settled records go: a shard that was down when its move
// finished still holds the part frozen (exporting) or not yet served
// (pending), and the routers' scans finish it by its record. A record is
// settled only once both shards have done their side and report nothing
// about the move; a mark for it that shows up after that can only come
// from a step that was still on its way, and the scans undo it (thaw or
// discard, router_resolve.cpp).
//
// Pruning is part of applying a command, so every replica prunes the same
// records: the bound travels in the command, and age is measured from the
// command's own time (`now_ns`), never from a replica's clock.
#include <algorithm>

#include "model/meta/meta_state.hpp"

namespace ds {

namespace {

/// The longest quiet time a setting can ask for (parse_duration_ns refuses
/// more): a pruned move older than this cannot hold up a new one.
constexpr int64_t max_quiet_ns = int64_t{86400} * 1'000'000'000;

} // namespace

meta_result meta_state::apply_one(const migration_settled& cmd) {
  meta_result r{errc::ok, 0, epoch_};
  r.migration = cmd.migration;
  if (cmd.keep == 0 || cmd.keep_ns <= 0) {
    r.code = errc::einval;
    r.detail = "a history bound of 0";
    return r;
  }
  auto i = migrations_.find(cmd.migration);
  if (i == migrations_.end()) {
    // Pruned already (so settled): the same answer as a repeat. An id
    // never given is unknown.
    if (cmd.migration == 0 || cmd.migration >= next_migration_)
      r.code = errc::enoent;
    return r;
  }
  auto& m = i->second;
  if (m.state == migration_record::started) {
    r.code = errc::econflict; // its shards are still at work
    return r;
  }
  r.epoch = m.epoch;
  m.settled = true;
  prune(cmd);
  return r;
}

void meta_state::prune(const migration_settled& cmd) {
  // Oldest first; unsettled records stay whatever the bound, but count.
  auto kept = migrations_.size();
  auto horizon = cmd.now_ns - cmd.keep_ns;
  for (auto i = migrations_.begin(); i != migrations_.end();) {
    auto& m = i->second;
    bool old = cmd.now_ns != 0 && m.ended_ns != 0 && m.ended_ns < horizon;
    if (!m.settled || (kept <= cmd.keep && !old)) {
      ++i;
      continue;
    }
    if (m.state == migration_record::committed && m.ended_ns != 0) {
      // The quiet time still needs when this part moved: keep the latest
      // time per part.
      auto& parts = moved_[m.dir];
      auto same = std::find_if(parts.begin(), parts.end(),
                               [&](auto& p) { return p.range == m.range; });
      if (same == parts.end())
        parts.push_back(moved_part{m.range, m.ended_ns, m.id});
      else if (same->at_ns <= m.ended_ns)
        *same = moved_part{m.range, m.ended_ns, m.id};
    }
    i = migrations_.erase(i);
    --kept;
  }
  if (cmd.now_ns == 0)
    return;
  // Times no quiet time reaches any more go too.
  for (auto d = moved_.begin(); d != moved_.end();) {
    auto& parts = d->second;
    parts.erase(std::remove_if(parts.begin(), parts.end(),
                               [&](const moved_part& p) {
                                 return p.at_ns < cmd.now_ns - max_quiet_ns;
                               }),
                parts.end());
    d = parts.empty() ? moved_.erase(d) : std::next(d);
  }
}

migration_page meta_state::migrations_page(const migration_query& q) const {
  migration_page out;
  out.total = migrations_.size();
  out.entries_moved = entries_moved_;
  out.next_id = next_migration_;
  if (q.unsettled_only) {
    for (auto& [id, m] : migrations_)
      if (!m.settled)
        out.records.push_back(m);
    return out;
  }
  auto limit =
      q.limit == 0 ? max_migration_page : std::min(q.limit, max_migration_page);
  for (auto i = migrations_.upper_bound(q.after); i != migrations_.end(); ++i) {
    if (out.records.size() == limit) {
      out.more = true;
      break;
    }
    out.records.push_back(i->second);
  }
  return out;
}

} // namespace ds
