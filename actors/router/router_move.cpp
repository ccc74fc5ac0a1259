// The driver of a part's migration (docs/ARCHITECTURE.md, "Parts of
// directories"), run by the router that was asked. The metadata Raft log
// decides: a migration commits or aborts exactly once, and the shards act only
// on that decision.
//
//   1. begin: the metadata store records the migration (id) and its owner,
//      this node; while the driver works it records progress every third
//      of the move lease, so that a move is never aborted for being slow,
//      only for having lost its driver (router_resolve.cpp), and the
//      entries sent so far (also after a chunk, at most once a second);
//   2. the source hands over the part's entries in chunks while it keeps
//      serving it, recording which names the writes meanwhile touch; the
//      destination stores each chunk in a pending part (not served);
//   3. the source stops writes to the part and hands over the delta: the
//      touched names as they are now (reads go on); the destination stores
//      it while the source commits the freeze, which a listing of the
//      source's unresolved parts (answered once durable) then proves;
//   4. commit: the placement changes at epoch e (the commit point); the
//      commit carries the final count of entries sent (chunks and delta);
//   5. the source releases the part (EWRONGSHARD from now on); only once
//      that is durable there does the destination activate it, so two
//      shards never both serve the part.
// If the source loses its copy before 4 (it restarted, or its group's leader
// changed), the destination's copy is discarded and the copy starts again
// (at most max_copy_restarts times). Any other failure before 4 aborts
// through the log, then thaws the source and discards the destination's
// copy. A commit whose outcome is unknown is settled by proposing an abort:
// the log answers which one won. Whatever the driver leaves undone, the
// scans finish (router_resolve.cpp).
#include <algorithm>

#include <caf/all.hpp>

#include "actors/router/router.hpp"

