// Moves of parts between shard groups in the simulation of replicated
// shards (group_sim.hpp): a router that sends part steps to a group's
// leader and metadata commands to the metadata group's leader, the driver
// of a move (the steps of actors/router/router_move.cpp as
// tests/storage/move_sim.hpp takes them; the scan that settles moves whose
// driver stopped is in group_scan.hpp). Steps are group
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
  /// but the freeze, actors/shard.cpp). `repeat`: a step that may go again
  /// when its outcome is unknown (its answer lost, or EUNAVAILABLE), as
  /// router_move.cpp sends repeatable steps again.
  void step(group_id g, const std::string& what, step_fn fn,
            std::function<void(answer)> done, bool durable = true,
            bool repeat = false, int tries = 0) {
    node_id a = at(g);
    job j;
    j.what = what;
    j.step = true;
    j.run = [fn, durable](ns_shard& c, int64_t now, bool& wait) {
      answer an = fn(c, now);
      wait = durable && an.code == errc::ok;
      return an;
    };
    j.done = [this, g, a, what, fn, done, durable, repeat, tries](answer an) {
      bool unknown = repeat && an.code == errc::eunavailable;
      if ((an.code == errc::enotleader || unknown) && tries < 8) {
        if (!unknown)
          follow(g, a, an.hint);
        w.note("  " + what + " goes again after " + str(an.code));
        return step(g, what, fn, done, durable, repeat, tries + 1);
      }
      done(std::move(an));
    };
    j.lost = [this, g, a, what, fn, done, durable, repeat, tries] {
      if (!repeat || tries >= 8)
        return done(answer::of(errc::eunavailable));
      follow(g, a, 0); // perhaps it is down: the next replica
      w.note("  " + what + " goes again after a lost answer");
      step(g, what, fn, done, durable, repeat, tries + 1);
    };
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
  int restarts = 0;  ///< times the copy started again
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
  /// Steps that may go again when their outcome is unknown (repeating one
  /// changes nothing the first did): as router_move.cpp's repeatable().
  static bool repeatable(const std::string& what) {
    return what == "copy" || what == "freeze" || what == "import" ||
           what == "patch" || what == "discard" || what == "list" ||
           what == "release" || what == "activate";
  }
  /// The source lost the copy (a restart, or its group's leader changed):
  /// the destination's copy is discarded and the copy starts again, as
  /// router_move.cpp's move_recopy does.
  void recopy(errc why) {
    if (restarts >= 3)
      return abort(why, true);
    ++restarts;
    ++w.recopies;
    w.note(name() + " copies again after " + str(why));
    auto d = dir;
    auto rg = range;
    auto m = id;
    step(
        to, "discard",
        [=](ns_shard& c, int64_t) { return answer::of(c.discard(d, rg, m)); },
        [this](answer q) {
          if (q.code != errc::ok && q.code != errc::enoent)
            return abort(q.code, true);
          copied = false;
          after_hash = 0;
          after_name.clear();
          copy();
        });
  }
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
        durable, repeatable(what));
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
          a.code = c.copy_part(d, rg, m, first, h, n, max, now, a.entries,
                               a.eof, &a.requests);
          return a;
        },
        [this](answer a) {
          if (a.code == errc::enoent && copied)
            return recopy(a.code);
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
          auto rs = std::move(a.requests);
          bool eof = a.eof;
          step(
              to, "import",
              [=](ns_shard& c, int64_t) {
                return answer::of(c.import(d, rg, m, es, rs));
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
          if (a.code == errc::ok) {
            c.copy_delta(d, rg, m, a.hashes, a.entries, &a.requests);
          }
          return a;
        },
        [this, d, rg, m](answer a) {
          if (a.code == errc::enoent)
            return recopy(a.code);
          if (a.code != errc::ok)
            return abort(a.code, true);
          auto left = std::make_shared<int>(2);
          auto failed = std::make_shared<errc>(errc::ok);
          auto lost = std::make_shared<bool>(false);
          auto joined = [this, left, failed, lost](errc e) {
            if (e != errc::ok && *failed == errc::ok)
              *failed = e;
            if (--*left > 0)
              return;
            if (*lost && *failed == errc::eunavailable)
              return recopy(*failed);
            if (*failed != errc::ok)
              return abort(*failed, true);
            commit();
          };
          auto hs = std::move(a.hashes);
          auto es = std::move(a.entries);
          auto rs = std::move(a.requests);
          step(
              to, "patch",
              [=](ns_shard& c, int64_t) {
                return answer::of(c.patch(d, rg, m, hs, es, rs));
              },
              [joined](answer q) { joined(q.code); });
          step(
              from, "list",
              [](ns_shard& c, int64_t) {
                answer a;
                a.unresolved = c.unresolved();
                return a;
              },
              [joined, lost, d, rg, m](answer u) {
                if (u.code != errc::ok)
                  return joined(u.code);
                for (auto& x : u.unresolved)
                  if (x.dir == d && x.part.range == rg &&
                      x.part.migration == m &&
                      x.part.state == dir_part::exporting)
                    return joined(errc::ok);
                *lost = true;
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

} // namespace ds::gsim
