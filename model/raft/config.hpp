// Settings of one Raft node and the state it restarts from.
#pragma once

#include "model/raft/types.hpp"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace ds::raft {

/// Settings of one node. Times are in ticks: the driver calls node::tick() at
/// a fixed period of its choosing (e.g. every 100 ms).
struct config {
  /// This node's id; REQUIRES id != no_node.
  node_id id = no_node;
  /// Voters of a brand-new group (every member starts with the same list).
  /// Ignored when the restored state carries membership (a snapshot or a
  /// config entry in the log).
  std::vector<node_id> voters;
  /// A follower that hears nothing from a leader for a random number of
  /// ticks in [election_ticks, 2 * election_ticks) starts an election; a
  /// leader checks its quorum every election_ticks. REQUIRES > heartbeat_ticks.
  int election_ticks = 10;
  /// A leader sends heartbeats every heartbeat_ticks. REQUIRES >= 1.
  int heartbeat_ticks = 1;
  /// Pre-vote (Raft thesis 9.6): a node first asks whether it could win, so a
  /// node that was cut off does not raise everybody's term on return.
  bool pre_vote = true;
  /// Check-quorum: a leader that has not heard from a quorum within
  /// election_ticks steps down, and a follower that heard from its leader
  /// within election_ticks ignores vote requests (leader stickiness).
  bool check_quorum = true;
  /// Seed of the node's own generator of election timeouts.
  std::uint64_t seed = 0;
  /// Most entries in one append message (>= 1).
  std::size_t max_entries_per_msg = 64;
  /// Most command bytes in one append message, as etcd's MaxSizePerMsg: an
  /// append stops before the entry that would pass it, but always carries
  /// one entry. Messages between members cross the receiving node's guard,
  /// whose max-message-bytes is at least 32 MiB. (>= 1)
  std::size_t max_bytes_per_msg = std::size_t{8} << 20;
  /// Most append messages in flight to one follower while streaming (>= 1).
  std::size_t max_inflight = 64;
  /// Leader lease (Raft thesis 6.4.1), in ticks; 0: no lease. A leader holds
  /// its lease for lease_ticks ticks from the send of a heartbeat round that
  /// a quorum acknowledged, and serves reads without a round of messages
  /// while it holds it (node::lease_valid). Safe because, with check_quorum,
  /// a follower that acknowledged such a heartbeat refuses votes for
  /// election_ticks of its own ticks, and a node that restarts refuses them
  /// for its first election_ticks ticks. The driver owns the clock bound:
  /// if tick periods of two nodes differ by at most a factor (1 + drift),
  /// lease_ticks <= (election_ticks - 1) / (1 + drift) keeps a deposed leader
  /// from serving a read after a new leader is elected.
  /// REQUIRES: 0 <= lease_ticks < election_ticks, check_quorum if > 0.
  int lease_ticks = 0;
};

/// What a node restarts from: everything its storage holds.
struct restored_state {
  hard_state hard;            ///< last persisted hard state
  snapshot snap;              ///< last persisted snapshot (may be empty)
  std::vector<entry> entries; ///< persisted entries after snap, contiguous
};

} // namespace ds::raft
