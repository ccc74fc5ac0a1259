#include "actors/shard.hpp"

#include <algorithm>
#include <chrono>

#include <caf/all.hpp>

#include "actors/log.hpp"
#include "storage/batch_codec.hpp"
#include "storage/sqlite.hpp"

namespace ds {

int64_t wall_clock_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

namespace {

// Applies one step of moving a part to the core: one operator per step.
struct part_step_applier {
  ns_shard& c;
  part_reply& rep;
  int64_t now_ns;
  void operator()(part_begin_export& s) {
    rep.code = c.begin_export(s.part.dir, s.part.range, s.part.migration);
  }
  void operator()(part_release& s) {
    rep.code =
        c.release(s.part.dir, s.part.range, s.part.migration, s.to, s.epoch);
  }
  void operator()(part_thaw& s) {
    rep.code = c.thaw(s.part.dir, s.part.range, s.part.migration);
  }
  void operator()(part_import& s) {
    rep.code = c.import(s.part.dir, s.part.range, s.part.migration,
                        std::move(s.entries), s.requests);
  }
  void operator()(part_activate& s) {
    rep.code = c.activate(s.part.dir, s.part.range, s.part.migration, s.epoch);
  }
  void operator()(part_discard& s) {
    rep.code = c.discard(s.part.dir, s.part.range, s.part.migration);
  }
  void operator()(part_list_unresolved&) { rep.unresolved = c.unresolved(); }
  void operator()(part_copy& s) {
    rep.code = c.copy_part(s.part.dir, s.part.range, s.part.migration, s.first,
                           s.after_hash, s.after_name, s.max, now_ns,
                           rep.entries, rep.eof, &rep.requests);
  }
  void operator()(part_freeze& s) {
    rep.code = c.freeze(s.part.dir, s.part.range, s.part.migration, now_ns);
  }
  void operator()(part_patch& s) {
    rep.code = c.patch(s.part.dir, s.part.range, s.part.migration, s.hashes,
                       std::move(s.entries), std::move(s.requests));
  }
};

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t)
      .count();
}

} // namespace

caf::result<std::vector<ns_reply>>
shard_state::serve(std::vector<ns_request>& reqs) {
  if (replicated())
    return serve_replicated(reqs);
  auto arrived = std::chrono::steady_clock::now();
  if (gate) {
    // Every op takes a token; the batch is served when its last op is.
    auto now = capacity_now();
    auto due = now;
    for (std::size_t i = 0; i < reqs.size(); ++i)
      due = gate->serve(now);
    if (due > now || !held.empty()) {
      auto rp = self->make_response_promise<std::vector<ns_reply>>();
      held.push_back(held_batch{due, std::move(reqs), rp, arrived});
      meters->held.fetch_add(held.back().reqs.size(),
                             std::memory_order_relaxed);
      arm_capacity();
      return rp;
    }
  }
  bool wait = false;
  std::vector<size_t> held_back;
  auto out = apply(reqs, wait, &held_back);
  if (!held_back.empty()) {
    auto rp = self->make_response_promise<std::vector<ns_reply>>();
    park(rp, std::move(reqs), std::move(out), std::move(held_back), wait,
         arrived);
    return rp;
  }
  if (!wait) {
    meters->request_seconds.observe(seconds_since(arrived), out.size());
    return out;
  }
  auto rp = self->make_response_promise<std::vector<ns_reply>>();
  answer_when_durable(rp, std::move(out), arrived);
  return rp;
}

std::vector<ns_reply> shard_state::apply(std::vector<ns_request>& reqs,
                                         bool& wait,
                                         std::vector<size_t>* parked_out) {
  std::vector<ns_reply> out;
  out.reserve(reqs.size());
  auto now = wall_clock_ns();
  for (size_t i = 0; i < reqs.size(); ++i) {
    if (parked_out && core->parks(reqs[i])) {
      parked_out->push_back(i);
      out.emplace_back();
      continue;
    }
    bool w = false;
    out.push_back(apply_one(reqs[i], now, w));
    wait = wait || w;
  }
  return out;
}

ns_reply shard_state::apply_one(const ns_request& r, int64_t now_ns,
                                bool& wait) {
  auto rep = core->apply(r, now_ns, wait);
  if (counting)
    log.record(*core, r, rep);
  meters->ops[static_cast<size_t>(r.op)].fetch_add(1,
                                                   std::memory_order_relaxed);
  return rep;
}

void shard_state::answer(caf::typed_response_promise<std::vector<ns_reply>> rp,
                         std::vector<ns_reply> out, bool wait,
                         std::chrono::steady_clock::time_point arrived) {
  if (wait)
    return answer_when_durable(std::move(rp), std::move(out), arrived);
  meters->request_seconds.observe(seconds_since(arrived), out.size());
  rp.deliver(std::move(out));
}

void shard_state::answer_when_durable(
    caf::typed_response_promise<std::vector<ns_reply>> rp,
    std::vector<ns_reply> out, std::chrono::steady_clock::time_point arrived) {
  meters->waiting.fetch_add(out.size(), std::memory_order_relaxed);
  // Changes not yet taken go into the open batch; otherwise the answer only
  // depends on the batch at the committer.
  auto batch = core->dirty() ? open_batch : open_batch - 1;
  queue.push_back(waiting{rp, std::move(out), batch, arrived});
  if (!committing && core->dirty())
    start_commit();
}

