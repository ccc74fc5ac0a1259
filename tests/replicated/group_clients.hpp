// The clients of the simulation of replicated shards (group_sim_test.cpp):
// each creates, unlinks and looks up names in three directories through its
// own router, as actors/router/router_groups.cpp and router_placement.cpp
// send requests to shard groups. The router gives every create and unlink
// a request id (ns_request::rid: a random start per router, counting up);
// ENOTLEADER answers move it to the named leader, or the next replica, and
// the request goes again at once; EWRONGSHARD teaches it the part's holder.
// A request whose answer does not come (lost on the way there or back, its
// node crashed, or the replica answered EUNAVAILABLE because the fate of
// its proposal is unknown) goes again, with the same id, to the next
// replica after a pause that grows to 5 steps (50 ms), until the deadline
// (twice a request timeout) has passed since the call; only then is the
// operation unanswered. A request answered after it went again is recorded
// with its final answer and its first call, so that the check of the
// history also checks that a write sent twice took effect once and was
// answered as it took effect.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "model/meta/route.hpp"
#include "model/namespace/name.hpp"
#include "tests/replicated/group_moves.hpp"
#include "tests/support/linearizability.hpp"

namespace ds::gsim {

inline constexpr inode_id moved_dir = 9; ///< homed by group 0; its halves move
inline const inode_id dirs[] = {9, 10, 11};
inline const hash_range lower_half{0, (uint64_t{1} << 63) - 1};
inline const hash_range upper_half{uint64_t{1} << 63, ~uint64_t{0}};

inline group_id home_of(inode_id dir) {
  return static_cast<group_id>(dir % 3);
}

struct client {
  router r;
  dir_placement cache;
  uint64_t next_rid = 0; ///< the router's next request id
  bool busy = false;
  size_t op = 0; ///< its operation in the history
  ns_request req;
  int tries = 0;         ///< refusals (ENOTLEADER, EWRONGSHARD)
  int resent = 0;        ///< tries whose answer did not come
  uint64_t deadline = 0; ///< no try begins after this step
  uint64_t attempt = 0;  ///< the try whose answer counts (of all clients)
};

struct clients {
  world& w;
  std::vector<client> all;
  std::vector<std::pair<inode_id, std::string>> names;
  std::vector<lin::op> history;
  std::vector<size_t> skip; ///< operations that changed nothing, unanswered
  /// The router's request timeout (steps): a try not answered by then is
  /// unanswered; none begins twice this after the call.
  uint64_t timeout = 150;
  uint64_t attempts = 0;
  uint64_t sent_again = 0;     ///< tries after an answer did not come
  uint64_t answered_again = 0; ///< writes answered after they went again

  explicit clients(world& wr) : w(wr) {
    for (int k = 0; k < 4; ++k) {
      client c{router{w, {}}, {}, 0, false, 0, {}, 0, 0, 0};
      c.next_rid = w.rng() | 1;
      c.cache.dir = moved_dir;
      for (group_id g = 0; g < shard_groups; ++g) // hints, maybe wrong
        c.r.leader[g] = static_cast<node_id>(1 + w.pick(nodes));
      all.push_back(std::move(c));
    }
    // The moved directory: names on both halves; the others: two each.
    size_t lo = 0, hi = 0;
    for (int k = 0; lo + hi < 4; ++k) {
      auto n = "f" + std::to_string(k);
      bool low = lower_half.contains(name_hash(n));
      if ((low && lo < 2) || (!low && hi < 2)) {
        names.push_back({moved_dir, n});
        (low ? lo : hi)++;
      }
    }
    for (inode_id d : {dirs[1], dirs[2]})
      for (auto n : {"g0", "g1"})
        names.push_back({d, n});
    for (auto& [d, n] : names)
      history.push_back(
          lin::op{lin::op::write, key(d, n), "0", "", {}, true, 0, 0});
  }

  static std::string key(inode_id d, const std::string& n) {
    return std::to_string(d) + "/" + n;
  }
  int64_t tick() const { return static_cast<int64_t>(w.c.now()) + 1; }

  void start_op(client& c) {
    auto& [d, n] = names[w.pick(names.size())];
    lin::op o;
    o.key = key(d, n);
    o.call = tick();
    switch (w.pick(3)) {
    case 0:
      c.req = make_request(ns_op::create, d, n);
      o.kind = lin::op::cas, o.expected = "0", o.value = "1";
      break;
    case 1:
      c.req = make_request(ns_op::unlink, d, n);
      o.kind = lin::op::cas, o.expected = "1", o.value = "0";
      break;
    default:
      c.req = make_request(ns_op::lookup, d, n);
      o.kind = lin::op::read;
    }
    // The router stamps the writes (router_state::stamp).
    if (c.req.op != ns_op::lookup)
      c.req.rid = c.next_rid++;
    w.note("client " + str(c.req.op) + " " + o.key + " rid " +
           std::to_string(c.req.rid));
    c.busy = true;
    c.tries = 0;
    c.resent = 0;
    c.deadline = w.c.now() + 2 * timeout;
    c.op = history.size();
    history.push_back(o);
    send(c);
  }

