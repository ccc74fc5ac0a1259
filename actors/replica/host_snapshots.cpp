// Log compaction and snapshots of shard groups at the node's Raft host.
//
// A group's state is its sink's store (the shard replica's SQLite file),
// written in log order with the index of the last entry. Once the sink
// reports a durable index far enough past the log's snapshot point, the
// host compacts the log up to a little below it (the point records no data:
// the store is the state). A follower whose next entry the leader no longer
// holds then needs the store itself. The leader's Raft core asks for that
// with a snapshot message; the host sends no such message, but has its sink
// read the store one chunk at a time from a view fixed at the first (at the
// sink's index, which the leader's log still covers) and streams them to
// the follower's host, each acknowledged before the next is read. The
// follower's sink stages the chunks aside (a file beside its store) and, at
// the last one, replaces its store in one transaction, only if the snapshot
// is ahead of what it holds. Neither end holds more than a chunk or two. Only
// then does the follower's host step its core with the snapshot's point as if
// the leader had sent it, so the log never moves past a state the store does
// not hold: a crash in between leaves a store ahead of its log, whose entries
// the sink then skips.
#include <algorithm>

#include <caf/all.hpp>

#include "actors/log.hpp"
#include "actors/replica/host.hpp"
#include "messages/group_chunk.hpp"
#include "storage/sqlite.hpp"

