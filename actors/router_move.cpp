// The driver of a part's migration (DESIGN section 4), run by the router
// that was asked. The metadata Raft log decides: a migration commits or
// aborts exactly once, and the shards act only on that decision.
//
//   1. begin: the metadata store records the migration (id);
//   2. the source stops writes to the part and, once that is durable,
//      hands over its entries (reads go on);
//   3. the destination stores them as a pending part (not served);
//   4. commit: the placement changes at epoch e (the commit point);
//   5. the source releases the part (EWRONGSHARD from now on), the
//      destination activates it.
// A failure before 4 aborts through the log, then thaws the source and
// discards the destination's copy. A commit whose outcome is unknown is
// settled by proposing an abort: the log answers which one won.
#include <caf/all.hpp>

#include "actors/router.hpp"

namespace ds {

struct move_job {
  move_request req;
  uint32_t from = 0;
  uint64_t id = 0;
  uint64_t epoch = 0;
  caf::typed_response_promise<meta_result> rp;
  std::vector<entry> entries;
};

namespace {

meta_command command(meta_command::kind_t k, uint64_t id) {
  meta_command c;
  c.kind = k;
  c.migration = id;
  return c;
}

} // namespace

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
  meta_command b;
  b.kind = meta_command::migration_begin;
  b.dir = j->req.dir;
  b.range = j->req.range;
  b.from = j->from;
  b.shard = j->req.to;
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
  to_meta(command(meta_command::migration_commit, j->id), [this,
                                                           j](meta_result r) {
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
  to_meta(command(meta_command::migration_abort, j->id),
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
            part_step(j->from, step_of(*j, part_request::thaw),
                      [this, j, exported, done](part_reply) mutable {
                        if (!exported)
                          return done(part_reply{});
                        part_step(j->req.to, step_of(*j, part_request::discard),
                                  done);
                      });
          });
}

void router_state::move_finish(std::shared_ptr<move_job> j) {
  part_step(j->from, step_of(*j, part_request::release), [this, j](part_reply) {
    part_step(j->req.to, step_of(*j, part_request::activate),
              [this, j](part_reply a) {
                meta_result out;
                out.code = a.code;
                out.epoch = j->epoch;
                out.migration = j->id;
                refresh(j->req.dir, [j, out]() mutable { j->rp.deliver(out); });
              });
  });
}

caf::result<meta_result> router_state::move(move_request& m) {
  if (m.to >= shards.size() || !m.range.aligned() || m.dir == 0)
    return meta_result{errc::einval, 0, 0, 0};
  auto rp = self->make_response_promise<meta_result>();
  // The current holder, from the placement store (not the cache).
  refresh(m.dir, [this, m, rp]() mutable {
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
