// A deterministic world for the seeded random test of moving parts
// (move_random_test.cpp): shards (pure cores with memory stores), the
// metadata state as an always available log, messages that a seeded
// scheduler delivers in any order or loses, drivers of moves as explicit
// state machines following actors/router/router_move.cpp, and the scan of
// actors/router/router_resolve.cpp and router_history.cpp. No CAF, no
// threads, no clock: time is a counter the scheduler advances.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "model/meta/meta_state.hpp"
#include "model/meta/route.hpp"
#include "model/namespace/ns_shard.hpp"
#include "storage/shard_store.hpp"

namespace ds::sim {

inline constexpr inode_id sim_dir = 7;
inline constexpr uint32_t home = 0; ///< the directory's home shard
inline constexpr int64_t second = 1'000'000'000;
inline constexpr int64_t move_lease = 15 * second; ///< the router's default

/// A part being moved, as the steps name it.
struct part_ref {
  inode_id dir = 0;
  hash_range range;
  uint64_t migration = 0;
};

/// A printable name of an enumerated value.
template <class T> std::string str(T x) {
  return std::string(to_string(x));
}

/// A message on its way: delivered (`deliver`) or lost (`lost`).
struct message {
  std::string what;
  std::function<void()> deliver;
  std::function<void()> lost;
};

/// A shard: its core and its memory store. Every delivered request is
/// answered only once its changes are committed (a commit event of the
/// scheduler takes every change so far into one batch); a crash loses
/// what was not committed and the answers waiting for it, and a restart
/// reloads the store, so copy sessions are lost too.
struct shard_box {
  uint32_t id = 0;
  ns_shard core{0, {}};
  std::unique_ptr<shard_store> store = make_memory_shard_store();
  bool up = true; ///< down: what is sent to it is lost
  /// Answers waiting for the next commit (sent, lost on a crash).
  std::vector<message> waiting;
  explicit shard_box(uint32_t id) : id(id), core(id, {}) {}
  void sync() {
    if (core.dirty()) {
      store->commit(core.take_changes());
      core.committed();
    }
  }
  /// Reloads what was committed; an error message or "".
  std::string restart() {
    auto l = store->load();
    ns_shard back{id, {}};
    auto e = back.restore(l.nodes, l.entries, l.dead, l.next_seq, l.next_row,
                          l.parts);
    if (e.empty())
      core = std::move(back);
    return e;
  }
};

/// The answer of a part step as the driver sees it (EUNAVAILABLE: lost).
struct step_reply {
  errc code = errc::ok;
  std::vector<entry> entries;
  bool eof = false;
  std::vector<uint64_t> hashes;
  /// A step that answers its code only.
  static step_reply of(errc code) { return step_reply{code, {}, false, {}}; }
};

using part_fn = std::function<step_reply(ns_shard&, int64_t now)>;

class world {
public:
  world(uint64_t seed, uint32_t shards) : rng(seed) {
    for (uint32_t s = 0; s < shards; ++s)
      this->shards.push_back(std::make_unique<shard_box>(s));
  }

  std::mt19937_64 rng;
  std::vector<std::unique_ptr<shard_box>> shards;
  meta_state meta;
  int64_t now = 1000 * second;
  std::vector<message> queue;
  std::vector<std::string> trace;
  std::string failure;         ///< the first broken check ("" while all hold)
  uint64_t meta_loss_pct = 10; ///< answers of the log lost (percent)
  uint64_t recopies = 0;       ///< moves whose copy started again
  /// How a shard answers a listing of its marks (part_list_unresolved):
  /// only once what it reports is durable, as actors/shard.cpp does (false:
  /// at once from memory, as it did before; seed 29 then loses a part).
  bool listing_when_durable = true;
  /// How often a shard commits right after a request (percent); otherwise
  /// a later commit event of the scheduler does.
  uint64_t auto_commit_pct = 70;

  uint64_t pick(uint64_t n) { return n ? rng() % n : 0; }
  bool chance(uint64_t pct) { return pick(100) < pct; }
  void note(std::string s) { trace.push_back(std::move(s)); }
  void fail(const std::string& why) {
    if (failure.empty())
      failure = why;
  }

  /// Sends a part step to shard `s`; `done` gets its answer, or
  /// EUNAVAILABLE if the request or the answer is lost.
  void send_step(uint32_t s, const std::string& what, part_fn fn,
                 std::function<void(step_reply)> done) {
    auto timeout = [done] {
      step_reply r;
      r.code = errc::eunavailable;
      done(r);
    };
    queue.push_back(message{
        what + " -> s" + std::to_string(s),
        [this, s, what, fn, done, timeout] {
          if (!shards[s]->up) {
            note("  s" + std::to_string(s) + " is down");
            return timeout();
          }
          auto r = fn(shards[s]->core, now);
          note("  s" + std::to_string(s) + " " + what + ": " + str(r.code));
          answer_after_commit(
              s, message{"reply " + what + " from s" + std::to_string(s),
                         [done, r] { done(r); }, timeout});
        },
        timeout});
  }

