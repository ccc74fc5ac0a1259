// The scan of the seeded move test (move_random_test.cpp), following
// actors/router/router_resolve.cpp and router_history.cpp, as one router
// runs it (the test runs two, each with its own memory of earlier scans).
// It lists the marks of the shards that are up at once; its steps are
// messages like the drivers': delayed, reordered or lost.
#pragma once

#include <map>
#include <set>
#include <utility>
#include <vector>

#include "tests/storage/move_sim.hpp"

namespace ds::sim {

class scanner {
public:
  scanner(world& w, std::string name) : w(w), name(std::move(name)) {}

  void scan() {
    w.note("scan " + name);
    std::set<std::pair<uint32_t, uint64_t>> now;
    std::vector<std::pair<uint32_t, unresolved_part>> ripe;
    for (uint32_t s = 0; s < w.shards.size(); ++s)
      for (auto& u : listing(s)) {
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
  std::string name;
  std::set<std::pair<uint32_t, uint64_t>> seen;
  std::map<uint64_t, std::pair<uint64_t, int64_t>> watched;

  /// Whether shard `s` answers a listing now: not if it is down, nor, when
  /// a listing is answered only once it is durable, while changes wait for
  /// a commit (the scan goes on without that answer).
  bool answers(uint32_t s) const {
    auto& b = *w.shards[s];
    return b.up && !(w.listing_when_durable && b.core.dirty());
  }

  /// The marks of shard `s` (none if it does not answer).
  std::vector<unresolved_part> listing(uint32_t s) const {
    if (!answers(s))
      return {};
    return w.shards[s]->core.unresolved();
  }

  /// Sends step `f` to shard `s`; `then` gets its code (EUNAVAILABLE:
  /// lost).
  template <class F, class Then>
  void on(uint32_t s, const std::string& what, F f, Then then) {
    w.send_step(
        s, "scan " + name + " " + what,
        [f](ns_shard& c, int64_t) { return step_reply::of(f(c)); },
        [then](step_reply r) { then(r.code); });
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
      w.note("  scan " + name + ": m" + std::to_string(id) +
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
    auto mid = "m" + std::to_string(p.migration);
    if (u.part.state == dir_part::exporting)
      on(
          s, mid + " thaw",
          [p](ns_shard& c) { return c.thaw(p.dir, p.range, p.migration); },
          [](errc) {});
    else
      on(
          s, mid + " discard",
          [p](ns_shard& c) { return c.discard(p.dir, p.range, p.migration); },
          [](errc) {});
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
    auto mid = "m" + std::to_string(p.migration);
    auto to = rec->to;
    auto epoch = rec->epoch;
    // The source releases first; only once it answered does the
    // destination activate (finish_committed).
    on(
        rec->from, mid + " release",
        [p, to, epoch](ns_shard& c) {
          return c.release(p.dir, p.range, p.migration, to, epoch);
        },
        [this, p, to, epoch, mid](errc r) {
          if (r != errc::ok)
            return;
          on(
              to, mid + " activate",
              [p, epoch](ns_shard& c) {
                return c.activate(p.dir, p.range, p.migration, epoch);
              },
              [](errc) {});
        });
  }

  /// A finished move neither of whose shards lists it (both answered) is
  /// settled.
  void settle_records(const migration_page& log) {
    std::map<uint32_t, std::set<uint64_t>> heard;
    for (uint32_t s = 0; s < w.shards.size(); ++s)
      if (answers(s)) {
        auto& ids = heard[s];
        for (auto& u : listing(s))
          ids.insert(u.part.migration);
      }
    for (auto& m : log.records) {
      if (m.state == migration_record::started || m.settled ||
          !heard.count(m.from) || !heard.count(m.to) ||
          heard[m.from].count(m.id) || heard[m.to].count(m.id))
        continue;
      auto r = w.to_meta(migration_settled{m.id, w.now, 2});
      w.note("  scan " + name + ": m" + std::to_string(m.id) +
             " settled: " + str(r.code));
    }
  }
};

} // namespace ds::sim
