// The router's part in bounding the record of moves (docs/ARCHITECTURE.md,
// "Bounded migration history"). The metadata store prunes only settled
// records (model/meta/meta_history.cpp); the scans say which are settled.
//
// A finished move is settled once neither of its shards reports it: the
// source has released or thawed the part, the destination has activated
// or discarded it. The router of the source's node (the one that also
// proposes lapsed aborts) asks both shards every scan, and proposes
// migration_settled only if both answered and neither lists the move. A
// shard that is down does not answer, so its move stays unsettled (and its
// record kept) until it is back and the scans have finished its side.
//
// After that, a mark for the move can still appear: a copy step (a freeze,
// an export or an import) that was on its way when the move was decided. Nothing will
// finish such a move any more, so the scans undo the mark: the source thaws
// (after a commit the source no longer accepts the export, and after an
// abort it holds the part), the destination discards (after a commit it no
// longer accepts the import; a pending part is never served).
#include <caf/all.hpp>

#include "actors/log.hpp"
#include "actors/router/router.hpp"

namespace ds {

void router_state::undo_settled(uint32_t shard, const unresolved_part& u) {
  part_ref part{u.dir, u.part.range, u.part.migration};
  bool exporting = u.part.state == dir_part::exporting;
  log_event(log_level::warn, "router", "mark of a settled move undone",
            {{"migration", u.part.migration},
             {"shard", shard},
             {"step", exporting ? "thaw" : "discard"}});
  auto again = [this, dir = u.dir](auto&&...) { refresh(dir, [](bool) {}); };
  if (exporting)
    part_step(shard, part_thaw{part}, again);
  else
    part_step(shard, part_discard{part}, again);
}

void router_state::settle_records(const migration_page& log) {
  std::vector<migration_record> done;
  std::set<uint32_t> ask;
  for (auto& m : log.records)
    if (m.state != migration_record::started && !m.settled &&
        m.from < cluster.total_shards() && m.to < cluster.total_shards() &&
        cluster.node_of(m.from) == cluster.self_index()) {
      done.push_back(m);
      ask.insert(m.from);
      ask.insert(m.to);
    }
  if (done.empty())
    return;
  // For each shard asked: the moves it reports (absent: no answer).
  using reports = std::map<uint32_t, std::set<uint64_t>>;
  auto heard = std::make_shared<reports>();
  auto left = std::make_shared<size_t>(ask.size());
  auto decide = [this, heard, done = std::move(done)] {
    for (auto& m : done) {
      auto a = heard->find(m.from);
      auto b = heard->find(m.to);
      if (a == heard->end() || b == heard->end() || a->second.count(m.id) ||
          b->second.count(m.id))
        continue; // a side is not finished, or did not say
      migration_settled cmd{m.id, now_ns(), history.keep, history.age_ns};
      to_meta(cmd, [id = m.id](meta_result r) {
        log_event(log_level::debug, "router", "move settled",
                  {{"migration", id}, {"result", to_string(r.code)}});
      });
    }
  };
  for (auto s : ask)
    part_step(s, part_list_unresolved{},
              [s, heard, left, decide](part_reply r) {
                if (r.code == errc::ok) {
                  auto& ids = (*heard)[s];
                  for (auto& u : r.unresolved)
                    ids.insert(u.part.migration);
                }
                if (--*left == 0)
                  decide();
              });
}

} // namespace ds