double shard_state::capacity_now() const {
  if (capacity.clock)
    return capacity.clock();
  return std::chrono::duration<double>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void shard_state::serve_held() {
  capacity_armed = false;
  auto now = capacity_now();
  // Due times are sums of token intervals: a microsecond of slack keeps
  // their rounding from holding a batch for one more timer.
  while (!held.empty() && held.front().due <= now + 1e-6) {
    auto h = std::move(held.front());
    held.pop_front();
    meters->held.fetch_sub(h.reqs.size(), std::memory_order_relaxed);
    bool wait = false;
    std::vector<size_t> held_back;
    auto out = apply(h.reqs, wait, &held_back);
    if (!held_back.empty())
      park(std::move(h.rp), std::move(h.reqs), std::move(out),
           std::move(held_back), wait, h.arrived);
    else
      answer(std::move(h.rp), std::move(out), wait, h.arrived);
  }
  arm_capacity();
}

void shard_state::arm_capacity() {
  if (held.empty() || capacity_armed)
    return;
  capacity_armed = true;
  auto wait = std::max(0.0, held.front().due - capacity_now());
  self->delayed_send(self,
                     std::chrono::duration_cast<caf::timespan>(
                         std::chrono::duration<double>(wait)),
                     capacity_atom::value);
}

caf::result<part_reply> shard_state::part_step(part_request& req) {
  auto rp = self->make_response_promise<part_reply>();
  if (replicated()) {
    // As a batch: only once a check by the host, issued after the step
    // arrived, shows this replica leading (shard_group.cpp).
    unchecked.push_back(unchecked_batch{
        {}, {}, std::chrono::steady_clock::now(), std::move(req), rp});
    if (!checking)
      start_check();
    return rp;
  }
  run_part_step(req, rp);
  return rp;
}

void shard_state::run_part_step(part_request& req,
                                caf::typed_response_promise<part_reply> rp) {
  part_reply rep;
  auto& c = *core;
  std::visit(part_step_applier{c, rep, wall_clock_ns()}, req);
  const part_ref* part = part_of(req);
  if (part) {
    // A copy's later chunks are one step each: only the first is news.
    auto* copy = std::get_if<part_copy>(&req);
    auto level = rep.code != errc::ok   ? log_level::warn
                 : copy && !copy->first ? log_level::debug
                                        : log_level::info;
    log_event(level, "shard", "migration step",
              {{"shard", c.shard_id()},
               {"migration", part->migration},
               {"step", step_name(req)},
               {"dir", part->dir},
               {"result", to_string(rep.code)}});
  }
  if (rep.code != errc::ok) {
    rp.deliver(std::move(rep));
    return;
  }
  unpark(false); // a part may have changed hands: held requests go on
  // Answer once this step, and every write before it, is durable. After a
  // begin_export or a freeze no write to the part follows, so the entries
  // (or the delta) read then are final. A copy's chunk was read now: it may
  // hold writes not yet durable, so it waits for them too. A listing of
  // unresolved parts changes nothing, but what it reports must be durable:
  // an activate or a release applied here and lost in a crash before its
  // commit would bring its mark back after the scans had settled the move
  // on this report, and they would undo that mark (a discard of the part
  // the source released).
  //
  // Except the freeze: it is answered at once, with its delta (final, as no
  // write to the part follows), so that the destination stores the delta
  // while this shard commits the freeze. The driver commits the move only
  // once a listing of unresolved parts here, answered once durable, shows
  // the part exporting: if this shard loses the freeze first (a crash), the
  // listing does not, and the move aborts; the writes in the delta that
  // were never durable here were never acknowledged either.
  auto ref = part ? *part : part_ref{};
  if (std::holds_alternative<part_freeze>(req)) {
    core->copy_delta(ref.dir, ref.range, ref.migration, rep.hashes, rep.entries,
                     &rep.requests);
    rp.deliver(std::move(rep));
    return;
  }
  bool exporting = std::holds_alternative<part_begin_export>(req);
  when_durable(
      [this, rp, exporting, ref, rep = std::move(rep)](bool durable) mutable {
        if (!durable) {
          rp.deliver(part_reply{lost_because, {}, {}, false, {}});
          return;
        }
        if (exporting)
          rep.entries = core->part_entries(ref.dir, ref.range);
        rp.deliver(std::move(rep));
      });
}

void shard_state::when_durable(std::function<void(bool)> f) {
  if (!core->dirty() && !committing)
    return f(true); // nothing is waiting for storage
  after_commit.emplace_back(core->dirty() ? open_batch : open_batch - 1,
                            std::move(f));
  if (!committing)
    start_commit();
}

void shard_state::start_commit() {
  committing = true;
  auto batch = open_batch++;
  auto changes = core->take_changes();
  meters->commit_records.observe(
      static_cast<double>(changes.put_entries.size() + changes.del_rows.size() +
                          changes.put_nodes.size() + changes.del_nodes.size() +
                          changes.dead_dirs.size() + changes.put_parts.size()));
  commit_started = std::chrono::steady_clock::now();
  if (replicated())
    return propose(batch, std::move(changes));
  self->request(committer, caf::infinite, commit_atom::value,
                std::move(changes))
      .then([this, batch](uint64_t) { on_committed(batch); },
            [this](caf::error& err) { fail(err); });
}

void shard_state::on_committed(uint64_t batch) {
  core->committed();
  ++commits;
  committing = false;
  meters->commit_seconds.observe(seconds_since(commit_started));
  while (!queue.empty() && queue.front().batch <= batch) {
    auto& w = queue.front();
    meters->request_seconds.observe(seconds_since(w.arrived), w.replies.size());
    meters->waiting.fetch_sub(w.replies.size(), std::memory_order_relaxed);
    w.rp.deliver(std::move(w.replies));
    queue.pop_front();
  }
  while (!after_commit.empty() && after_commit.front().first <= batch) {
    auto f = std::move(after_commit.front().second);
    after_commit.pop_front();
    f(true);
  }
  collect_garbage();
  if (core->dirty())
    start_commit();
  else if (replicated() && !leading && !checking)
    start_check(); // batches wait for this outcome to lead
}

void shard_state::collect_garbage() {
  // Entries of parts given away go a chunk per commit, joining the
  // requests' batches, until none are left. Not into a batch that a
  // migration step waits for: a release's commit (the writes to its part
  // wait for it) stays small, and the chunk goes into the commit after.
  if (core->has_garbage() && after_commit.empty())
    core->collect_garbage(garbage_chunk);
}

void shard_state::fail(const caf::error& err) {
  // The store may be in any state now: nothing more is acknowledged.
  // Restarting the node recovers the shard from what is on disk.
  log_event(
      log_level::error, "shard", "commit failed; the shard stops",
      {{"shard", core->shard_id()}, {"error", self->system().render(err)}});
  for (auto& w : queue) {
    meters->waiting.fetch_sub(w.replies.size(), std::memory_order_relaxed);
    for (auto& r : w.replies)
      r = ns_reply{errc::eio, {}, {}, {}, false};
    w.rp.deliver(std::move(w.replies));
  }
  queue.clear();
  for (auto& [batch, f] : after_commit)
    f(false); // the step is not durable: it failed
  after_commit.clear();
  for (auto& h : held) {
    meters->held.fetch_sub(h.reqs.size(), std::memory_order_relaxed);
    h.rp.deliver(std::vector<ns_reply>(h.reqs.size(),
                                       ns_reply{errc::eio, {}, {}, {}, false}));
  }
  held.clear();
  for (auto& b : parked) {
    meters->parked.fetch_sub(b.left.size(), std::memory_order_relaxed);
    b.rp.deliver(std::vector<ns_reply>(b.reqs.size(),
                                       ns_reply{errc::eio, {}, {}, {}, false}));
  }
  parked.clear();
  self->send_exit(committer, caf::exit_reason::user_shutdown);
  self->quit(err);
}

shard_info shard_state::info() const {
  shard_info x;
  x.shard = core->shard_id();
  x.stats = core->stats();
  x.commits = commits;
  return x;
}

shard_actor::behavior_type
shard_behavior(guarded_pointer<shard_actor, shard_state> self,
               std::shared_ptr<ns_shard> core, committer_actor committer) {
  return metered_shard_behavior(self, std::move(core), std::move(committer),
                                std::make_shared<shard_meters>(), {}, {});
}

shard_actor::behavior_type
metered_shard_behavior(guarded_pointer<shard_actor, shard_state> self,
                       std::shared_ptr<ns_shard> core,
                       committer_actor committer,
                       std::shared_ptr<shard_meters> meters,
                       shard_psm_options psm, shard_capacity_options capacity) {
  auto& st = self->state;
  if (capacity.rate > 0)
    st.gate.emplace(capacity.rate, capacity.burst > 0
                                       ? capacity.burst
                                       : std::max(1.0, capacity.rate / 100));
  st.capacity = std::move(capacity);
  st.self = self;
  st.meters = std::move(meters);
  st.core = std::move(core);
  st.committer = std::move(committer);
  st.psm = std::move(psm);
  st.start_slots();
  st.collect_garbage(); // left by a release before a restart
  if (st.core->dirty())
    st.start_commit();
  return {
      [self](ns_atom, std::vector<ns_request>& reqs)
          -> caf::result<std::vector<ns_reply>> {
        return self->state.serve(reqs);
      },
      [self](shards_atom) { return self->state.info(); },
      [self](part_atom, part_request& req) {
        return self->state.part_step(req);
      },
      [self](psm_tick_atom, uint64_t slot) { self->state.end_slot(slot); },
      [self](capacity_atom) { self->state.serve_held(); },
      [self](park_atom) {
        self->state.park_armed = false;
        self->state.unpark(true);
      },
      [self](psm_import_atom, std::vector<psm_access>& xs) {
        return self->state.import_accesses(xs);
      },
  };
}

} // namespace ds
