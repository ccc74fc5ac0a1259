// The scan of the seeded move test (move_random_test.cpp), following
// actors/router/router_resolve.cpp and router_history.cpp: one router that
// is the source's node for every move. It reaches every shard at once (its
// own steps are not lost; the drivers' are).
#pragma once

#include <map>
#include <set>
#include <utility>
#include <vector>

#include "tests/storage/move_sim.hpp"

namespace ds::sim {

class scanner {
public:
  explicit scanner(world& w) : w(w) {}

  void scan() {
    w.note("scan");
    std::set<std::pair<uint32_t, uint64_t>> now;
    std::vector<std::pair<uint32_t, unresolved_part>> ripe;
    for (uint32_t s = 0; s < w.shards.size(); ++s)
      for (auto& u : w.shards[s]->core.unresolved()) {
        auto key = std::make_pair(s, u.part.migration);
        now.insert(key);
        if (seen.count(key))
          ripe.emplace_back(s, u);
      }
    seen = std::move(now);
    auto log = w.meta.migrations_page(migration_query{0, 0, true});
    scan_log(log);
    for (auto& [s, u] : ripe)
      settle(s, u, log);
    settle_records(log);
  }

private:
  world& w;
  std::set<std::pair<uint32_t, uint64_t>> seen;
  std::map<uint64_t, std::pair<uint64_t, int64_t>> watched;

  template <class F> errc on(uint32_t s, F f) {
    auto e = f(w.shards[s]->core);
    w.shards[s]->sync();
    return e;
  }

  void scan_log(migration_page& log) {
    decltype(watched) next;
    std::vector<uint64_t> lapsed;
    for (auto& m : log.records) {
      if (m.state != migration_record::started)
        continue;
      auto i = watched.find(m.id);
      bool same = i != watched.end() && i->second.first == m.progress;
      auto since = same ? i->second.second : w.now;
      next[m.id] = {m.progress, since};
      if (w.now - since >= move_lease)
        lapsed.push_back(m.id);
    }
    watched = std::move(next);
    for (auto id : lapsed) {
      auto r = w.to_meta(migration_abort{id, w.now});
      w.note("  scan: m" + std::to_string(id) +
             " lapsed, abort: " + str(r.code));
      for (auto& m : log.records)
        if (m.id == id && r.code == errc::ok)
          m.state = migration_record::aborted;
        else if (m.id == id && r.code == errc::econflict) {
          m.state = migration_record::committed;
          m.epoch = r.epoch;
        }
    }
  }

  void undo(uint32_t s, const unresolved_part& u) {
    part_ref p{u.dir, u.part.range, u.part.migration};
    auto e = on(s, [&](ns_shard& c) {
      return u.part.state == dir_part::exporting
                 ? c.thaw(p.dir, p.range, p.migration)
                 : c.discard(p.dir, p.range, p.migration);
    });
    w.note("  scan: s" + std::to_string(s) + " m" +
           std::to_string(p.migration) +
           (u.part.state == dir_part::exporting ? " thaw: " : " discard: ") +
           str(e));
  }

  void settle(uint32_t s, const unresolved_part& u, const migration_page& log) {
    const migration_record* rec = nullptr;
    for (auto& m : log.records)
      if (m.id == u.part.migration)
        rec = &m;
    if (!rec && u.part.migration >= log.next_id)
      return;
    if (!rec || rec->state == migration_record::aborted)
      return undo(s, u);
    if (rec->state == migration_record::started)
      return;
    part_ref p{u.dir, u.part.range, u.part.migration};
    auto r = on(rec->from, [&](ns_shard& c) {
      return c.release(p.dir, p.range, p.migration, rec->to, rec->epoch);
    });
    w.note("  scan: m" + std::to_string(p.migration) + " release at s" +
           std::to_string(rec->from) + ": " + str(r));
    if (r != errc::ok)
      return;
    auto a = on(rec->to, [&](ns_shard& c) {
      return c.activate(p.dir, p.range, p.migration, rec->epoch);
    });
    w.note("  scan: m" + std::to_string(p.migration) + " activate at s" +
           std::to_string(rec->to) + ": " + str(a));
  }

  void settle_records(const migration_page& log) {
    std::map<uint32_t, std::set<uint64_t>> heard;
    for (uint32_t s = 0; s < w.shards.size(); ++s)
      for (auto& u : w.shards[s]->core.unresolved())
        heard[s].insert(u.part.migration);
    for (auto& m : log.records) {
      if (m.state == migration_record::started || m.settled ||
          heard[m.from].count(m.id) || heard[m.to].count(m.id))
        continue;
      auto r = w.to_meta(migration_settled{m.id, w.now, 2});
      w.note("  scan: m" + std::to_string(m.id) + " settled: " + str(r.code));
    }
  }
};

} // namespace ds::sim
