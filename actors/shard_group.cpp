// A shard as one replica of its shard group. Only the group's leader serves:
// each batch waits for a check by the node's Raft host issued after it
// arrived (the leader's lease answers at once, otherwise a ReadIndex round),
// so that no answer comes from a replica deposed without knowing it. A
// replica that comes to lead loads its store (which holds every entry up to
// the check's index, written by the committer, the group's sink) and serves
// from memory as an unreplicated shard does. Its commits are proposals for
// the term it leads in; the host refuses one for another term before it is
// appended, so a core that missed another leader's entries never writes.
#include "actors/shard.hpp"

#include <caf/all.hpp>

#include "actors/log.hpp"
#include "storage/batch_codec.hpp"

namespace ds {

ns_reply shard_state::refusal(errc code) const {
  ns_reply r;
  r.code = code;
  if (code == errc::enotleader)
    r.node = leader_hint;
  return r;
}

caf::result<std::vector<ns_reply>>
shard_state::serve_replicated(std::vector<ns_request>& reqs) {
  auto rp = self->make_response_promise<std::vector<ns_reply>>();
  unchecked.push_back(
      unchecked_batch{rp, std::move(reqs), std::chrono::steady_clock::now()});
  if (!checking)
    start_check();
  return rp;
}

void shard_state::start_check() {
  if (unchecked.empty())
    return;
  checking = true;
  size_t n = unchecked.size();
  self->request(group.host, caf::infinite, group_read_atom::value, group.group)
      .then([this, n](group_answer& a) { on_checked(a, n); },
            [this, n](caf::error&) {
              group_answer a; // the host is gone: nothing can be checked
              a.status = group_answer::no_group;
              on_checked(a, n);
            });
}

void shard_state::on_checked(const group_answer& a, size_t n) {
  checking = false;
  if (a.status == group_answer::ok && a.leader == group.self) {
    leader_hint = group.self;
    if (leading && a.term == lead_term)
      serve_checked(n);
    else if (leading)
      step_down(a, errc::enotleader); // led in an earlier term: reload
    // A proposal of this term unanswered in time is still in the log and
    // may commit: a core loaded from a store without it would serve the
    // next requests from a state that misses its changes (and its request
    // records), and propose batches that overwrite them.
    bool behind = a.term == unknown_term && a.index < unknown_index;
    if (!leading && !committing && !behind)
      return promote(a, n);
    if (!leading && !committing)
      refuse_unchecked(n, errc::enotleader); // nothing applied: again
    // Not leading and a proposal still out: its outcome decides what the
    // store holds; check again once it is known (propose).
  } else {
    if (a.leader != group.self)
      leader_hint = a.leader;
    if (leading)
      step_down(a, errc::enotleader);
    // Nothing of these batches was applied: the router sends them to the
    // leader named (or, with none yet, again after a pause).
    refuse_unchecked(n, a.status == group_answer::no_group ? errc::eunavailable
                                                           : errc::enotleader);
  }
  // A replica waiting to lead checks again once its proposal's outcome is
  // known (on_committed, on_refused).
  if (!checking && (leading || !committing))
    start_check();
}

void shard_state::promote(const group_answer& a, size_t n) {
  checking = true;
  self->request(committer, caf::infinite, group_load_atom::value)
      .then(
          [this, a, n](commit_batch& b, uint64_t applied) {
            checking = false;
            std::string why;
            auto fresh = std::make_shared<ns_shard>(group.group, group.ns);
            if (applied < a.index)
              why = "the store is at index " + std::to_string(applied) +
                    ", behind the group's " + std::to_string(a.index);
            else
              why = fresh->restore(
                  std::move(b.put_nodes), std::move(b.put_entries),
                  std::move(b.dead_dirs), b.next_seq, b.next_row,
                  std::move(b.put_parts), std::move(b.put_requests));
            if (!why.empty()) {
              log_event(log_level::error, "shard",
                        "cannot lead the shard's group",
                        {{"shard", group.group}, {"error", why}});
              refuse_unchecked(n, errc::eunavailable);
              return;
            }
            core = std::move(fresh);
            leading = true;
            lead_term = a.term;
            log_event(log_level::info, "shard", "leads its group",
                      {{"shard", group.group},
                       {"term", a.term},
                       {"applied", applied}});
            collect_garbage();
            serve_checked(n);
            start_check();
          },
          [this, n](caf::error& err) {
            checking = false;
            log_event(log_level::error, "shard",
                      "cannot load the shard's store to lead its group",
                      {{"shard", group.group},
                       {"error", self->system().render(err)}});
            refuse_unchecked(n, errc::eunavailable);
          });
}

void shard_state::serve_checked(size_t n) {
  for (size_t k = 0; k < n && !unchecked.empty() && leading; ++k) {
    auto b = std::move(unchecked.front());
    unchecked.pop_front();
    if (b.step) {
      run_part_step(*b.step, std::move(b.step_rp));
      continue;
    }
    bool wait = false;
    std::vector<size_t> held_back;
    auto out = apply(b.reqs, wait, &held_back);
    if (!held_back.empty())
      park(std::move(b.rp), std::move(b.reqs), std::move(out),
           std::move(held_back), wait, b.arrived);
    else
      answer(std::move(b.rp), std::move(out), wait, b.arrived);
  }
  note_busy();
}

void shard_state::note_busy() {
  bool busy = leading && core && core->copies() > 0;
  if (busy == told_busy || !group.host)
    return;
  told_busy = busy;
  self->send(group.host, group_busy_atom::value, group.group, busy);
}

void shard_state::refuse_unchecked(size_t n, errc code) {
  for (size_t k = 0; k < n && !unchecked.empty(); ++k) {
    auto& b = unchecked.front();
    if (b.step)
      b.step_rp.deliver(part_reply{code, {}, {}, false, {}});
    else
      b.rp.deliver(std::vector<ns_reply>(b.reqs.size(), refusal(code)));
    unchecked.pop_front();
  }
}

void shard_state::step_down(const group_answer& a, errc code) {
  leading = false;
  if (a.leader != group.self)
    leader_hint = a.leader;
  log_event(log_level::info, "shard", "no longer leads its group",
            {{"shard", group.group}, {"term", a.term}, {"leader", a.leader}});
  // The batch at the host (if any) is decided by its proposal's answer;
  // every later change was never proposed: nothing of it applies.
  uint64_t last_out = committing ? open_batch - 1 : 0;
  for (auto it = queue.begin(); it != queue.end();) {
    if (it->batch <= last_out) {
      ++it;
      continue;
    }
    meters->waiting.fetch_sub(it->replies.size(), std::memory_order_relaxed);
    it->rp.deliver(std::vector<ns_reply>(it->replies.size(), refusal(code)));
    it = queue.erase(it);
  }
  lost_because = errc::enotleader; // never proposed
  for (auto it = after_commit.begin(); it != after_commit.end();) {
    if (it->first <= last_out) {
      ++it;
      continue;
    }
    auto f = std::move(it->second);
    it = after_commit.erase(it);
    f(false);
  }
  // A held batch may have requests applied in the proposal at the host:
  // its outcome is unknown here.
  for (auto& b : parked) {
    meters->parked.fetch_sub(b.left.size(), std::memory_order_relaxed);
    b.rp.deliver(
        std::vector<ns_reply>(b.reqs.size(), refusal(errc::eunavailable)));
  }
  parked.clear();
  core = std::make_shared<ns_shard>(group.group, group.ns);
  note_busy();
}

void shard_state::propose(uint64_t batch, commit_batch changes) {
  self->request(group.host, caf::infinite, group_propose_atom::value,
                group.group, lead_term, encode_commit_batch(changes))
      .then(
          [this, batch](group_answer& a) {
            if (a.status == group_answer::ok)
              return on_committed(batch);
            on_refused(batch, a);
          },
          [this, batch](caf::error&) {
            group_answer a; // the host is gone: as an unanswered proposal
            a.status = group_answer::unavailable;
            a.leader = leader_hint;
            on_refused(batch, a);
          });
}

void shard_state::on_refused(uint64_t batch, const group_answer& a) {
  committing = false;
  if (a.leader != group.self)
    leader_hint = a.leader;
  // Refused before it was appended, or replaced by another leader's entry:
  // nothing of it applies and the router sends it again. Unanswered in
  // time: its outcome is unknown.
  errc code = a.status == group_answer::unavailable ? errc::eunavailable
                                                    : errc::enotleader;
  lost_because = code;
  if (a.status == group_answer::unavailable && a.index != 0 &&
      (lead_term != unknown_term || a.index > unknown_index)) {
    unknown_index = a.index;
    unknown_term = lead_term; // the term it was proposed for
  }
  while (!queue.empty() && queue.front().batch <= batch) {
    auto& w = queue.front();
    meters->waiting.fetch_sub(w.replies.size(), std::memory_order_relaxed);
    w.rp.deliver(std::vector<ns_reply>(w.replies.size(), refusal(code)));
    queue.pop_front();
  }
  while (!after_commit.empty() && after_commit.front().first <= batch) {
    auto f = std::move(after_commit.front().second);
    after_commit.pop_front();
    f(false);
  }
  if (leading)
    step_down(a, errc::enotleader);
  if (!checking)
    start_check();
}

shard_actor::behavior_type
replica_shard_behavior(guarded_pointer<shard_actor, shard_state> self,
                       shard_group_options opts, committer_actor committer,
                       std::shared_ptr<shard_meters> meters,
                       shard_psm_options psm, shard_capacity_options capacity) {
  // An emulated capacity is for comparisons of unreplicated shards only.
  capacity.rate = 0;
  auto core = std::make_shared<ns_shard>(opts.group, opts.ns);
  self->state.group = std::move(opts);
  return metered_shard_behavior(self, std::move(core), std::move(committer),
                                std::move(meters), std::move(psm),
                                std::move(capacity));
}

} // namespace ds