  /// Sends `reply` from shard `s` once what it changed is committed (at
  /// once if nothing waits to be).
  void answer_after_commit(uint32_t s, message reply) {
    if (chance(auto_commit_pct))
      commit(s); // the commit started at once
    if (shards[s]->core.dirty())
      shards[s]->waiting.push_back(std::move(reply));
    else
      queue.push_back(std::move(reply));
  }

  /// Shard `s` commits every change so far; the answers waiting leave.
  void commit(uint32_t s) {
    auto& b = *shards[s];
    b.sync();
    for (auto& m : b.waiting)
      queue.push_back(std::move(m));
    b.waiting.clear();
  }

  /// Shard `s` goes down: what it did not commit is lost (it reloads its
  /// store when it comes back), and so are the answers waiting for it.
  void crash(uint32_t s) {
    auto& b = *shards[s];
    b.up = false;
    auto lost = std::move(b.waiting);
    b.waiting.clear();
    for (auto& m : lost)
      m.lost();
  }

  /// Applies a command to the log; its answer may be lost (before or
  /// after it took effect): EUNAVAILABLE then.
  meta_result to_meta(const meta_command& cmd, bool lossy = true) {
    if (lossy && chance(meta_loss_pct / 2)) {
      note("  meta: request lost");
      return meta_result{errc::eunavailable};
    }
    auto r = meta.apply(cmd);
    if (lossy && chance(meta_loss_pct / 2)) {
      note("  meta: answer lost (was " + str(r.code) + ")");
      return meta_result{errc::eunavailable};
    }
    return r;
  }

  /// Delivers (or, with `lose`, loses) the message at `k` of the queue.
  void step_message(size_t k, bool lose) {
    auto m = std::move(queue[k]);
    queue.erase(queue.begin() + static_cast<std::ptrdiff_t>(k));
    note((lose ? "lose " : "deliver ") + m.what);
    if (lose)
      m.lost();
    else
      m.deliver();
  }

  /// Whether shard `s` serves hash `h` of the directory (reads accepted).
  bool serves(uint32_t s, uint64_t h) const {
    auto p = shards[s]->core.parts(sim_dir);
    if (!p)
      return s == home; // no record: the home holds it all, a guest none
    return p->reads(h);
  }

  /// The shards that serve hash `h` now.
  std::vector<uint32_t> servers(uint64_t h) const {
    std::vector<uint32_t> out;
    for (uint32_t s = 0; s < shards.size(); ++s)
      if (serves(s, h))
        out.push_back(s);
    return out;
  }

  std::string tail(size_t n) const {
    std::string out;
    size_t from = trace.size() > n ? trace.size() - n : 0;
    for (size_t i = from; i < trace.size(); ++i)
      out += trace[i] + "\n";
    return out;
  }
};

/// The steps of one move, as router_move.cpp takes them.
class driver : public std::enable_shared_from_this<driver> {
public:
  driver(world& w, hash_range range, uint32_t from, uint32_t to, size_t chunk)
      : w(w), range(range), from(from), to(to), chunk(chunk) {}

  world& w;
  hash_range range;
  uint32_t from, to;
  size_t chunk;
  uint64_t id = 0;
  uint64_t epoch = 0;
  bool copied = false;
  uint64_t after_hash = 0;
  std::string after_name;
  int restarts = 0;  ///< times the copy started again
  bool alive = true; ///< false: killed (its answers go nowhere)
  bool done = false;

  part_ref part() const { return {sim_dir, range, id}; }
  std::string name() const { return "m" + std::to_string(id); }

  void start() {
    migration_begin b{sim_dir, range, from, to, "n0", w.now, true};
    auto r = w.to_meta(b);
    w.note("driver begin " + std::to_string(from) + "->" + std::to_string(to) +
           ": " + str(r.code) + " m" + std::to_string(r.migration));
    if (r.code != errc::ok)
      return finish(); // the scans abort a begin that committed unseen
    id = r.migration;
    copy();
  }

  /// The driver is at work: its progress is recorded (renew).
  void renew() {
    if (alive && !done && id)
      w.to_meta(migration_progress{id});
  }

private:
  void finish() { done = true; }
  template <class F>
  void step(uint32_t s, const std::string& what, part_fn fn, F then) {
    auto self = shared_from_this();
    w.send_step(s, name() + " " + what, std::move(fn),
                [self, then](step_reply r) {
                  if (self->alive && !self->done)
                    then(std::move(r));
                });
  }

