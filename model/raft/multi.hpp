// Many Raft groups on one node (multi-Raft): one replica of each shard group
// this node hosts, behind one pure state machine.
//
// What it adds to the single-group core (raft.hpp):
//  - Coalescing: every message of every group to the same peer node leaves in
//    one envelope per ready, so heartbeats cost one message per node pair per
//    tick however many groups there are, and appends of many groups share a
//    message (and the driver's one fsync per ready).
//  - Quiescence: a group whose leader sees every follower caught up, nothing
//    proposed or read, for quiesce_ticks ticks sends one last heartbeat
//    marked `quiesce` and stops ticking; followers that hold everything stop
//    too. An idle group costs no ticks and no messages. Any proposal, read,
//    or message other than a heartbeat answer wakes it.
//  - Node liveness: every ping_ticks ticks an envelope goes to each peer, even
//    empty. A peer silent for liveness_ticks (>= election_ticks) is down; the
//    quiescent groups it led wake up and elect another leader at once.
// Like the core, it has no clock, no I/O, no threads.
#pragma once

#include "model/raft/raft.hpp"

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace ds::raft {

/// A group's id on every node (a shard's global number).
using group_id = std::uint32_t;

/// One group's message inside an envelope.
struct group_message {
  group_id group = 0;
  /// A leader's last heartbeat before its group goes quiet.
  bool quiesce = false;
  message msg;
};

/// Everything one node sends another in one go. An empty envelope is a ping:
/// it only says the sender is alive.
struct envelope {
  node_id from = no_node;
  node_id to = no_node;
  std::vector<group_message> msgs;
};

/// Settings of a multi-group node.
struct multi_config {
  node_id id = no_node; ///< this node, the same id in every group
  /// Every group's settings; id and seed are set per group.
  config group;
  std::uint64_t seed = 0;
  /// Ticks a group's leader waits with nothing to do before quiescing; 0:
  /// groups never quiesce. (>= 0)
  int quiesce_ticks = 2;
  /// A peer is pinged every ping_ticks ticks. (>= 1)
  int ping_ticks = 1;
  /// A peer silent this long is down. (>= group.election_ticks)
  int liveness_ticks = 10;
};

/// One group's part of a multi_ready.
struct group_ready {
  group_id group = 0;
  ready rd; ///< its messages have moved into the envelopes
};

/// What the driver must do, in the order of ready (ready.hpp): send `early`;
/// persist every group's snap, entries and hard state (one sync for all);
/// send `messages`; apply each group's committed entries and serve its
/// reads; then call advance() with this bundle.
struct multi_ready {
  std::vector<group_ready> groups;
  std::vector<envelope> early;    ///< may leave before the sync
  std::vector<envelope> messages; ///< only after the sync
  bool empty() const {
    return groups.empty() && early.empty() && messages.empty();
  }
};

/// What a node knows of a group it hosts (for consoles and tests).
struct group_status {
  group_id group = 0;
  role r = role::follower;
  term_t term = 0;
  node_id leader = no_node;
  index_t last = 0;
  index_t committed = 0;
  index_t applied = 0;
  bool quiescent = false;
};

class multi_node {
public:
  /// REQUIRES cfg.id != no_node and the limits documented in multi_config.
  explicit multi_node(multi_config cfg);

  // --- groups --------------------------------------------------------------

  /// Hosts a replica of group `g` (replacing none), restored from storage.
  /// `voters` is the group's membership when brand new. The group starts
  /// awake.
  void add_group(group_id g, std::vector<node_id> voters,
                 restored_state restored);
  /// Stops hosting `g` (its pending ready is dropped).
  void remove_group(group_id g);
  bool hosts(group_id g) const { return groups_.count(g) > 0; }
  /// The group's core; nullptr if not hosted. Calls that change it (step,
  /// propose, ...) must go through this class, so that it wakes up.
  const node* group(group_id g) const;
  std::vector<group_id> groups() const;
  group_status status(group_id g) const;

  // --- inputs --------------------------------------------------------------

  /// One tick of this node's clock: ticks every awake group, quiesces idle
  /// ones, pings peers, and wakes the groups of peers found down.
  void tick();
  /// An envelope from a peer (messages for groups not hosted are dropped).
  void step(const envelope& e);
  /// Proposes to group `g` (wakes it); nullopt if not hosted or not leader.
  std::optional<proposal> propose(group_id g, std::string data);
  /// A ReadIndex read of group `g` (wakes it); false if it cannot start.
  bool read_index(group_id g, std::string context);
  /// True if group `g`'s leader here may serve a read from its lease (see
  /// node::lease_valid). A quiescent group holds no lease: read_index wakes
  /// it.
  bool lease_valid(group_id g) const;
  /// lease_valid(g), and if so the read keeps the group awake as a
  /// proposal would: a group that serves reads does not go quiet and lose
  /// its lease.
  bool lease_read(group_id g);
  /// Starts an election in `g` now (tests).
  void campaign(group_id g);
  /// Hands `g`'s leadership to voter `to` (node::transfer_leadership).
  void transfer(group_id g, node_id to);
  /// The snapshot of `g` sent to `to` was lost (node::snapshot_failed).
  void snapshot_failed(group_id g, node_id to);
  /// The application snapshot of `g` at `index` (node::compact).
  void compact(group_id g, index_t index, std::string data);

  // --- outputs -------------------------------------------------------------

  bool has_ready() const;
  /// REQUIRES: the previous bundle was advanced.
  multi_ready get_ready();
  void advance(const multi_ready& rd);

  // --- observation ---------------------------------------------------------

  node_id id() const { return cfg_.id; }
  bool quiescent(group_id g) const;
  /// Peers this node takes for down now.
  std::vector<node_id> peers_down() const;
  /// Awake groups (those that tick).
  std::size_t awake() const;

private:
  struct hosted {
    std::unique_ptr<node> core;
    bool quiet = false;
    int idle_ticks = 0;
    /// Followers to send the quiesce heartbeat to in the next ready.
    std::vector<node_id> quiesce_to;
  };
  struct peer {
    std::uint64_t heard = 0; ///< tick of the last envelope from it
    std::uint64_t sent = 0;  ///< tick of the last envelope to it
    bool down = false;
  };

  hosted* find(group_id g);
  const hosted* find(group_id g) const;
  void wake(hosted& h);
  bool can_quiesce(const hosted& h) const;
  void quiesce(hosted& h);
  void peer_is_down(node_id p);
  peer& peer_of(node_id p);
  void route(group_id g, std::vector<message>& msgs,
             std::map<node_id, envelope>& out);

  multi_config cfg_;
  std::map<group_id, hosted> groups_;
  std::map<node_id, peer> peers_;
  std::uint64_t now_ = 0;
  bool ready_outstanding_ = false;
};

} // namespace ds::raft