namespace ds {

// -- compaction --------------------------------------------------------------

void replica_host_state::on_applied(uint32_t g, uint64_t index) {
  auto& d = durable[g];
  d = std::max(d, index);
  const raft::node* n = core->group(g);
  if (stopped || !n || opts.compact_every == 0)
    return;
  uint64_t snap = n->log().last_snapshot().meta.index;
  if (d < snap + opts.compact_every || d <= opts.compact_keep)
    return;
  uint64_t to = std::min<uint64_t>(d - opts.compact_keep, n->log().applied());
  if (to <= snap)
    return;
  core->compact(g, to, std::string{});
  const raft::snapshot_meta& meta = core->group(g)->log().last_snapshot().meta;
  try {
    store->compact(g, meta, std::string_view{});
  } catch (const sql::storage_error& e) {
    fail(e.what());
  }
}

// -- the leader's side -------------------------------------------------------

void replica_host_state::start_transfer(uint32_t g, uint64_t to,
                                        uint64_t term) {
  auto key = std::make_pair(g, to);
  auto it = sending.find(key);
  if (it != sending.end() && it->second.term == term)
    return; // under way; it expires if it stalls
  if (it != sending.end())
    end_transfer(it);
  auto sink = sinks.find(g);
  auto peer = peers.find(to);
  if (sink == sinks.end() || !sink->second || peer == peers.end() ||
      !peer->second)
    return; // the core asks again later
  outgoing o;
  o.id = ++transfer_seq;
  o.term = term;
  o.due = ticks + uint64_t(opts.transfer_ticks);
  sending[key] = std::move(o);
  read_chunk(key);
}

void replica_host_state::read_chunk(std::pair<uint32_t, uint64_t> key) {
  auto it = sending.find(key);
  auto sink = sinks.find(key.first);
  if (it == sending.end())
    return;
  if (sink == sinks.end() || !sink->second) {
    sending.erase(it);
    return;
  }
  uint64_t id = it->second.id;
  uint32_t seq = it->second.next;
  self->request(sink->second, caf::infinite, group_snapshot_atom::value,
                key.first, id, seq, opts.chunk_bytes)
      .then(
          [this, key, id](std::string& chunk, uint64_t index, bool last) {
            send_chunk(key, id, std::move(chunk), index, last);
          },
          [this, key, id](caf::error& err) {
            auto it = sending.find(key);
            if (it != sending.end() && it->second.id == id)
              sending.erase(it);
            log_event(log_level::warn, "raft",
                      "a shard group's snapshot could not be read",
                      {{"group", std::to_string(key.first)},
                       {"error", self->system().render(err)}});
          });
}

void replica_host_state::send_chunk(std::pair<uint32_t, uint64_t> key,
                                    uint64_t id, std::string data,
                                    uint64_t index, bool last) {
  auto it = sending.find(key);
  if (it == sending.end() || it->second.id != id)
    return; // dropped meanwhile (the sink ended it too)
  outgoing& o = it->second;
  auto peer = peers.find(key.second);
  if (peer == peers.end() || !peer->second)
    return end_transfer(it);
  if (o.next == 0) {
    // Still this term's leader, and the log still knows the term at the
    // sink's index (it compacts only below what the sink holds).
    const raft::node* n = core->group(key.first);
    std::optional<raft::term_t> t;
    if (n && n->leader() == opts.id && n->term() == o.term && index > 0)
      t = n->log().term(index);
    if (!t)
      return end_transfer(it);
    o.index = index;
    o.index_term = *t;
    o.voters.assign(n->voters().begin(), n->voters().end());
    log_event(log_level::info, "raft", "streaming a shard group's snapshot",
              {{"group", std::to_string(key.first)},
               {"to", std::to_string(key.second)},
               {"index", std::to_string(index)}});
  } else if (index != o.index) {
    return end_transfer(it); // not the view the transfer began with
  }
  group_chunk c;
  c.group = key.first;
  c.from = opts.id;
  c.transfer = o.id;
  c.seq = o.next;
  c.last = last;
  c.leader_term = o.term;
  if (c.last) {
    c.index = o.index;
    c.index_term = o.index_term;
    c.voters = o.voters;
  }
  c.data = std::move(data);
  o.last = last;
  o.in_flight = true;
  o.due = ticks + uint64_t(opts.transfer_ticks);
  self->send(peer->second, group_chunk_atom::value, encode_group_chunk(c));
}

void replica_host_state::on_chunk_ack(uint32_t g, uint64_t t, uint32_t seq,
                                      bool ok,
                                      const caf::strong_actor_ptr& sender) {
  auto key = std::make_pair(g, peer_id(sender));
  auto it = sending.find(key);
  if (it == sending.end() || it->second.id != t || it->second.next != seq ||
      !it->second.in_flight)
    return;
  outgoing& o = it->second;
  if (!ok) {
    // Refused: the core asks for a snapshot again at the follower's next
    // answer (by then it knows this node, or its store took the failure).
    core->snapshot_failed(g, key.second);
    end_transfer(it);
    schedule_drive();
    return;
  }
  if (o.last) {
    ++snapshots_sent;
    sending.erase(it); // the follower's core answers the leader's from here
    return;
  }
  ++o.next;
  o.in_flight = false;
  o.due = ticks + uint64_t(opts.transfer_ticks);
  read_chunk(key);
}

void replica_host_state::end_transfer(
    std::map<std::pair<uint32_t, uint64_t>, outgoing>::iterator it) {
  auto sink = sinks.find(it->first.first);
  if (sink != sinks.end() && sink->second)
    caf::anon_send(sink->second, group_snapshot_atom::value, it->first.first,
                   it->second.id, uint32_t{0}, uint64_t{0});
  sending.erase(it);
}

void replica_host_state::expire_transfers() {
  for (auto it = sending.begin(); it != sending.end();) {
    auto next = std::next(it);
    if (it->second.due < ticks) {
      log_event(log_level::warn, "raft",
                "a shard group's snapshot stalled; dropped",
                {{"group", std::to_string(it->first.first)},
                 {"to", std::to_string(it->first.second)},
                 {"chunk", it->second.next},
                 {"waiting_for", it->second.in_flight ? "the follower's ack"
                                                      : "this node's store"}});
      end_transfer(it);
    }
    it = next;
  }
}

uint64_t
replica_host_state::peer_id(const caf::strong_actor_ptr& sender) const {
  if (!sender)
    return 0;
  for (auto& [id, h] : peers)
    if (h && h.address() == sender->address())
      return id;
  return 0;
}

// -- the follower's side -----------------------------------------------------

void replica_host_state::on_chunk(const std::string& bytes,
                                  const caf::strong_actor_ptr& sender) {
  group_chunk c;
  try {
    c = decode_group_chunk(bytes);
  } catch (const wire_error& err) {
    log_event(log_level::warn, "raft", "dropped an undecodable snapshot chunk",
              {{"error", err.what()}});
    return;
  }
  // Only the host of the node it names may speak for it. A chunk that
  // arrives before this host knows its sender (it just started and has not
  // yet heard the leader's node greet it) is refused to the sender itself,
  // so that the leader's transfer ends now instead of stalling until it
  // expires.
  if (stopped || c.from == opts.id || !core->hosts(c.group))
    return;
  if (peer_id(sender) != c.from) {
    if (sender)
      self->send(caf::actor_cast<replica_host_actor>(sender),
                 group_chunk_ack_atom::value, c.group, c.transfer, c.seq,
                 false);
    return;
  }
  auto sink = sinks.find(c.group);
  auto ack = [this, c](bool ok) {
    auto peer = peers.find(c.from);
    if (peer != peers.end() && peer->second)
      self->send(peer->second, group_chunk_ack_atom::value, c.group, c.transfer,
                 c.seq, ok);
  };
  if (sink == sinks.end() || !sink->second) {
    ack(false);
    return;
  }
  self->request(sink->second, caf::infinite, group_install_atom::value, c.group,
                c.transfer, c.seq, c.data, c.last ? c.index : uint64_t{0})
      .then(
          [this, c, ack](uint64_t held) {
            if (c.last && held >= c.index)
              installed(c.group, c.from, c.leader_term,
                        raft::snapshot_meta{c.index, c.index_term, c.voters});
            ack(true);
          },
          [this, c, ack](caf::error& err) {
            log_event(log_level::warn, "raft",
                      "could not stage a shard group's snapshot chunk",
                      {{"group", std::to_string(c.group)},
                       {"chunk", c.seq},
                       {"error", self->system().render(err)}});
            ack(false);
          });
}

// The sink holds the snapshot's state: the core may now take its point, as
// the leader's snapshot message would have it.
void replica_host_state::installed(uint32_t g, uint64_t from,
                                   uint64_t leader_term,
                                   const raft::snapshot_meta& meta) {
  ++snapshots_installed;
  log_event(log_level::info, "raft", "installed a shard group's snapshot",
            {{"group", std::to_string(g)},
             {"from", std::to_string(from)},
             {"index", std::to_string(meta.index)}});
  if (stopped)
    return;
  raft::message m;
  m.type = raft::msg_type::snapshot;
  m.from = from;
  m.to = opts.id;
  m.term = leader_term;
  m.snap = raft::snapshot{meta, std::string{}};
  raft::envelope e;
  e.from = from;
  e.to = opts.id;
  e.msgs.push_back(raft::group_message{g, false, std::move(m)});
  core->step(e);
  applied[g] = std::max(applied[g], meta.index);
  schedule_drive();
}

} // namespace ds