  void copy() {
    auto first = !copied;
    auto h = after_hash;
    auto n = after_name;
    auto p = part();
    auto max = chunk;
    step(
        from, "copy",
        [=](ns_shard& c, int64_t now) {
          step_reply r;
          r.code = c.copy_part(p.dir, p.range, p.migration, first, h, n, max,
                               now, r.entries, r.eof);
          return r;
        },
        [this](step_reply r) {
          if (r.code == errc::enoent && copied)
            return recopy(r.code);
          if (r.code != errc::ok)
            return abort(r.code, copied);
          if (!r.entries.empty()) {
            after_hash = r.entries.back().hash;
            after_name = r.entries.back().name;
          }
          bool first = !copied;
          copied = true;
          if (r.entries.empty() && !first)
            return freeze();
          auto p = part();
          auto es = std::move(r.entries);
          bool eof = r.eof;
          step(
              to, "import",
              [=](ns_shard& c, int64_t) {
                step_reply q;
                q.code = c.import(p.dir, p.range, p.migration, es);
                return q;
              },
              [this, eof](step_reply q) {
                if (q.code != errc::ok)
                  return abort(q.code, true);
                if (eof)
                  return freeze();
                copy();
              });
        });
  }

  void freeze() {
    auto p = part();
    step(
        from, "freeze",
        [=](ns_shard& c, int64_t now) {
          step_reply r;
          r.code = c.freeze(p.dir, p.range, p.migration, now);
          if (r.code == errc::ok)
            c.copy_delta(p.dir, p.range, p.migration, r.hashes, r.entries);
          return r;
        },
        [this, p](step_reply r) {
          if (r.code == errc::enoent)
            return recopy(r.code);
          if (r.code != errc::ok)
            return abort(r.code, true);
          auto hs = std::move(r.hashes);
          auto es = std::move(r.entries);
          step(
              to, "patch",
              [=](ns_shard& c, int64_t) {
                step_reply q;
                q.code = c.patch(p.dir, p.range, p.migration, hs, es);
                return q;
              },
              [this](step_reply q) {
                if (q.code != errc::ok)
                  return abort(q.code, true);
                commit();
              });
        });
  }

  /// The source lost the copy (it restarted): the destination's copy is
  /// discarded and the copy starts again, as router_move.cpp's move_recopy.
  void recopy(errc why) {
    if (restarts >= 3)
      return abort(why, true);
    ++restarts;
    ++w.recopies;
    w.note(name() + " copies again after " + str(why));
    auto p = part();
    step(
        to, "discard",
        [=](ns_shard& c, int64_t) {
          return step_reply::of(c.discard(p.dir, p.range, p.migration));
        },
        [this](step_reply q) {
          if (q.code != errc::ok && q.code != errc::enoent)
            return abort(q.code, true);
          copied = false;
          after_hash = 0;
          after_name.clear();
          copy();
        });
  }

  void commit() {
    auto r = w.to_meta(migration_commit{id, w.now});
    w.note(name() + " commit: " + str(r.code));
    if (r.code == errc::ok) {
      epoch = r.epoch;
      return finish_committed();
    }
    abort(r.code == errc::econflict ? errc::econflict : errc::eunavailable,
          true);
  }

  void abort(errc why, bool exported) {
    auto r = w.to_meta(migration_abort{id, w.now});
    w.note(name() + " abort (" + str(why) + "): " + str(r.code));
    if (r.code == errc::econflict) {
      epoch = r.epoch;
      return finish_committed();
    }
    if (r.code != errc::ok)
      return finish(); // undecided: the scans settle it
    auto p = part();
    step(
        from, "thaw",
        [=](ns_shard& c, int64_t) {
          return step_reply::of(c.thaw(p.dir, p.range, p.migration));
        },
        [this, exported, p](step_reply) {
          if (!exported)
            return finish();
          step(
              to, "discard",
              [=](ns_shard& c, int64_t) {
                return step_reply::of(c.discard(p.dir, p.range, p.migration));
              },
              [this](step_reply) { finish(); });
        });
  }

  void finish_committed() {
    auto p = part();
    auto dest = to;
    auto e = epoch;
    step(
        from, "release",
        [=](ns_shard& c, int64_t) {
          return step_reply::of(
              c.release(p.dir, p.range, p.migration, dest, e));
        },
        [this, p, e](step_reply r) {
          if (r.code != errc::ok)
            return finish(); // the scans finish it
          step(
              to, "activate",
              [=](ns_shard& c, int64_t) {
                return step_reply::of(
                    c.activate(p.dir, p.range, p.migration, e));
              },
              [this](step_reply) { finish(); });
        });
  }
};

} // namespace ds::sim
