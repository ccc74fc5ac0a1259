#include "actors/replica/host.hpp"

#include <algorithm>

#include <caf/all.hpp>

#include "actors/log.hpp"
#include "actors/ticker.hpp"
#include "messages/raft_codec.hpp"
#include "storage/sqlite.hpp"

namespace ds {

raft::multi_config default_group_settings() {
  raft::multi_config c;
  c.group.election_ticks = 10;
  c.group.heartbeat_ticks = 1;
  c.group.lease_ticks = 8; // safe for clocks 12 % apart (ARCHITECTURE.md)
  c.quiesce_ticks = 2;
  c.ping_ticks = 3;
  c.liveness_ticks = 10;
  return c;
}

void replica_host_state::start(std::shared_ptr<group_log_store> st,
                               replica_host_options o) {
  store = std::move(st);
  opts = std::move(o);
  raft::multi_config mc = opts.multi;
  mc.id = opts.id;
  mc.seed = opts.seed * 7919 + opts.id;
  core = std::make_unique<raft::multi_node>(mc);
  for (auto& [g, voters] : opts.groups) {
    auto restored = store->load(g);
    applied[g] = restored.snap.meta.index;
    core->add_group(g, voters, std::move(restored));
    if (voters.size() == 1)
      core->campaign(g); // a group of one needs no election timeout
  }
  schedule_drive();
  if (opts.tick.count() > 0)
    self->spawn(ticker, self->address(), opts.tick,
                caf::make_message(group_tick_atom::value));
}

group_answer replica_host_state::refusal(uint32_t g) const {
  group_answer a;
  const raft::node* n = core->group(g);
  if (!n) {
    a.status = group_answer::no_group;
    return a;
  }
  a.leader = n->leader();
  a.term = n->term();
  a.status = a.leader == raft::no_node || a.leader == opts.id
                 ? group_answer::unavailable
                 : group_answer::not_leader;
  return a;
}

group_answer replica_host_state::not_appended(uint32_t g) const {
  group_answer a = refusal(g);
  if (a.status == group_answer::unavailable)
    a.status = group_answer::not_leader; // nothing was appended: retry
  return a;
}

// -- requests ----------------------------------------------------------------

caf::result<group_answer> replica_host_state::propose(uint32_t g, uint64_t term,
                                                      std::string data) {
  if (stopped || !core->hosts(g))
    return refusal(g);
  // A proposal made against the state of an earlier term (a shard that has
  // not seen this term's first entries) must not be appended.
  const raft::node* n = core->group(g);
  if (term != 0 && (n->term() != term || n->leader() != opts.id))
    return not_appended(g);
  auto p = core->propose(g, std::move(data));
  if (!p)
    return not_appended(g);
  auto rp = self->make_response_promise<group_answer>();
  proposals[g].push_back(
      waiting{p->index, p->term, ticks + uint64_t(opts.wait_ticks), rp});
  schedule_drive();
  return rp;
}

caf::result<group_answer> replica_host_state::read(uint32_t g) {
  if (stopped || !core->hosts(g))
    return refusal(g);
  const raft::node* n = core->group(g);
  raft::index_t committed = n->log().committed();
  // The lease: this leader's state, once it has everything committed, is
  // the linearizable state without a round of messages.
  if (applied[g] >= committed && core->lease_read(g))
    return group_answer{group_answer::ok, committed, n->term(), opts.id};
  // Only the leader reads: its shard replica alone serves. A follower's
  // ReadIndex would wait on the leader, for ever if its node is dead.
  if (n->leader() != opts.id)
    return refusal(g);
  std::string ctx = std::to_string(opts.id) + "." + std::to_string(++read_seq);
  if (!core->read_index(g, ctx))
    return refusal(g);
  auto rp = self->make_response_promise<group_answer>();
  reads.emplace(ctx, reading{g, 0, ticks + uint64_t(opts.wait_ticks), rp});
  schedule_drive();
  return rp;
}

void replica_host_state::set_sink(uint32_t g, group_sink_actor sink) {
  sinks[g] = sink;
  auto it = held.find(g);
  if (it == held.end() || !sink)
    return;
  self->send(sink, group_apply_atom::value, g, std::move(it->second));
  held.erase(it);
}

void replica_host_state::receive(const std::string& bytes,
                                 const caf::strong_actor_ptr& sender) {
  raft::envelope e;
  try {
    e = decode_envelope(bytes);
  } catch (const wire_error& err) {
    log_event(log_level::warn, "raft", "dropped an undecodable envelope",
              {{"error", err.what()}});
    return;
  }
  // Only the host of the node it names may speak for it.
  auto peer = peers.find(e.from);
  if (e.to != opts.id || peer == peers.end() || !peer->second || !sender ||
      sender->address() != peer->second.address())
    return;
  // A shard group's snapshot is its sink's state, streamed in chunks
  // (host_snapshots.cpp): a snapshot message alone would move the log past
  // a state the sink does not hold.
  auto& ms = e.msgs;
  ms.erase(std::remove_if(ms.begin(), ms.end(),
                          [](const raft::group_message& gm) {
                            return gm.msg.type == raft::msg_type::snapshot;
                          }),
           ms.end());
  core->step(e);
  schedule_drive();
}

void replica_host_state::set_peer(uint64_t id,
                                  const caf::strong_actor_ptr& handle) {
  if (id == opts.id)
    return;
  auto next = caf::actor_cast<replica_host_actor>(handle);
  auto& h = peers[id];
  bool same = h && next && h.address() == next.address();
  h = next;
  if (same)
    return;
  // The peer went down or came back as another process: a snapshot streamed
  // to it is lost with the process. Dropped now, and the core told, so that
  // it asks for a new one at the peer's first answer instead of waiting for
  // the lost one (a stalled transfer expires after transfer_ticks).
  bool dropped = false;
  for (auto it = sending.begin(); it != sending.end();) {
    auto at = it++;
    if (at->first.second != id)
      continue;
    core->snapshot_failed(at->first.first, id);
    end_transfer(at);
    dropped = true;
  }
  if (dropped)
    schedule_drive();
}

std::vector<group_state_info> replica_host_state::status() const {
  std::vector<group_state_info> out;
  for (uint32_t g : core->groups()) {
    auto s = core->status(g);
    group_state_info x{
        g,         raft::to_string(s.r), s.term, s.leader, s.last, s.committed,
        s.applied, s.quiescent,          {},     {}};
    const raft::node* n = core->group(g);
    x.snapshot = n->log().last_snapshot().meta.index;
    for (raft::node_id v : n->voters()) {
      x.voters.push_back(v);
      if (s.r == raft::role::leader) {
        const raft::progress* pr = n->progress_of(v);
        x.match.push_back(v == opts.id ? s.last : pr ? pr->match : 0);
      }
    }
    out.push_back(std::move(x));
  }
  return out;
}

// -- the clock and the ready loop --------------------------------------------

void replica_host_state::on_tick() {
  if (stopped)
    return;
  ++ticks;
  core->tick();
  campaign_where_preferred();
  hand_back_leadership();
  // Work whose answer did not come in time fails; a proposal may still
  // apply later (its outcome is then unknown to the caller, as after a
  // lost reply).
  for (auto& [g, ws] : proposals)
    while (!ws.empty() && ws.front().due < ticks) {
      auto a = refusal(g);
      a.status = group_answer::unavailable; // appended: outcome unknown
      a.index = ws.front().index;           // where it may still commit
      ws.front().rp.deliver(a);
      ws.pop_front();
    }
  for (auto it = reads.begin(); it != reads.end();)
    if (it->second.due < ticks) {
      it->second.rp.deliver(refusal(it->second.group));
      it = reads.erase(it);
    } else {
      ++it;
    }
  expire_transfers();
  drive();
}

// The first voter of a group (its shard's home member) is the group's
// preferred leader: leaders spread over the members as homes do. It stands
// for election (pre-vote first) after a few leaderless ticks instead of a
// whole election timeout; voters that still follow a leader refuse it
// (check-quorum), so it never unseats one. With the home down (node
// liveness), the next voter in placement order that is up stands instead:
// a failover elects within a few ticks of the leader's node being found
// down, and without split votes.
void replica_host_state::campaign_where_preferred() {
  auto down = core->peers_down();
  auto is_down = [&](uint64_t v) {
    return std::find(down.begin(), down.end(), v) != down.end();
  };
  for (auto& [g, voters] : opts.groups) {
    if (voters.size() < 2)
      continue;
    uint64_t standing = 0;
    for (uint64_t v : voters)
      if (v == opts.id || !is_down(v)) {
        standing = v;
        break;
      }
    if (standing != opts.id)
      continue;
    auto s = core->status(g);
    if (s.leader != raft::no_node || s.r != raft::role::follower) {
      leaderless[g] = 0;
      continue;
    }
    if (++leaderless[g] >= preferred_wait_ticks) {
      leaderless[g] = 0;
      core->campaign(g);
    }
  }
}

// A leader that is not its group's preferred member (after a failover, or
// an election the home member did not win) hands the group back once the
// home member is up and holds the whole log, so that leaders spread over
// the members as homes do. It waits a second first, then longer after each
// attempt that did not take: a transfer stops proposals until the target
// stands (or an election timeout passes).
void replica_host_state::hand_back_leadership() {
  if (!opts.hand_back)
    return;
  auto down = core->peers_down();
  for (auto& [g, voters] : opts.groups) {
    const raft::node* n = core->group(g);
    uint64_t home = voters.empty() ? 0 : voters.front();
    if (!n || voters.size() < 2 || home == opts.id || busy.count(g) > 0 ||
        n->current_role() != raft::role::leader ||
        std::find(down.begin(), down.end(), home) != down.end()) {
      if (!n || n->current_role() != raft::role::leader)
        away.erase(g);
      continue;
    }
    auto& a = away[g];
    const raft::progress* pr = n->progress_of(home);
    if (++a.ticks < a.wait || !pr || pr->match != n->log().last_index() ||
        n->transferring_to() != raft::no_node)
      continue;
    a.ticks = 0;
    a.wait = std::min(a.wait * 2, 1200);
    log_event(log_level::info, "raft",
              "hands a shard group's leadership back to its home member",
              {{"group", std::to_string(g)}, {"to", std::to_string(home)}});
    core->transfer(g, home);
    schedule_drive();
  }
}

void replica_host_state::schedule_drive() {
  if (flush_scheduled || stopped)
    return;
  flush_scheduled = true;
  self->send(self, group_flush_atom::value);
}

void replica_host_state::drive() {
  flush_scheduled = false;
  while (!stopped && core->has_ready()) {
    raft::multi_ready rd = core->get_ready();
    send_all(rd.early);
    std::vector<std::pair<uint32_t, const raft::ready*>> batch;
    for (auto& gr : rd.groups)
      batch.emplace_back(gr.group, &gr.rd);
    try {
      store->save(batch);
    } catch (const sql::storage_error& e) {
      // Nothing unsynced was acknowledged; a restart recovers from the log.
      fail(e.what());
      return;
    }
    send_all(rd.messages);
    for (auto& gr : rd.groups) {
      hand_out(gr.group, gr.rd);
      announce(gr.group);
    }
    core->advance(rd);
  }
}

void replica_host_state::watch(uint32_t m, caf::actor who) {
  // One router per member; ids beyond any cluster's size are ignored.
  if (!who || m >= 4096)
    return;
  watchers[m] = who;
  for (uint32_t g : core->groups()) {
    const raft::node* n = core->group(g);
    if (n->leader() == opts.id)
      caf::anon_send(who, group_leader_atom::value, g, n->term(), opts.id);
  }
}

// A new leader pushes its leadership to the routers that watch it, so that
// they aim at it before a request meets a replica that does not lead.
void replica_host_state::announce(uint32_t g) {
  const raft::node* n = core->group(g);
  if (!n || n->leader() != opts.id)
    return;
  auto& told = told_term[g];
  if (n->term() <= told)
    return;
  told = n->term();
  for (auto& [m, who] : watchers)
    caf::anon_send(who, group_leader_atom::value, g, n->term(), opts.id);
}

void replica_host_state::send_all(std::vector<raft::envelope>& es) {
  for (auto& e : es) {
    // The core's snapshot message becomes a streamed transfer of the
    // sink's state.
    auto& ms = e.msgs;
    bool had = !ms.empty();
    ms.erase(std::remove_if(ms.begin(), ms.end(),
                            [&](const raft::group_message& gm) {
                              if (gm.msg.type != raft::msg_type::snapshot)
                                return false;
                              start_transfer(gm.group, e.to, gm.msg.term);
                              return true;
                            }),
             ms.end());
    // An envelope that carried only snapshot messages is not sent; an
    // empty one is a ping (it tells the peer this node is alive, and
    // without it the peer's quiet groups would elect again).
    if (had && ms.empty())
      continue;
    auto peer = peers.find(e.to);
    if (peer != peers.end() && peer->second)
      self->send(peer->second, group_env_atom::value, encode_envelope(e));
  }
}

// Hands committed entries to the group's sink and answers what they decide.
void replica_host_state::hand_out(uint32_t g, const raft::ready& rd) {
  if (!rd.committed.empty()) {
    std::vector<group_entry> out;
    out.reserve(rd.committed.size());
    for (const raft::entry& e : rd.committed)
      out.push_back(group_entry{
          e.index, e.term,
          e.type == raft::entry_type::normal ? e.data : std::string{}});
    uint64_t last = rd.committed.back().index;
    auto sink = sinks.find(g);
    if (sink != sinks.end() && sink->second) {
      self->send(sink->second, group_apply_atom::value, g, std::move(out));
    } else {
      auto& h = held[g];
      h.insert(h.end(), std::make_move_iterator(out.begin()),
               std::make_move_iterator(out.end()));
    }
    applied[g] = last;
    // A proposal at or below the last index either is its entry or was
    // replaced by another leader's.
    auto& ws = proposals[g];
    while (!ws.empty() && ws.front().index <= last) {
      auto& w = ws.front();
      const raft::entry* hit = nullptr;
      for (const raft::entry& e : rd.committed)
        if (e.index == w.index)
          hit = &e;
      group_answer a{group_answer::lost, w.index, w.term, 0};
      if (hit && hit->term == w.term)
        a.status = group_answer::ok;
      a.leader = core->group(g)->leader();
      w.rp.deliver(a);
      ws.pop_front();
    }
  }
  for (const raft::read_state& r : rd.reads) {
    auto it = reads.find(r.context);
    if (it != reads.end())
      it->second.index = std::max<uint64_t>(r.index, 1);
  }
  answer_reads(g);
}

void replica_host_state::answer_reads(uint32_t g) {
  for (auto it = reads.begin(); it != reads.end();) {
    reading& r = it->second;
    if (r.group == g && r.index != 0 && r.index <= applied[g]) {
      // A follower's read (forwarded to the leader) is linearizable too;
      // `leader` tells whether this node leads.
      const raft::node* n = core->group(g);
      r.rp.deliver(
          group_answer{group_answer::ok, r.index, n->term(), n->leader()});
      it = reads.erase(it);
    } else {
      ++it;
    }
  }
}

void replica_host_state::fail(const std::string& why) {
  stopped = true;
  log_event(log_level::error, "raft",
            "shard groups' log write failed; the host stops", {{"error", why}});
  for (auto& [g, ws] : proposals)
    for (auto& w : ws)
      w.rp.deliver(group_answer{group_answer::unavailable, 0, 0, 0});
  proposals.clear();
  for (auto& [ctx, r] : reads)
    r.rp.deliver(group_answer{group_answer::unavailable, 0, 0, 0});
  reads.clear();
  self->quit(caf::make_error(caf::sec::runtime_error, why));
}

replica_host_actor::behavior_type replica_host_behavior(
    replica_host_actor::stateful_pointer<replica_host_state> self,
    std::shared_ptr<group_log_store> store, replica_host_options opts) {
  auto& st = self->state;
  st.self = self;
  st.start(std::move(store), std::move(opts));
  return {
      [self](group_propose_atom, uint32_t g, uint64_t term, std::string& data) {
        return self->state.propose(g, term, std::move(data));
      },
      [self](group_read_atom, uint32_t g) { return self->state.read(g); },
      [self](group_sink_atom, uint32_t g, group_sink_actor& sink) {
        self->state.set_sink(g, std::move(sink));
      },
      [self](group_env_atom, const std::string& bytes) {
        self->state.receive(bytes, self->current_sender());
      },
      [self](group_peer_atom, uint64_t id, caf::strong_actor_ptr& handle) {
        self->state.set_peer(id, handle);
      },
      [self](group_status_atom) { return self->state.status(); },
      [self](group_applied_atom, uint32_t g, uint64_t index) {
        self->state.on_applied(g, index);
      },
      [self](group_chunk_atom, const std::string& bytes) {
        self->state.on_chunk(bytes, self->current_sender());
      },
      [self](group_chunk_ack_atom, uint32_t g, uint64_t t, uint32_t seq,
             bool ok) {
        self->state.on_chunk_ack(g, t, seq, ok, self->current_sender());
      },
      [self](group_watch_atom, uint32_t m) {
        self->state.watch(m,
                          caf::actor_cast<caf::actor>(self->current_sender()));
      },
      [self](group_busy_atom, uint32_t g, bool yes) {
        if (yes)
          self->state.busy.insert(g);
        else
          self->state.busy.erase(g);
      },
      [self](group_tick_atom) { self->state.on_tick(); },
      [self](group_flush_atom) { self->state.drive(); },
  };
}

} // namespace ds
