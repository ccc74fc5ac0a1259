// The metadata replica actor: one member of the metadata Raft group. It
// drives the pure Raft core (model/raft): persists each ready to its raft
// log (SQLite) before sending the messages that depend on it, applies
// committed commands to the metadata state machine and answers clients.
// Detached: SQLite blocks. Group commit: everything that arrives while a
// ready is handled joins the next ready (one transaction, one AppendEntries
// per follower).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "actors/member_gate.hpp"
#include "actors/metrics/meters.hpp"
#include "messages/meta.hpp"
#include "model/meta/replica_book.hpp"
#include "model/raft/raft.hpp"
#include "storage/raft/raft_store.hpp"

namespace ds {

/// Settings of a metadata replica.
struct meta_replica_options {
  uint64_t id = 1;                 ///< Raft id: member index + 1
  std::vector<uint64_t> voters{1}; ///< ids of the whole group
  /// Every tick wakes the node's scheduler; a group of one runs no clock.
  caf::timespan tick{std::chrono::milliseconds(100)};
  int election_ticks = 10; ///< 1 .. 2 s with 100 ms ticks
  int heartbeat_ticks = 1;
  /// A command or read that finds no leader waits at most this many ticks.
  int wait_ticks = 20;
  /// A snapshot of the state machine is taken every this many entries.
  uint64_t snapshot_every = 10000;
  uint64_t seed = 1;
  /// Proposals and append latency, read by the metrics endpoint (optional).
  std::shared_ptr<raft_meters> meters;
};

struct meta_replica_state {
  metadata_actor::pointer self = nullptr;
  std::unique_ptr<raft::node> core;
  std::shared_ptr<raft_store> store;
  meta_replica_options opts;
  meta_state machine;
  uint64_t applied = 0;
  std::map<uint64_t, metadata_actor> peers;
  /// Proposals, reads and work parked until a leader is known.
  replica_book book{0};
  /// Local actors told of every move that takes effect (routers).
  std::vector<caf::actor_addr> subscribers;
  bool drive_scheduled = false;
  bool stopped = false;
  uint64_t logged_leader = 0; ///< the leader last logged (0: none)

  /// Loads the store into the Raft core and the state machine; a group of
  /// one campaigns at once, a larger one starts its clock.
  void start(std::shared_ptr<raft_store> st, meta_replica_options o);

  // -- requests -----------------------------------------------------------
  /// A command: proposed here if leader, forwarded to the leader if one is
  /// known, else parked until one is (EUNAVAILABLE after wait_ticks).
  caf::result<meta_result> command(const meta_command& cmd);
  /// A batch of commands, proposed or forwarded together, answered once
  /// all have applied (or failed).
  caf::result<meta_batch_reply> commands(std::vector<meta_command> cmds);
  /// A linearizable read: `answer` runs once the state machine has applied
  /// the read index.
  template <class T> caf::result<T> read(std::function<T()> answer);
  /// This replica's Raft state.
  raft_status status() const;
  /// A Raft message from another replica. One that does not decode, is
  /// not addressed to this replica, or comes from another member's node
  /// than its `from` replica's is dropped, counted and logged (member_gate).
  void receive(const std::string& bytes, const caf::strong_actor_ptr& sender);
  /// The replica of Raft id `id` is reachable at `handle` (null: not).
  void set_peer(uint64_t id, const caf::strong_actor_ptr& handle);

  // -- the driver loop ----------------------------------------------------
  /// The Raft clock ticked: parked work is handed on or expired.
  void on_tick();
  /// Handles every ready of the core in turn, behind the messages already
  /// queued (schedule_drive) so that they join the same ready.
  void schedule_drive();
  void drive();

  static inline const char* name = "dagshard.meta_replica";

private:
  bool submit(const meta_command& cmd,
              caf::typed_response_promise<meta_result> rp);
  bool submit_batch(const std::vector<meta_command>& cmds,
                    caf::typed_response_promise<meta_batch_reply> rp);
  /// The leader's replica if another replica leads and is reachable.
  metadata_actor leader_peer() const;
  void apply_ready(const raft::ready& rd);
  void apply_entry(const raft::entry& e);
  void push_placement(inode_id dir);
  void save_timed(const raft::ready& rd);
  void count_proposals(uint64_t n);
  void maybe_compact();
  void send_all(const std::vector<raft::message>& ms);
  void log_leader_change();
  void start_ticker(caf::timespan period);
};

/// "" if every byte the replica will read from `store` decodes (its
/// snapshot and each command in its log); else what is damaged. A node
/// checks this before it spawns the replica, so that a damaged raft.db
/// stops the start instead of the replica dying after it.
std::string check_meta_store(raft_store& store);

/// Spawn detached: `sys.spawn<caf::detached>(meta_replica_behavior, ...)`.
/// The store is loaded at start; a damaged one throws from the caller's
/// open_sqlite_raft_store before the actor is spawned.
metadata_actor::behavior_type
meta_replica_behavior(guarded_pointer<metadata_actor, meta_replica_state> self,
                      std::shared_ptr<raft_store> store,
                      meta_replica_options opts);

} // namespace ds
