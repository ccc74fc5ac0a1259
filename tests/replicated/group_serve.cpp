// How a replica of a shard group serves, following actors/shard_group.cpp
// and actors/shard.cpp (the batch at the group, answers after its commit)
// and the checks of actors/replica/host.cpp (read).
#include "tests/replicated/group_sim.hpp"

#include "storage/batch_codec.hpp"

namespace ds::gsim {

node_id world::hint_of(node_id a, group_id g) const {
  node_id l = c.get_const(a).group(g)->leader();
  return l == a ? 0 : l;
}

void world::reply(node_id a, job& j, answer an) {
  auto done = j.done;
  auto lost = j.lost;
  post(message{0, 0, a, false, "reply " + j.what + ": " + str(an.code),
               [done, an] { done(an); }, lost});
}

void world::send_job(node_id a, group_id g, job j) {
  auto lost = j.lost;
  std::string what =
      j.what + " -> g" + std::to_string(g) + "@n" + std::to_string(a);
  post(message{0, 0, a, true, what,
               [this, a, g, j = std::move(j)]() mutable {
                 auto& r = at(a).shards[g];
                 r.unchecked.push_back(std::move(j));
                 if (!r.checking)
                   start_check(a, g);
               },
               lost});
}

// --- the check ---------------------------------------------------------------

void world::start_check(node_id a, group_id g) {
  auto& r = at(a).shards[g];
  if (r.unchecked.empty())
    return;
  r.checking = true;
  r.check_n = r.unchecked.size();
  r.check_ctx.clear();
  r.check_index = 0;
  r.check_until = c.now() + wait_steps;
  auto& mn = c.get(a);
  const raft::node* n = mn.group(g);
  index_t committed = n->log().committed();
  // The lease: the leader's state, once it holds everything committed.
  if (r.store->applied() >= committed && mn.lease_read(g))
    return on_checked(a, g, true, n->term(), a);
  std::string ctx = ctx_of(a, g);
  if (n->leader() != a || !mn.read_index(g, ctx))
    return on_checked(a, g, false, n->term(), n->leader());
  r.check_ctx = ctx;
}

std::string world::ctx_of(node_id a, group_id g) {
  return std::to_string(a) + "." + std::to_string(g) + "." +
         std::to_string(++read_seq_);
}

void world::poll_checks() {
  for (node_id a = 1; a <= nodes; ++a) {
    if (!c.alive(a))
      continue;
    for (auto& [g, r] : at(a).shards) {
      if (!r.checking || r.check_ctx.empty())
        continue;
      const raft::node* n = c.get(a).group(g);
      if (r.check_index != 0 && r.check_index <= r.store->applied())
        on_checked(a, g, true, n->term(), n->leader());
      else if (r.check_until <= c.now())
        on_checked(a, g, false, n->term(), n->leader());
    }
  }
}

void world::on_checked(node_id a, group_id g, bool ok, term_t term,
                       node_id leader) {
  auto& r = at(a).shards[g];
  r.checking = false;
  r.check_ctx.clear();
  size_t n = r.check_n;
  if (ok && leader == a) {
    if (r.leading && r.lead_term == term)
      serve_checked(a, g, n);
    else if (r.leading) {
      note("n" + std::to_string(a) + " g" + std::to_string(g) +
           " led in term " + std::to_string(r.lead_term) + ", now " +
           std::to_string(term) + ": reload");
      step_down(a, g, 0); // led in an earlier term: reload
    }
    // A proposal of this term unanswered in time is still in the log and
    // may commit: a core loaded from a store without it would apply the
    // next requests to a state that misses its changes (and its records).
    index_t committed = c.get(a).group(g)->log().committed();
    bool behind = r.unknown.term == term && committed < r.unknown.index;
    if (!r.leading && !r.committing && !behind)
      return promote(a, g, term, committed);
    if (!r.leading && !r.committing) {
      note("n" + std::to_string(a) + " g" + std::to_string(g) +
           " waits for its proposal at " + std::to_string(r.unknown.index));
      refuse_unchecked(a, g, n, errc::enotleader, a); // nothing applied
    }
  } else {
    node_id hint = leader == a ? 0 : leader;
    if (r.leading)
      step_down(a, g, hint);
    refuse_unchecked(a, g, n, errc::enotleader, hint);
  }
  if (!r.checking && (r.leading || !r.committing))
    start_check(a, g);
}

void world::promote(node_id a, group_id g, term_t term, index_t index) {
  auto& r = at(a).shards[g];
  auto l = r.store->load();
  auto fresh = std::make_unique<ns_shard>(g, ns_shard_config{});
  std::string why;
  if (l.applied < index)
    why = "the store is at " + std::to_string(l.applied) + ", behind " +
          std::to_string(index);
  else
    why = fresh->restore(std::move(l.nodes), std::move(l.entries),
                         std::move(l.dead), l.next_seq, l.next_row,
                         std::move(l.parts), std::move(l.requests));
  if (!why.empty())
    return fail("n" + std::to_string(a) + " g" + std::to_string(g) +
                " cannot lead: " + why);
  note("n" + std::to_string(a) + " g" + std::to_string(g) + " leads in term " +
       std::to_string(term) + " from index " + std::to_string(l.applied));
  r.core = std::move(fresh);
  r.leading = true;
  r.lead_term = term;
  if (r.core->has_garbage())
    r.core->collect_garbage(4);
  serve_checked(a, g, r.check_n);
  start_check(a, g);
}

void world::serve_checked(node_id a, group_id g, size_t n) {
  auto& r = at(a).shards[g];
  for (size_t k = 0; k < n && !r.unchecked.empty() && r.leading; ++k) {
    job j = std::move(r.unchecked.front());
    r.unchecked.pop_front();
    bool wait = false;
    answer an = j.run(*r.core, now_ns(), wait);
    note("  n" + std::to_string(a) + " g" + std::to_string(g) + " " + j.what +
         ": " + str(an.code) + (wait ? " (waits)" : ""));
    if (!wait || (!r.committing && !r.core->dirty())) {
      reply(a, j, std::move(an));
      continue;
    }
    // Changes not yet taken go into the open batch; otherwise the answer
    // depends on the batch at the group.
    uint64_t batch = r.core->dirty() ? r.open_batch : r.open_batch - 1;
    r.queue.push_back(shard_replica::waiting{batch, std::move(j), an});
    if (!r.committing && r.core->dirty())
      start_commit(a, g);
  }
}

void world::refuse_unchecked(node_id a, group_id g, size_t n, errc code,
                             node_id hint) {
  auto& r = at(a).shards[g];
  for (size_t k = 0; k < n && !r.unchecked.empty(); ++k) {
    job j = std::move(r.unchecked.front());
    r.unchecked.pop_front();
    reply(a, j, answer::of(code, hint));
  }
}

void world::step_down(node_id a, group_id g, node_id hint) {
  auto& r = at(a).shards[g];
  note("n" + std::to_string(a) + " g" + std::to_string(g) + " steps down");
  r.leading = false;
  // The batch at the group (if any) is decided by its proposal; every
  // later change was never proposed: nothing of it applies.
  uint64_t last_out = r.committing ? r.open_batch - 1 : 0;
  for (auto it = r.queue.begin(); it != r.queue.end();) {
    if (it->batch <= last_out) {
      ++it;
      continue;
    }
    reply(a, it->j,
          answer::of(it->j.step ? errc::eio : errc::enotleader, hint));
    it = r.queue.erase(it);
  }
  r.core.reset();
}

// --- the batch at the group
// ----------------------------------------------------

void world::start_commit(node_id a, group_id g) {
  auto& r = at(a).shards[g];
  r.committing = true;
  uint64_t batch = r.open_batch++;
  std::string data = encode_commit_batch(r.core->take_changes());
  // A proposal made for an earlier term is not appended (host.cpp).
  auto& mn = c.get(a);
  const raft::node* n = mn.group(g);
  std::optional<raft::proposal> p;
  if (n->term() == r.lead_term && n->leader() == a)
    p = mn.propose(g, data);
  if (!p)
    return on_refused(a, g, batch, errc::enotleader, hint_of(a, g));
  r.prop = *p;
  r.prop_until = c.now() + wait_steps;
}

void world::on_committed(node_id a, group_id g, uint64_t batch) {
  auto& r = at(a).shards[g];
  r.committing = false;
  if (r.core)
    r.core->committed();
  while (!r.queue.empty() && r.queue.front().batch <= batch) {
    auto w = std::move(r.queue.front());
    r.queue.pop_front();
    reply(a, w.j, std::move(w.a));
  }
  if (r.core && r.core->has_garbage())
    r.core->collect_garbage(4);
  if (r.core && r.core->dirty())
    start_commit(a, g);
  else if (!r.leading && !r.checking)
    start_check(a, g);
}

void world::on_refused(node_id a, group_id g, uint64_t batch, errc code,
                       node_id hint) {
  auto& r = at(a).shards[g];
  r.committing = false;
  // Refused before it was appended, or replaced by another leader's entry:
  // nothing of it applies. Unanswered in time: its outcome is unknown.
  while (!r.queue.empty() && r.queue.front().batch <= batch) {
    auto w = std::move(r.queue.front());
    r.queue.pop_front();
    reply(a, w.j, answer::of(w.j.step ? errc::eio : code, hint));
  }
  if (r.leading)
    step_down(a, g, hint);
  if (!r.checking)
    start_check(a, g);
}

} // namespace ds::gsim