namespace ds {

struct move_job {
  move_request req;
  uint32_t from = 0;
  uint64_t id = 0;
  uint64_t epoch = 0;
  /// The copy's cursor: the last entry copied, and whether any was.
  bool copied = false;
  uint64_t after_hash = 0;
  std::string after_name;
  /// Entries sent to the destination so far: the chunks, then the delta
  /// (an entry written during the copy may be sent in both).
  uint64_t entries = 0;
  /// When `entries` was last recorded in the metadata store (or the begin).
  caf::actor_clock::time_point reported;
  /// The earliest start of the copy's next chunk (paced copies).
  caf::actor_clock::time_point next_chunk;
  /// Times the copy started again after the source lost it.
  int restarts = 0;
  caf::typed_response_promise<meta_result> rp;
  /// The part being moved, as the steps name it.
  part_ref part() const { return {req.dir, req.range, id}; }
};

/// One try of a part's step (part_step_at) and where it was sent.
struct step_try {
  uint32_t shard = 0;
  part_request req;
  std::function<void(part_reply)> done;
  caf::actor_clock::time_point deadline;
  int attempt = 0;
  shard_actor target;
};

namespace {

/// Steps that may be sent again when their outcome is unknown: repeating
/// one changes nothing that the first did (ns_parts.cpp, ns_copy.cpp). A
/// copy's chunk and the freeze repeat at the replica that holds the copy;
/// a new leader has no copy and answers them ENOENT, and the copy starts
/// again (move_recopy).
bool repeatable(const part_request& r) {
  return std::holds_alternative<part_copy>(r) ||
         std::holds_alternative<part_freeze>(r) ||
         std::holds_alternative<part_import>(r) ||
         std::holds_alternative<part_patch>(r) ||
         std::holds_alternative<part_discard>(r) ||
         std::holds_alternative<part_release>(r) ||
         std::holds_alternative<part_activate>(r) ||
         std::holds_alternative<part_list_unresolved>(r);
}

} // namespace

caf::timespan router_state::step_limit(const part_request& req) const {
  // A whole part's export takes time in proportion to its size: a slow
  // copy is not a lost shard. A chunk's steps are bounded by the chunk
  // (or, for a delta, by the writes during the copy): a shard that does not
  // answer one within ten request timeouts is taken for lost, and the move
  // aborts instead of waiting minutes for a node that died.
  if (std::holds_alternative<part_begin_export>(req))
    return bulk_timeout;
  bool chunk = std::holds_alternative<part_import>(req) ||
               std::holds_alternative<part_copy>(req) ||
               std::holds_alternative<part_freeze>(req) ||
               std::holds_alternative<part_patch>(req);
  return chunk ? 10 * timeout : timeout;
}

void router_state::part_step(uint32_t shard, part_request req,
                             std::function<void(part_reply)> done) {
  // A repeatable step of a replicated group gets one more try after a
  // whole lost attempt (its replica died with it): a failover, not a move
  // that must abort.
  auto deadline = self->clock().now() + 2 * timeout;
  if (replicated() && repeatable(req))
    deadline += step_limit(req);
  part_step_at(shard, std::move(req), std::move(done), deadline, 0);
}

void router_state::part_step_later(uint32_t shard, part_request req,
                                   std::function<void(part_reply)> done,
                                   caf::actor_clock::time_point deadline,
                                   int attempt) {
  auto id = ++later_seq;
  later[id] = [this, shard, req = std::move(req), done = std::move(done),
               deadline, attempt]() mutable {
    part_step_at(shard, std::move(req), std::move(done), deadline, attempt);
  };
  auto wait =
      std::chrono::milliseconds(std::min(50, 1 << std::min(attempt, 6)));
  self->delayed_send(self, wait, retry_atom::value, id);
}

void router_state::part_step_at(uint32_t shard, part_request req,
                                std::function<void(part_reply)> done,
                                caf::actor_clock::time_point deadline,
                                int attempt) {
  if (!shards[shard]) {
    part_reply r;
    r.code = errc::eunavailable;
    return done(r);
  }
  step_try t{shard,    std::move(req), std::move(done),
             deadline, attempt,        shards[shard]};
  // Answered once: by the replica, or as unanswered (no answer in time,
  // or, in a replicated group, as soon as the replica's member is found
  // gone: a chunk's step may wait ten request timeouts otherwise).
  auto answered = std::make_shared<bool>(false);
  auto once_lost = [this, answered, t]() {
    if (!*answered) {
      *answered = true;
      part_step_lost(t);
    }
  };
  if (replicated())
    track_in_flight(member_of(shard, t.target), answered,
                    [once_lost](std::vector<ns_reply>*) { once_lost(); });
  self->request(t.target, step_limit(t.req), part_atom::value, t.req)
      .then(
          [this, answered, t](part_reply& r) {
            if (!*answered) {
              *answered = true;
              part_step_replied(t, r);
            }
          },
          [once_lost](caf::error&) { once_lost(); });
}

void router_state::part_step_replied(step_try t, part_reply& r) {
  bool in_time = replicated() && self->clock().now() < t.deadline;
  // Refused by a replica that does not lead: nothing was applied, the next
  // replica may lead (an election may still be on).
  if (r.code == errc::enotleader && in_time) {
    ++stats.not_leader;
    if (shards[t.shard] == t.target)
      follow_leader(t.shard, member_of(t.shard, t.target), 0);
    return part_step_later(t.shard, std::move(t.req), std::move(t.done),
                           t.deadline, t.attempt + 1);
  }
  // Its outcome unknown (the replica's proposal unanswered in time): a
  // repeatable step goes again, and the group answers it as it answered
  // the first, or applies it now.
  if (r.code == errc::eunavailable && in_time && repeatable(t.req))
    return part_step_later(t.shard, std::move(t.req), std::move(t.done),
                           t.deadline, t.attempt + 1);
  t.done(std::move(r));
}

void router_state::part_step_lost(step_try t) {
  // No answer: the replica may have died with it.
  if (replicated() && repeatable(t.req) && self->clock().now() < t.deadline) {
    ++stats.unanswered;
    if (shards[t.shard] == t.target)
      follow_leader(t.shard, member_of(t.shard, t.target), 0);
    return part_step_later(t.shard, std::move(t.req), std::move(t.done),
                           t.deadline, t.attempt + 1);
  }
  part_reply r;
  r.code = errc::eunavailable;
  t.done(r);
}

void router_state::to_meta(meta_command cmd,
                           std::function<void(meta_result)> done) {
  if (!metadata)
    return done(meta_result{errc::eunavailable, 0, 0, 0});
  self->request(metadata, timeout, meta_atom::value, std::move(cmd))
      .then([done](meta_result& r) { done(r); },
            [done](caf::error&) {
              done(meta_result{errc::eunavailable, 0, 0, 0});
            });
}

void router_state::move_begin(std::shared_ptr<move_job> j) {
  migration_begin b{j->req.dir, j->req.range, j->from,     j->req.to,
                    owner_id(), now_ns(),     j->req.force};
  to_meta(b, [this, j](meta_result r) {
    if (r.code != errc::ok) {
      // Lost answer (EUNAVAILABLE): the begin may still have committed;
      // nobody renews it, so the scans abort it after the lease.
      j->rp.deliver(r);
      return;
    }
    j->id = r.migration;
    j->reported = self->clock().now();
    renew(j);
    move_copy(j);
  });
}

void router_state::move_copy(std::shared_ptr<move_job> j) {
  // Paced: a chunk of n entries starts no sooner than n / copy_rate after
  // the one before it started (the copy_rate node setting, move-copy-rate).
  auto now = self->clock().now();
  if (copy_rate > 0 && j->next_chunk > now) {
    auto id = ++later_seq;
    later[id] = [this, j] { move_copy(j); };
    self->delayed_send(self, j->next_chunk - now, retry_atom::value, id);
    return;
  }
  // Paced chunks are a 25 ms share of the rate (at least 64 entries), so
  // that each is a short burst for the nodes, unless the move names its own.
  auto chunk = j->req.chunk    ? j->req.chunk
               : copy_rate > 0 ? static_cast<uint32_t>(std::clamp<uint64_t>(
                                     copy_rate / 40, 64, copy_chunk))
                               : copy_chunk;
  if (copy_rate > 0)
    j->next_chunk = now + std::chrono::nanoseconds(static_cast<int64_t>(
                              1e9 * chunk / static_cast<double>(copy_rate)));
  part_copy c{j->part(), !j->copied, j->after_hash, j->after_name, chunk};
  part_step(j->from, std::move(c), [this, j](part_reply p) {
    if (p.code == errc::enoent && j->copied) // the source lost the copy
      return move_recopy(j, p.code);
    if (p.code != errc::ok) // nothing frozen; the copy so far is discarded
      return move_abort(j, p.code, j->copied);
    bool eof = p.eof;
    if (!p.entries.empty()) {
      j->after_hash = p.entries.back().hash;
      j->after_name = p.entries.back().name;
    }
    bool first = !j->copied;
    j->copied = true;
    j->entries += p.entries.size();
    if (p.entries.empty() && !first)
      return move_freeze(j); // the last chunk was full; none followed
    part_import imp{j->part(), std::move(p.entries), std::move(p.requests)};
    part_step(j->req.to, std::move(imp), [this, j, eof](part_reply q) {
      if (q.code != errc::ok)
        return move_abort(j, q.code, true);
      report_entries(*j);
      if (eof)
        return move_freeze(j);
      move_copy(j);
    });
  });
}

void router_state::move_freeze(std::shared_ptr<move_job> j) {
  part_step(j->from, part_freeze{j->part()}, [this, j](part_reply p) {
    if (p.code == errc::enoent) // the source lost the copy
      return move_recopy(j, p.code);
    if (p.code != errc::ok)
      return move_abort(j, p.code, true);
    // The freeze is answered before it is durable: the destination stores
    // the delta meanwhile, and a listing of the source's unresolved parts
    // (answered once durable) proves the freeze before the commit.
    auto delta = p.entries.size();
    auto left = std::make_shared<int>(2);
    auto failed = std::make_shared<errc>(errc::ok);
    auto lost = std::make_shared<bool>(false);
    auto joined = [this, j, left, failed, lost, delta](errc e) {
      if (e != errc::ok && *failed == errc::ok)
        *failed = e;
      if (--*left > 0)
        return;
      if (*lost && *failed == errc::eunavailable)
        return move_recopy(j, *failed);
      if (*failed != errc::ok)
        return move_abort(j, *failed, true);
      j->entries += delta;
      move_commit(j);
    };
    part_patch patch{j->part(), std::move(p.hashes), std::move(p.entries),
                     std::move(p.requests)};
    part_step(j->req.to, std::move(patch),
              [joined](part_reply q) { joined(q.code); });
    part_step(j->from, part_list_unresolved{}, [j, joined, lost](part_reply u) {
      if (u.code != errc::ok)
        return joined(u.code);
      for (auto& x : u.unresolved)
        if (x.dir == j->req.dir && x.part.range == j->req.range &&
            x.part.migration == j->id && x.part.state == dir_part::exporting)
          return joined(errc::ok);
      // The source lost the freeze (a restart, or its group's
      // leader changed before the freeze committed).
      *lost = true;
      joined(errc::eunavailable);
    });
  });
}

void router_state::move_recopy(std::shared_ptr<move_job> j, errc why) {
  // The source has no copy of the part any more: it restarted, its group's
  // leader changed, or the copy's lease ran out. The part is not frozen,
  // or frozen durably for this move; either way its entries as the source
  // holds them now are the whole truth. The destination's partial copy may
  // hold names unlinked since (and, from a leader that lost its term,
  // entries never committed): it is discarded before the copy starts again.
  if (j->restarts >= max_copy_restarts)
    return move_abort(j, why, true);
  ++j->restarts;
  ++stats.copy_restarts;
  part_step(j->req.to, part_discard{j->part()}, [this, j](part_reply q) {
    if (q.code != errc::ok && q.code != errc::enoent) // enoent: none left
      return move_abort(j, q.code, true);
    j->copied = false;
    j->after_hash = 0;
    j->after_name.clear();
    move_copy(j);
  });
}

void router_state::move_commit(std::shared_ptr<move_job> j) {
  migration_commit c{j->id, now_ns(), j->entries};
  to_meta(c, [this, j](meta_result r) {
    if (r.code == errc::ok) {
      j->epoch = r.epoch;
      return move_finish(j);
    }
    // Aborted meanwhile, or the outcome is unknown: the log says.
    move_abort(j,
               r.code == errc::econflict ? errc::econflict : errc::eunavailable,
               true);
  });
}

void router_state::move_abort(std::shared_ptr<move_job> j, errc why,
                              bool exported) {
  to_meta(migration_abort{j->id, now_ns()},
          [this, j, why, exported](meta_result r) {
            if (r.code == errc::econflict) { // it had committed: finish it
              j->epoch = r.epoch;
              return move_finish(j);
            }
            meta_result out;
            out.code = r.code == errc::ok ? why : errc::eunavailable;
            out.migration = j->id;
            if (r.code != errc::ok) { // undecided: the part stays frozen
              j->rp.deliver(out);
              return;
            }
            auto done = [j, out](part_reply) mutable { j->rp.deliver(out); };
            part_step(j->from, part_thaw{j->part()},
                      [this, j, exported, done](part_reply) mutable {
                        if (!exported)
                          return done(part_reply{});
                        part_step(j->req.to, part_discard{j->part()}, done);
                      });
          });
}

void router_state::finish_committed(part_ref part, uint32_t from, uint32_t to,
                                    uint64_t epoch,
                                    std::function<void(errc)> done) {
  // The destination may serve only once the source cannot: the release
  // must be durable at the source (its answer says so) before the activate
  // is sent. A release that fails or is never answered leaves the part
  // pending at the destination (writes to it wait, reads go on at the
  // source); the scans finish it in the same order once the source answers.
  part_step(from, part_release{part, to, epoch},
            [this, part, to, epoch, done](part_reply r) {
              if (r.code != errc::ok)
                return done(errc::eunavailable);
              part_step(to, part_activate{part, epoch},
                        [done](part_reply a) { done(a.code); });
            });
}

void router_state::move_finish(std::shared_ptr<move_job> j) {
  finish_committed(
      j->part(), j->from, j->req.to, j->epoch, [this, j](errc code) {
        meta_result out;
        out.code = code; // EUNAVAILABLE: committed, finished by the scans
        out.epoch = j->epoch;
        out.migration = j->id;
        out.entries = j->entries;
        refresh(j->req.dir, [j, out](bool) mutable { j->rp.deliver(out); });
      });
}

void router_state::renew(std::weak_ptr<move_job> w) {
  auto id = ++later_seq;
  later[id] = [this, w] {
    auto j = w.lock();
    if (!j || !j->rp.pending())
      return; // the driver is done with it
    j->reported = self->clock().now();
    to_meta(migration_progress{j->id, j->entries}, [this, w](meta_result r) {
      if (r.code == errc::econflict || r.code == errc::enoent)
        return; // decided already: the next step learns how
      renew(w); // recorded, or no quorum now: keep trying
    });
  };
  self->delayed_send(self, move_lease / 3, retry_atom::value, id);
}

void router_state::report_entries(move_job& j) {
  auto now = self->clock().now();
  if (now - j.reported < progress_every)
    return;
  j.reported = now;
  // Nobody waits for it: a lost record is made good by the next one, and
  // the renewals alone keep the move alive.
  to_meta(migration_progress{j.id, j.entries}, [](meta_result) {});
}

int64_t router_state::now_ns() const {
  return wall_at_start_ns +
         std::chrono::duration_cast<std::chrono::nanoseconds>(
             self->clock().now() - clock_at_start)
             .count();
}

std::string router_state::owner_id() const {
  return cluster.members()[cluster.self_index()].id;
}

caf::result<meta_result> router_state::move(move_request& m) {
  if (m.to >= shards.size() || !m.range.aligned() || m.dir == 0 ||
      m.chunk > max_copy_chunk)
    return meta_result{errc::einval, 0, 0, 0};
  auto rp = self->make_response_promise<meta_result>();
  // The current holder, from the placement store (not the cache).
  refresh(m.dir, [this, m, rp](bool ok) mutable {
    if (!ok) {
      rp.deliver(meta_result{errc::eunavailable, 0, 0, 0});
      return;
    }
    auto from = holder(m.dir, m.range.lo);
    if (from == m.to) {
      rp.deliver(meta_result{errc::eexist, 0, 0, 0});
      return;
    }
    auto job = std::make_shared<move_job>();
    job->req = m;
    job->from = from;
    job->rp = rp;
    move_begin(job);
  });
  return rp;
}

} // namespace ds
