// The scan that settles moves whose driver stopped, in the simulation of
// replicated shards, following actors/router/router_resolve.cpp and
// router_history.cpp (tests/storage/move_scan.hpp in the world of
// unreplicated shards): the groups' marks listed by their leaders (a part
// step each, answered once durable), then the log read at the metadata
// group's leader; its steps and commands are messages that may be lost.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <utility>
#include <vector>

#include "tests/replicated/group_moves.hpp"

namespace ds::gsim {

/// One router's scan: marks listed by the groups' leaders, the log read
/// from the metadata group's leader, steps and commands sent as messages.
class scanner {
public:
  scanner(world& w, std::string name) : w(w), r{w, {}}, name(std::move(name)) {}

  /// Lists the marks of every group (a step each, answered once what it
  /// reports is durable), then reads the log and settles what it can.
  void scan() {
    if (busy)
      return;
    busy = true;
    w.note("scan " + name);
    heard.clear();
    listing = shard_groups;
    for (group_id g = 0; g < shard_groups; ++g)
      r.step(
          g, "scan " + name + " list",
          [](ns_shard& c, int64_t) {
            answer a;
            a.unresolved = c.unresolved();
            return a;
          },
          [this, g](answer a) {
            if (a.code == errc::ok)
              heard[g] = std::move(a.unresolved);
            if (--listing == 0)
              listed();
          });
  }

private:
  world& w;
  router r;
  std::string name;
  int listing = 0;   ///< listings not yet answered
  bool busy = false; ///< a scan is under way
  std::map<group_id, std::vector<unresolved_part>> heard;
  std::set<std::pair<group_id, uint64_t>> seen;
  std::map<uint64_t, std::pair<uint64_t, int64_t>> watched;

  void listed() {
    w.read_meta([this](const meta_state* m) {
      busy = false;
      if (!m)
        return w.note("scan " + name + ": no metadata leader");
      settle_all(m->migrations_page(migration_query{0, 0, true}));
    });
  }

  void settle_all(const migration_page& log) {
    std::set<std::pair<group_id, uint64_t>> now;
    std::vector<std::pair<group_id, unresolved_part>> ripe;
    for (auto& [g, us] : heard)
      for (auto& u : us) {
        auto key = std::make_pair(g, u.part.migration);
        now.insert(key);
        if (seen.count(key))
          ripe.emplace_back(g, u);
      }
    seen = std::move(now);
    scan_log(log);
    for (auto& [g, u] : ripe)
      settle(g, u, log);
    settle_records(log);
  }

  /// A finished move neither of whose groups lists it is settled: listings
  /// asked after the log was read (router_history.cpp), as marks made after
  /// an earlier listing may belong to a move the log shows finished.
  void settle_records(const migration_page& log) {
    std::vector<migration_record> done;
    std::set<group_id> ask;
    for (auto& m : log.records)
      if (m.state != migration_record::started && !m.settled) {
        done.push_back(m);
        ask.insert(m.from);
        ask.insert(m.to);
      }
    if (done.empty())
      return;
    using reports = std::map<group_id, std::set<uint64_t>>;
    auto said = std::make_shared<reports>();
    auto left = std::make_shared<size_t>(ask.size());
    auto decide = [this, said, done] {
      for (auto& m : done) {
        auto a = said->find(m.from);
        auto b = said->find(m.to);
        if (a == said->end() || b == said->end() || a->second.count(m.id) ||
            b->second.count(m.id))
          continue; // a side is not finished, or did not say
        r.meta(migration_settled{m.id, w.now_ns(), 2}, [](meta_result) {});
      }
    };
    for (auto g : ask)
      r.step(
          g, "scan " + name + " list",
          [](ns_shard& c, int64_t) {
            answer a;
            a.unresolved = c.unresolved();
            return a;
          },
          [g, said, left, decide](answer a) {
            if (a.code == errc::ok) {
              auto& ids = (*said)[g];
              for (auto& u : a.unresolved)
                ids.insert(u.part.migration);
            }
            if (--*left == 0)
              decide();
          });
  }

  void scan_log(const migration_page& log) {
    decltype(watched) next;
    for (auto& m : log.records) {
      if (m.state != migration_record::started)
        continue;
      auto i = watched.find(m.id);
      bool same = i != watched.end() && i->second.first == m.progress;
      auto since = same ? i->second.second : w.now_ns();
      next[m.id] = {m.progress, since};
      if (w.now_ns() - since >= move_lease) {
        auto id = m.id;
        r.meta(migration_abort{id, w.now_ns()}, [this, id](meta_result res) {
          w.note("scan " + name + ": m" + std::to_string(id) +
                 " lapsed, abort: " + str(res.code));
        });
      }
    }
    watched = std::move(next);
  }

  void on(group_id g, const std::string& what, step_fn fn,
          std::function<void(errc)> then) {
    r.step(g, "scan " + name + " " + what, std::move(fn),
           [then](answer a) { then(a.code); });
  }

  void settle(group_id g, const unresolved_part& u, const migration_page& log) {
    const migration_record* rec = nullptr;
    for (auto& m : log.records)
      if (m.id == u.part.migration)
        rec = &m;
    if (!rec && u.part.migration >= log.next_id)
      return;
    auto d = u.dir;
    auto rg = u.part.range;
    auto mid = u.part.migration;
    auto tag = "m" + std::to_string(mid);
    if (!rec || rec->state == migration_record::aborted) {
      if (u.part.state == dir_part::exporting)
        return on(
            g, tag + " thaw",
            [=](ns_shard& c, int64_t) {
              return answer::of(c.thaw(d, rg, mid));
            },
            [](errc) {});
      return on(
          g, tag + " discard",
          [=](ns_shard& c, int64_t) {
            return answer::of(c.discard(d, rg, mid));
          },
          [](errc) {});
    }
    if (rec->state == migration_record::started)
      return;
    auto to = rec->to;
    auto epoch = rec->epoch;
    // The source releases first; only once it answered does the
    // destination activate.
    on(
        rec->from, tag + " release",
        [=](ns_shard& c, int64_t) {
          return answer::of(c.release(d, rg, mid, to, epoch));
        },
        [this, d, rg, mid, to, epoch, tag](errc code) {
          if (code != errc::ok)
            return;
          on(
              to, tag + " activate",
              [=](ns_shard& c, int64_t) {
                return answer::of(c.activate(d, rg, mid, epoch));
              },
              [](errc) {});
        });
  }
};

} // namespace ds::gsim
