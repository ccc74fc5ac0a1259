// The driver of a part's migration (docs/ARCHITECTURE.md, "Parts of
// directories"), run by the router that was asked. The metadata Raft log
// decides: a migration commits or aborts exactly once, and the shards act only
// on that decision.
//
//   1. begin: the metadata store records the migration (id);
//   2. the source stops writes to the part and, once that is durable,
//      hands over its entries (reads go on);
//   3. the destination stores them as a pending part (not served);
//   4. commit: the placement changes at epoch e (the commit point);
//   5. the source releases the part (EWRONGSHARD from now on); only once
//      that is durable there does the destination activate it, so two
//      shards never both serve the part.
// A failure before 4 aborts through the log, then thaws the source and
// discards the destination's copy. A commit whose outcome is unknown is
// settled by proposing an abort: the log answers which one won.
//
// If the driver dies (its node crashes) the parts it left exporting or
// pending are durable on their shards. Every router scans its node's shards
// periodically; a part found unresolved by two scans in a row is settled
// the same way: the log's record (or an abort proposed now) decides between
// release + activate and thaw + discard.
#include <caf/all.hpp>

#include "actors/router/router.hpp"

namespace ds {

struct move_job {
  move_request req;
  uint32_t from = 0;
  uint64_t id = 0;
  uint64_t epoch = 0;
  caf::typed_response_promise<meta_result> rp;
  std::vector<entry> entries;
};

void router_state::part_step(uint32_t shard, part_request req,
                             std::function<void(part_reply)> done) {
  if (!shards[shard]) {
    part_reply r;
    r.code = errc::eunavailable;
    return done(r);
  }
  self->request(shards[shard], timeout, part_atom::value, std::move(req))
      .then([done](part_reply& r) { done(std::move(r)); },
            [done](caf::error&) {
              part_reply r;
              r.code = errc::eunavailable;
              done(r);
            });
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

part_request router_state::step_of(const move_job& j, part_request::op_t op) {
  part_request p;
  p.op = op;
  p.dir = j.req.dir;
  p.range = j.req.range;
  p.migration = j.id;
  p.shard = j.req.to;
  p.epoch = j.epoch;
  return p;
}

void router_state::move_begin(std::shared_ptr<move_job> j) {
  migration_begin b{j->req.dir, j->req.range, j->from, j->req.to, "", 0, false};
  to_meta(b, [this, j](meta_result r) {
    if (r.code != errc::ok) {
      j->rp.deliver(r);
      return;
    }
    j->id = r.migration;
    part_step(j->from, step_of(*j, part_request::begin_export),
              [this, j](part_reply p) {
                if (p.code != errc::ok)
                  return move_abort(j, p.code, false);
                auto imp = step_of(*j, part_request::import);
                imp.entries = std::move(p.entries);
                part_step(j->req.to, std::move(imp), [this, j](part_reply q) {
                  if (q.code != errc::ok)
                    return move_abort(j, q.code, true);
                  move_commit(j);
                });
              });
  });
}

void router_state::move_commit(std::shared_ptr<move_job> j) {
  to_meta(migration_commit{j->id}, [this, j](meta_result r) {
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
  to_meta(migration_abort{j->id}, [this, j, why, exported](meta_result r) {
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
    part_step(j->from, step_of(*j, part_request::thaw),
              [this, j, exported, done](part_reply) mutable {
                if (!exported)
                  return done(part_reply{});
                part_step(j->req.to, step_of(*j, part_request::discard), done);
              });
  });
}

void router_state::finish_committed(part_request p, uint32_t from,
                                    std::function<void(errc)> done) {
  // The destination may serve only once the source cannot: the release
  // must be durable at the source (its answer says so) before the activate
  // is sent. A release that fails or is never answered leaves the part
  // pending at the destination (writes to it wait, reads go on at the
  // source); the scans finish it in the same order once the source answers.
  p.op = part_request::release;
  auto to = p.shard;
  part_step(from, p, [this, p, to, done](part_reply r) mutable {
    if (r.code != errc::ok)
      return done(errc::eunavailable);
    p.op = part_request::activate;
    part_step(to, p, [done](part_reply a) { done(a.code); });
  });
}

void router_state::move_finish(std::shared_ptr<move_job> j) {
  finish_committed(
      step_of(*j, part_request::release), j->from, [this, j](errc code) {
        meta_result out;
        out.code = code; // EUNAVAILABLE: committed, finished by the scans
        out.epoch = j->epoch;
        out.migration = j->id;
        refresh(j->req.dir, [j, out](bool) mutable { j->rp.deliver(out); });
      });
}

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
    if (ripe.empty() || !metadata)
      return;
    self->request(metadata, timeout, migrations_atom::value)
        .then(
            [this, ripe](std::vector<migration_record>& log) {
              for (auto& [s, u] : ripe)
                settle(s, u, log);
            },
            [](caf::error&) {}); // the next scan tries again
  };
  for (uint32_t k = 0; k < cluster.shards_per_node(); ++k) {
    auto g = cluster.global_shard(cluster.self_index(), k);
    part_request q;
    q.op = part_request::unresolved;
    part_step(g, q, [g, found, left, done](part_reply r) {
      for (auto& u : r.unresolved)
        found->emplace_back(g, u);
      if (--*left == 0)
        done();
    });
  }
}

void router_state::settle(uint32_t shard, unresolved_part u,
                          const std::vector<migration_record>& log) {
  const migration_record* rec = nullptr;
  for (auto& m : log)
    if (m.id == u.part.migration)
      rec = &m;
  if (!rec)
    return; // not in the log: nothing decides it; leave it alone
  bool exporting = u.part.state == dir_part::exporting;
  auto act = [this, shard, u, exporting, from = rec->from,
              to = rec->to](bool committed, uint64_t epoch) {
    part_request p;
    p.dir = u.dir;
    p.range = u.part.range;
    p.migration = u.part.migration;
    p.shard = to;
    p.epoch = epoch;
    auto again = [this, dir = u.dir](auto&&...) { refresh(dir, [](bool) {}); };
    // Committed: whichever side this node found, the source releases first
    // and the destination activates only after (finish_committed), so the
    // scans of two nodes obey the same order as the driver.
    if (committed)
      return finish_committed(p, from, again);
    p.op = exporting ? part_request::thaw : part_request::discard;
    part_step(shard, p, again);
  };
  if (rec->state != migration_record::started)
    return act(rec->state == migration_record::committed, rec->epoch);
  to_meta(migration_abort{rec->id}, [act](meta_result r) mutable {
    if (r.code == errc::ok)
      act(false, 0);
    else if (r.code == errc::econflict)
      act(true, r.epoch);
    // unavailable: the next scan tries again
  });
}

caf::result<meta_result> router_state::move(move_request& m) {
  if (m.to >= shards.size() || !m.range.aligned() || m.dir == 0)
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
