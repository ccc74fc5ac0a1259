// Settling moves whose driver is gone (docs/ARCHITECTURE.md, "Parts of
// directories"). A driver can die, or lose an answer, at any step; what it
// leaves is durable: the migration's record in the metadata log, and the
// exporting and pending marks on the shards. Every router scans
// periodically:
//
// - the log: a started move whose progress count has not grown for a move
//   lease, as this router saw it, has lost its driver (a live one renews
//   every third of a lease, however slow its copy); the router of the
//   source's node proposes its abort. The log decides between that abort
//   and a late commit. Age alone never aborts a move.
// - its own node's shards: a part marked by a decided move and seen by two
//   scans in a row is finished as its record says: committed, release at
//   the source and only then activate at the destination (the driver's
//   order, whichever side this node holds); aborted, thaw or discard. A
//   started move's marks wait for the log to decide.
// - settled moves (router_history.cpp): a mark whose move is settled
//   (its record settled, kept or pruned) came from a copy step that was
//   still on its way when both shards had finished; it is undone: thaw or
//   discard.
#include <caf/all.hpp>

#include "actors/log.hpp"
#include "actors/router/router.hpp"

namespace ds {

void router_state::resolve_scan() {
  auto found =
      std::make_shared<std::vector<std::pair<uint32_t, unresolved_part>>>();
  auto left = std::make_shared<size_t>(cluster.shards_per_node());
  auto done = [this, found] {
    std::set<std::pair<uint32_t, uint64_t>> now;
    std::vector<std::pair<uint32_t, unresolved_part>> ripe;
    for (auto& [s, u] : *found) {
      auto key = std::make_pair(s, u.part.migration);
      now.insert(key);
      if (seen_unresolved.count(key))
        ripe.emplace_back(s, u);
    }
    seen_unresolved = std::move(now);
    if (!metadata)
      return;
    // The records not settled yet: those the scan may act on.
    self->request(metadata, timeout, migrations_atom::value,
                  migration_query{0, 0, true})
        .then(
            [this, ripe](migration_page& log) mutable {
              scan_log(std::move(log), std::move(ripe));
            },
            [](caf::error&) {}); // the next scan tries again
  };
  for (uint32_t k = 0; k < cluster.shards_per_node(); ++k) {
    auto g = cluster.global_shard(cluster.self_index(), k);
    part_step(g, part_list_unresolved{}, [g, found, left, done](part_reply r) {
      for (auto& u : r.unresolved)
        found->emplace_back(g, u);
      if (--*left == 0)
        done();
    });
  }
}

void router_state::scan_log(
    migration_page log,
    std::vector<std::pair<uint32_t, unresolved_part>> ripe) {
  auto now = self->clock().now();
  decltype(watched) next;
  std::vector<uint64_t> lapsed;
  for (auto& m : log.records) {
    if (m.state != migration_record::started)
      continue;
    auto i = watched.find(m.id);
    bool same = i != watched.end() && i->second.first == m.progress;
    auto since = same ? i->second.second : now;
    next[m.id] = {m.progress, since};
    // One node proposes the abort: the source's, which the move needs.
    if (now - since >= move_lease &&
        cluster.node_of(m.from) == cluster.self_index())
      lapsed.push_back(m.id);
  }
  watched = std::move(next);
  auto shared = std::make_shared<migration_page>(std::move(log));
  auto then = [this, shared, ripe] {
    for (auto& [s, u] : ripe)
      settle(s, u, *shared);
    settle_records(*shared);
  };
  if (lapsed.empty())
    return then();
  auto left = std::make_shared<size_t>(lapsed.size());
  for (auto id : lapsed)
    to_meta(migration_abort{id, now_ns()}, [this, id, shared, left,
                                            then](meta_result r) {
      for (auto& m : shared->records)
        if (m.id == id && r.code == errc::ok)
          m.state = migration_record::aborted;
        else if (m.id == id && r.code == errc::econflict) {
          m.state = migration_record::committed; // a late commit won
          m.epoch = r.epoch;
        }
      log_event(log_level::warn, "router", "move without a driver aborted",
                {{"migration", id}, {"result", to_string(r.code)}});
      if (--*left == 0)
        then();
    });
}

void router_state::settle(uint32_t shard, unresolved_part u,
                          const migration_page& log) {
  const migration_record* rec = nullptr;
  for (auto& m : log.records)
    if (m.id == u.part.migration)
      rec = &m;
  part_ref part{u.dir, u.part.range, u.part.migration};
  // An id the log never gave: nothing decides it; leave it alone.
  if (!rec && u.part.migration >= log.next_id)
    return;
  if (!rec)
    return undo_settled(shard, u);
  // Started: its driver is at work, or the lease decides (scan_log).
  if (rec->state == migration_record::started)
    return;
  auto again = [this, dir = u.dir](auto&&...) { refresh(dir, [](bool) {}); };
  // Committed: whichever side this node found, the source releases first
  // and the destination activates only after (finish_committed), so the
  // scans of two nodes obey the same order as the driver.
  if (rec->state == migration_record::committed)
    return finish_committed(part, rec->from, rec->to, rec->epoch, again);
  if (u.part.state == dir_part::exporting)
    part_step(shard, part_thaw{part}, again);
  else
    part_step(shard, part_discard{part}, again);
}

} // namespace ds
