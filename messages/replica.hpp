// Shard groups: the node's Raft host (actors/replica/host.*) and the state
// machines it feeds (a shard replica, or a test's sink).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/meta/type_name.hpp>
#include <caf/typed_actor.hpp>

#include "messages/atoms.hpp"

namespace ds {

/// A committed entry of a group, in log order.
struct group_entry {
  uint64_t index = 0;
  uint64_t term = 0;
  std::string data; ///< empty: a leader's no-op or a membership change
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, group_entry& x) {
  return f(caf::meta::type_name("ds::group_entry"), x.index, x.term, x.data);
}

/// The outcome of a proposal or a read of a group.
struct group_answer {
  enum status_t : uint8_t {
    ok,         ///< committed and handed to the group's state machine here
    not_leader, ///< this node does not lead the group; see `leader`
    lost,       ///< another leader's entry took its place: never applies
    /// no leader answered in time; a proposal's outcome is then unknown
    unavailable,
    no_group, ///< the group has no replica on this node
  };
  uint8_t status = unavailable;
  /// ok: the entry's index (a read: its read index); a proposal answered
  /// unavailable: the index its entry was appended at (it may still commit)
  uint64_t index = 0;
  /// ok: the entry's term (a read: the leader's term); otherwise the term
  /// this node knows
  uint64_t term = 0;
  uint64_t leader = 0; ///< the leader this node knows (0: none)
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, group_answer& x) {
  return f(caf::meta::type_name("ds::group_answer"), x.status, x.index, x.term,
           x.leader);
}

/// One group's replica on a node, as `dagctl shards` shows it.
struct group_state_info {
  uint32_t group = 0;
  std::string role;
  uint64_t term = 0;
  uint64_t leader = 0;
  uint64_t last = 0;
  uint64_t committed = 0;
  uint64_t applied = 0;
  bool quiescent = false;
  std::vector<uint64_t> voters; ///< Raft ids (member index + 1)
  /// At the leader: the index each voter is known to hold, like `voters`.
  std::vector<uint64_t> match;
  /// The log's snapshot point: entries up to it were compacted away.
  uint64_t snapshot = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, group_state_info& x) {
  return f(caf::meta::type_name("ds::group_state_info"), x.group, x.role,
           x.term, x.leader, x.last, x.committed, x.applied, x.quiescent,
           x.voters, x.match, x.snapshot);
}

/// One member's replicas of shard groups, as `dagctl shards` shows them.
struct node_groups {
  std::string node;
  bool reachable = false; ///< false: `groups` is empty, the node unknown
  std::vector<group_state_info> groups;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_groups& x) {
  return f(caf::meta::type_name("ds::node_groups"), x.node, x.reachable,
           x.groups);
}

/// What receives a group's committed entries on a node, in log order.
/// It tells the sender (the host) with group_applied_atom how far its state
/// is durable, so that the host may compact the group's log up to there.
using group_sink_actor = caf::typed_actor<
    caf::reacts_to<group_apply_atom, uint32_t, std::vector<group_entry>>,
    // Chunk `seq` (from 0, in order) of snapshot transfer `t` of group `g`
    // for a follower behind the compacted log: opaque, about `bytes` long,
    // with the index of the last entry the snapshot holds (durable), and
    // whether it is the last chunk. Chunk 0 fixes the view (the sink goes on
    // writing meanwhile); `bytes` 0 ends the transfer early.
    caf::replies_to<group_snapshot_atom, uint32_t, uint64_t, uint32_t,
                    uint64_t>::with<std::string, uint64_t, bool>,
    // Stages chunk `seq` (from 0, in order) of transfer `t` of group `g`.
    // `index` != 0 marks the last chunk: the staged state then replaces the
    // sink's own, durably and atomically, if `index` is beyond what it
    // holds. Answers the index the sink holds afterwards (0 for a chunk
    // staged but not last), or an error (a chunk out of order or that does
    // not decode: the transfer is dropped, the state unchanged).
    caf::replies_to<group_install_atom, uint32_t, uint64_t, uint32_t,
                    std::string, uint64_t>::with<uint64_t>>;

/// The node's Raft host: its replica of every shard group it holds.
using replica_host_actor = caf::typed_actor<
    // Proposes `data` to group `g` in term `term` (0: any); answered once
    // committed and handed to the group's sink here (ok), or why not. A
    // proposal for another term than the group's current one here, or at a
    // replica that does not lead, is refused before it is appended
    // (not_leader); a refusal carries the current term.
    caf::replies_to<group_propose_atom, uint32_t, uint64_t,
                    std::string>::with<group_answer>,
    // A linearizable read point of group `g` (ReadIndex, or the lease):
    // answered with the index once every entry up to it was handed to the
    // sink, in order before the answer.
    caf::replies_to<group_read_atom, uint32_t>::with<group_answer>,
    // Local: `sink` receives group `g`'s committed entries.
    caf::reacts_to<group_sink_atom, uint32_t, group_sink_actor>,
    // The messages of many groups from another node (msgpack bytes).
    caf::reacts_to<group_env_atom, std::string>,
    // Local: the host of node `id` is reachable at `handle` (null: not).
    caf::reacts_to<group_peer_atom, uint64_t, caf::strong_actor_ptr>,
    // Every group's replica here.
    caf::replies_to<group_status_atom>::with<std::vector<group_state_info>>,
    // Local, from a group's sink: its state holds every entry up to `index`
    // durably (the log may be compacted up to there).
    caf::reacts_to<group_applied_atom, uint32_t, uint64_t>,
    // From another node's host: one chunk of a snapshot it streams to this
    // node (msgpack bytes, actors/replica/snapshots.hpp), answered with
    // group_chunk_ack_atom.
    caf::reacts_to<group_chunk_atom, std::string>,
    // From another node's host: chunk `seq` of transfer `t` of group `g`
    // was staged (true) or the transfer is dropped (false).
    caf::reacts_to<group_chunk_ack_atom, uint32_t, uint64_t, uint32_t, bool>,
    // From member `m`'s router (the sender): tell it whenever this host
    // takes the lead of a group (group_leader_atom), and now of those it
    // leads; a later watch from the same member replaces it.
    caf::reacts_to<group_watch_atom, uint32_t>,
    // Local, from group `g`'s shard replica: it holds state that a change
    // of leader would lose (a part's copy under way), or no longer does;
    // the host does not hand a busy group's leadership to another member.
    caf::reacts_to<group_busy_atom, uint32_t, bool>,
    // Internal: the clock and the handling of ready work.
    caf::reacts_to<group_tick_atom>, caf::reacts_to<group_flush_atom>>;

} // namespace ds
