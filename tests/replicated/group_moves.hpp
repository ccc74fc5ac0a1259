// Moves of parts between shard groups in the simulation of replicated
// shards (group_sim.hpp): a router that sends part steps to a group's
// leader and metadata commands to the metadata group's leader, the driver
// of a move (the steps of actors/router/router_move.cpp as
// tests/storage/move_sim.hpp takes them), and the scan that settles moves
// whose driver stopped (tests/storage/move_scan.hpp). Steps are group
// commands at the leaders, the begin/commit/abort metadata commands go
// through the metadata group, and every message may be lost.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <utility>
#include <vector>

#include "tests/replicated/group_sim.hpp"

namespace ds::gsim {

inline constexpr int64_t move_lease = 15 * second; ///< the router's default

using step_fn = std::function<answer(ns_shard&, int64_t now)>;

/// Sends to groups' believed leaders; follows ENOTLEADER hints and tries
/// the next replica when none is given; a lost message is EUNAVAILABLE.
struct router {
  world& w;
  std::map<group_id, node_id> leader; ///< believed leaders

  node_id at(group_id g) const {
    auto it = leader.find(g);
    return it == leader.end() ? home_member(g) : it->second;
  }
  void follow(group_id g, node_id from, node_id hint) {
    leader[g] = hint ? hint : from % nodes + 1;
  }

  /// `durable`: answered once what it changed is committed (every step
  /// but the freeze, actors/shard.cpp).
  void step(group_id g, const std::string& what, step_fn fn,
            std::function<void(answer)> done, bool durable = true,
            int tries = 0) {
    node_id a = at(g);
    job j;
    j.what = what;
    j.step = true;
    j.run = [fn, durable](ns_shard& c, int64_t now, bool& wait) {
      answer an = fn(c, now);
      wait = durable && an.code == errc::ok;
      return an;
    };
    j.done = [this, g, a, what, fn, done, durable, tries](answer an) {
      if (an.code == errc::enotleader && tries < 8) {
        follow(g, a, an.hint);
        return step(g, what, fn, done, durable, tries + 1);
      }
      done(std::move(an));
    };
    j.lost = [done] { done(answer::of(errc::eunavailable)); };
    w.send_job(a, g, std::move(j));
  }

  void meta(const meta_command& cmd, std::function<void(meta_result)> done,
            int tries = 0) {
    node_id a = at(meta_group);
    w.send_meta(a, cmd,
                [this, a, cmd, done, tries](meta_result r, node_id hint) {
                  if (r.code == errc::enotleader && tries < 8) {
                    follow(meta_group, a, hint);
                    return meta(cmd, done, tries + 1);
                  }
                  if (r.code == errc::enotleader)
                    r.code = errc::eunavailable;
                  done(r);
                });
  }
};

/// The steps of one move.
class driver : public std::enable_shared_from_this<driver> {
public:
  driver(world& w, inode_id dir, hash_range range, group_id from, group_id to,
         size_t chunk)
      : w(w), r{w, {}}, dir(dir), range(range), from(from), to(to),
        chunk(chunk) {}

  world& w;
  router r;
  inode_id dir;
  hash_range range;
  group_id from, to;
  size_t chunk;
  uint64_t id = 0;
  uint64_t epoch = 0;
  bool copied = false;
  uint64_t after_hash = 0;
  std::string after_name;
  bool alive = true; ///< false: killed (its answers go nowhere)
  bool done = false;

  std::string name() const { return "m" + std::to_string(id); }

  void start() {
    auto self = shared_from_this();
    migration_begin b{dir, range, from, to, "n0", w.now_ns(), true};
    r.meta(b, [self](meta_result m) {
      if (!self->alive || self->done)
        return;
      self->w.note("driver begin g" + std::to_string(self->from) + "->g" +
                   std::to_string(self->to) + ": " + str(m.code) + " m" +
                   std::to_string(m.migration));
      if (m.code != errc::ok)
        return self->finish(); // the scans abort a begin that committed
      self->id = m.migration;
      self->copy();
    });
  }

  /// The driver is at work: its progress is recorded.
  void renew() {
    if (alive && !done && id)
      r.meta(migration_progress{id}, [](meta_result) {});
  }

private:
  void finish() { done = true; }
  template <class F>
  void step(group_id g, const std::string& what, step_fn fn, F then,
            bool durable = true) {
    auto self = shared_from_this();
    r.step(
        g, name() + " " + what, std::move(fn),
        [self, then](answer a) {
          if (self->alive && !self->done)
            then(std::move(a));
        },
        durable);
  }
  template <class F> void meta(const meta_command& cmd, F then) {
    auto self = shared_from_this();
    r.meta(cmd, [self, then](meta_result m) {
      if (self->alive && !self->done)
        then(m);
    });
  }