  void send(client& c) {
    auto req = c.req;
    group_id g = req.dir == moved_dir
                     ? choose_shard(req, &c.cache, home_of(req.dir), ~0ull)
                     : home_of(req.dir);
    node_id a = c.r.at(g);
    auto* cp = &c;
    uint64_t at = c.attempt = ++attempts;
    job j;
    j.what = "client " + str(req.op) + " " + key(req.dir, req.name) +
             (req.rid ? " rid " + std::to_string(req.rid) : "");
    j.run = [req](ns_shard& core, int64_t now, bool& wait) {
      answer an;
      an.ns = core.apply(req, now, wait);
      an.code = an.ns.code;
      return an;
    };
    // Answers of earlier tries, and of this one after its timeout, are
    // dropped (the router's request has ended).
    j.done = [this, cp, at, g, a](answer an) {
      if (cp->busy && cp->attempt == at)
        on_answer(*cp, g, a, an);
    };
    j.lost = [this, cp, at, g, a] {
      if (cp->busy && cp->attempt == at)
        again(*cp, g, a);
    };
    w.send_job(a, g, std::move(j));
    w.after(timeout, [this, cp, at, g, a] {
      if (cp->busy && cp->attempt == at) {
        w.note("client " + str(cp->req.op) + " " + history[cp->op].key +
               " timed out");
        again(*cp, g, a);
      }
    });
  }

  /// The answer did not come: the same request (same id) goes to the next
  /// replica after a pause, until the deadline. With `stay`, to the same
  /// replica (it answered that its proposal's outcome is unknown).
  void again(client& c, group_id g, node_id a, bool stay = false) {
    if (!stay)
      c.r.follow(g, a, 0);
    c.attempt = 0; // a late answer of this try no longer counts
    ++c.resent;
    if (w.c.now() >= c.deadline)
      return unknown(c, true);
    ++sent_again;
    uint64_t pause =
        std::min<uint64_t>(5, uint64_t{1} << std::min(c.resent, 3));
    w.note("client " + str(c.req.op) + " " + history[c.op].key +
           " goes again (rid " + std::to_string(c.req.rid) + ")");
    size_t op = c.op;
    w.after(pause, [this, cp = &c, op] {
      if (cp->busy && cp->op == op && cp->attempt == 0)
        send(*cp);
    });
  }

  /// No answer before the deadline. An operation every try of which was
  /// refused, or a lookup, changed nothing: it leaves the history. Any
  /// other may have taken effect: unanswered.
  void unknown(client& c, bool maybe) {
    auto& o = history[c.op];
    o.answered = false;
    if (!(maybe || c.resent > 0) || o.kind == lin::op::read)
      skip.push_back(c.op);
    c.busy = false;
  }

  void on_answer(client& c, group_id g, node_id a, const answer& an) {
    auto& o = history[c.op];
    if (an.code == errc::enotleader || an.code == errc::ewrongshard) {
      if (++c.tries > 40)
        return unknown(c, false); // refused each time: no effect
      if (an.code == errc::enotleader) {
        c.r.follow(g, a, an.hint);
      } else {
        part_redirect r;
        if (!part_redirect::decode(an.ns.cookie, r)) {
          size_t op = c.op;
          c.attempt = 0;
          return w.read_meta([this, cp = &c, op](const meta_state* m) {
            if (!cp->busy || cp->op != op || cp->attempt != 0)
              return;
            if (m)
              cp->cache = m->placement(moved_dir);
            send(*cp);
          });
        }
        learn_part(c.cache, placement_entry{r.range, r.shard, r.epoch});
      }
      return send(c);
    }
    // The replica's proposal was unanswered in time: its fate is unknown,
    // and the router sends the request again, as after no answer, but to
    // the same replica (router_placement.cpp).
    if (an.code == errc::eunavailable)
      return again(c, g, a, true);
    o.ret = tick();
    c.busy = false;
    bool ok = an.code == errc::ok;
    if (c.req.op == ns_op::lookup) {
      if (!ok && an.code != errc::enoent)
        return w.fail("lookup " + o.key + ": " + str(an.code));
      o.result = ok ? "1" : "0";
      return;
    }
    errc other = c.req.op == ns_op::create ? errc::eexist : errc::enoent;
    if (!ok && an.code != other)
      return w.fail(str(c.req.op) + " " + o.key + ": " + str(an.code));
    o.ok = ok;
    if (c.resent == 0)
      return;
    ++answered_again;
    w.note("client " + str(c.req.op) + " " + o.key + " rid " +
           std::to_string(c.req.rid) + " answered " + str(an.code) +
           " after going again");
    // Its record was durable before this try ran (a try that took effect
    // later would have run on a core holding the record), so the group
    // must have answered from it.
    if (!ok && recorded_in(c.req, g))
      return w.fail(str(c.req.op) + " " + o.key + " rid " +
                    std::to_string(c.req.rid) + " answered " + str(an.code) +
                    " though a try of it took effect in g" + std::to_string(g));
  }

  /// Whether group `x`'s store on some replica records `req`'s id (for its
  /// directory and name) as a success: a try of it took effect there.
  bool recorded_in(const ns_request& req, group_id x) const {
    for (node_id a = 1; a <= nodes; ++a)
      for (auto& rec : w.at(a).shards[x].store->load().requests)
        if (rec.rid == req.rid && rec.dir == req.dir &&
            rec.hash == name_hash(req.name) && rec.code == errc::ok)
          return true;
    return false;
  }
};

} // namespace ds::gsim