  void copy() {
    bool first = !copied;
    auto h = after_hash;
    auto n = after_name;
    auto d = dir;
    auto rg = range;
    auto m = id;
    auto max = chunk;
    step(
        from, "copy",
        [=](ns_shard& c, int64_t now) {
          answer a;
          a.code =
              c.copy_part(d, rg, m, first, h, n, max, now, a.entries, a.eof);
          return a;
        },
        [this](answer a) {
          if (a.code != errc::ok)
            return abort(a.code, copied);
          if (!a.entries.empty()) {
            after_hash = a.entries.back().hash;
            after_name = a.entries.back().name;
          }
          bool first = !copied;
          copied = true;
          if (a.entries.empty() && !first)
            return freeze();
          auto d = dir;
          auto rg = range;
          auto m = id;
          auto es = std::move(a.entries);
          bool eof = a.eof;
          step(
              to, "import",
              [=](ns_shard& c, int64_t) {
                return answer::of(c.import(d, rg, m, es));
              },
              [this, eof](answer q) {
                if (q.code != errc::ok)
                  return abort(q.code, true);
                if (eof)
                  return freeze();
                copy();
              });
        });
  }

  /// The freeze is answered before it is durable (router_move.cpp): the
  /// destination patches meanwhile, and a listing of the source's marks,
  /// answered once durable, proves the freeze before the commit.
  void freeze() {
    auto d = dir;
    auto rg = range;
    auto m = id;
    step(
        from, "freeze",
        [=](ns_shard& c, int64_t now) {
          answer a;
          a.code = c.freeze(d, rg, m, now);
          if (a.code == errc::ok)
            c.copy_delta(d, rg, m, a.hashes, a.entries);
          return a;
        },
        [this, d, rg, m](answer a) {
          if (a.code != errc::ok)
            return abort(a.code, true);
          auto left = std::make_shared<int>(2);
          auto failed = std::make_shared<errc>(errc::ok);
          auto joined = [this, left, failed](errc e) {
            if (e != errc::ok && *failed == errc::ok)
              *failed = e;
            if (--*left > 0)
              return;
            if (*failed != errc::ok)
              return abort(*failed, true);
            commit();
          };
          auto hs = std::move(a.hashes);
          auto es = std::move(a.entries);
          step(
              to, "patch",
              [=](ns_shard& c, int64_t) {
                return answer::of(c.patch(d, rg, m, hs, es));
              },
              [joined](answer q) { joined(q.code); });
          step(
              from, "list",
              [](ns_shard& c, int64_t) {
                answer a;
                a.unresolved = c.unresolved();
                return a;
              },
              [joined, d, rg, m](answer u) {
                if (u.code != errc::ok)
                  return joined(u.code);
                for (auto& x : u.unresolved)
                  if (x.dir == d && x.part.range == rg &&
                      x.part.migration == m &&
                      x.part.state == dir_part::exporting)
                    return joined(errc::ok);
                joined(errc::eunavailable); // the source lost the freeze
              });
        },
        false);
  }

  void commit() {
    meta(migration_commit{id, w.now_ns()}, [this](meta_result m) {
      w.note(name() + " commit: " + str(m.code));
      if (m.code == errc::ok) {
        epoch = m.epoch;
        return finish_committed();
      }
      abort(m.code == errc::econflict ? errc::econflict : errc::eunavailable,
            true);
    });
  }

  void abort(errc why, bool exported) {
    meta(migration_abort{id, w.now_ns()}, [this, why, exported](meta_result m) {
      w.note(name() + " abort (" + str(why) + "): " + str(m.code));
      if (m.code == errc::econflict) {
        epoch = m.epoch;
        return finish_committed();
      }
      if (m.code != errc::ok)
        return finish(); // undecided: the scans settle it
      auto d = dir;
      auto rg = range;
      auto mid = id;
      step(
          from, "thaw",
          [=](ns_shard& c, int64_t) { return answer::of(c.thaw(d, rg, mid)); },
          [this, exported, d, rg, mid](answer) {
            if (!exported)
              return finish();
            step(
                to, "discard",
                [=](ns_shard& c, int64_t) {
                  return answer::of(c.discard(d, rg, mid));
                },
                [this](answer) { finish(); });
          });
    });
  }

  void finish_committed() {
    auto d = dir;
    auto rg = range;
    auto m = id;
    auto dest = to;
    auto e = epoch;
    step(
        from, "release",
        [=](ns_shard& c, int64_t) {
          return answer::of(c.release(d, rg, m, dest, e));
        },
        [this, d, rg, m, e](answer a) {
          if (a.code != errc::ok)
            return finish(); // the scans finish it
          step(
              to, "activate",
              [=](ns_shard& c, int64_t) {
                return answer::of(c.activate(d, rg, m, e));
              },
              [this](answer) { finish(); });
        });
  }
};

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
