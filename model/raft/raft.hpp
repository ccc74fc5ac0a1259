// The Raft consensus core: a pure state machine in the shape of etcd/raft.
//
// Inputs: step() for messages from peers, tick() for the passage of time,
// propose() / read_index() / propose_membership() for client requests.
// Outputs: a ready bundle (state to persist, messages to send, entries to
// apply, reads to serve), acknowledged with advance(). No clock, no I/O, no
// threads: the driver owns all of that, so the core runs deterministically in
// tests. A node is not thread-safe; one driver calls it at a time.
#pragma once

#include "model/raft/config.hpp"
#include "model/raft/log.hpp"
#include "model/raft/progress.hpp"
#include "model/raft/ready.hpp"
#include "model/raft/types.hpp"

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace ds::raft {

/// The context of the votes of a leadership transfer.
inline constexpr char transfer_context[] = "transfer";

/// The role a node plays in its current term.
enum class role : std::uint8_t { follower, pre_candidate, candidate, leader };

/// A printable name of a role.
const char* to_string(role r);

/// Where a proposal was placed in the leader's log. It is committed iff the
/// committed entry at `index` later has this `term`; if an entry of another
/// term is committed there, the proposal was lost and may be retried.
struct proposal {
  index_t index = 0;
  term_t term = 0;
};

/// One member of a Raft group.
///
/// Driver loop (see ready for the persist/send/apply order):
///   on message m:  node.step(m)
///   every period:  node.tick()
///   then:          while (node.has_ready()) {
///                    ready rd = node.get_ready();
///                    persist; send; apply; node.advance(rd);
///                  }
class node {
public:
  /// Builds a node from what its storage holds (an empty restored_state for
  /// a brand-new member). It starts as a follower of nobody.
  /// REQUIRES: cfg.id != no_node; restored entries contiguous after the
  /// snapshot; hard.commit within the log.
  node(const config& cfg, restored_state restored);

  // --- inputs --------------------------------------------------------------

  /// Advances logical time by one tick (election and heartbeat timers).
  void tick();
  /// Handles a message from a peer; m.to must be this node. Messages may be
  /// lost, duplicated, reordered or stale: the core tolerates all of that.
  void step(const message& m);
  /// Appends a command if this node is leader; returns where it went, or
  /// nullopt if not leader (ask leader() for a hint, retry there).
  std::optional<proposal> propose(std::string data);
  /// Proposes adding (`add`) or removing `id` from the voters, one server at
  /// a time. Refused (nullopt) unless this node is leader, has committed an
  /// entry of its term, and no other change is still uncommitted.
  std::optional<proposal> propose_membership(node_id id, bool add);
  /// Asks for a linearizable read point. On the leader, or forwarded to it,
  /// the commit index is confirmed by a heartbeat round to a quorum; the
  /// result arrives as a read_state with the same `context` in a later ready.
  /// Returns false (and drops the request) if no leader is known. A request
  /// may also be lost with a message or a leader change: the caller retries
  /// after a timeout. `context` should be unique per request.
  bool read_index(std::string context);
  /// Starts an election now (a node that is not a voter does nothing).
  void campaign();
  /// Leadership transfer (thesis 3.10): this leader stops taking proposals,
  /// gives up its lease for the rest of its term, brings voter `to` up to
  /// date and tells it to stand at once (timeout_now). Abandoned after
  /// election_ticks ticks (proposals resume; reads go by ReadIndex). Does
  /// nothing unless leader, or if `to` is not another voter.
  void transfer_leadership(node_id to);
  /// The voter a transfer is under way to (no_node: none).
  node_id transferring_to() const { return transfer_to_; }
  /// The application took a snapshot of its state at `index` with `data`:
  /// log entries up to there are dropped. The driver persists the snapshot and
  /// compacts its storage itself. REQUIRES index <= applied(), and the entry
  /// at index persisted (advanced).
  void compact(index_t index, std::string data);

  // --- outputs -------------------------------------------------------------

  /// True if get_ready() has something, and the last ready was advanced.
  bool has_ready() const;
  /// Hands out the pending work. REQUIRES: the previous ready was advanced.
  ready get_ready();
  /// Confirms that `rd` (the last ready) was persisted, sent and applied.
  void advance(const ready& rd);

  // --- observation ---------------------------------------------------------

  node_id id() const { return cfg_.id; }
  role current_role() const { return role_; }
  term_t term() const { return term_; }
  node_id vote() const { return vote_; }
  /// The leader this node follows in its term (itself if leader), or no_node.
  node_id leader() const { return leader_; }
  /// Current voters (sorted); a config entry counts as soon as it is in
  /// the log.
  const std::vector<node_id>& voters() const { return voters_; }
  /// The log (for inspection by drivers and tests; do not keep references
  /// across calls that change the node).
  const raft_log& log() const { return log_; }
  /// The leader's progress of `id` (nullptr if not leader or no such voter).
  const progress* progress_of(node_id id) const;
  /// True if this leader has committed an entry of its own term (reads and
  /// membership changes wait for that, thesis 6.4 and 4.1).
  bool committed_in_term() const;
  /// True if this node is leader, has committed an entry of its term, and
  /// holds its lease (config::lease_ticks): it may serve a linearizable read
  /// from its state once that state has applied log().committed(), without
  /// a round of messages. Always false without a lease configured.
  bool lease_valid() const;
  /// The driver could not deliver the snapshot it was asked to send to `to`
  /// (as etcd/raft's ReportSnapshot with a failure): a leader waiting for
  /// it probes `to` again at its next answer instead of waiting until the
  /// snapshot counts as lost (2 * election_ticks). Does nothing otherwise.
  void snapshot_failed(node_id to);
  /// Gives up the lease until a later heartbeat round renews it (a driver
  /// that stops ticking the node, e.g. a quiescent group, must call this:
  /// the lease counts this node's ticks).
  void drop_lease();
  /// The driver learned that this follower's leader is down: its node was
  /// silent for at least election_ticks ticks (a driver that stopped ticking
  /// a quiescent group tells it so). The node forgets the leader and
  /// campaigns within election_ticks ticks. Does nothing unless a follower.
  void leader_down();
  /// True if reads wait for a heartbeat round or for the term's first
  /// commit.
  bool reads_pending() const {
    return !pending_reads_.empty() || !waiting_reads_.empty() ||
           !batched_reads_.empty();
  }
  /// Ticks this node has counted since it started.
  std::uint64_t ticks() const { return ticks_; }

private:
  struct pending_read {
    std::uint64_t seq;
    index_t index;
    node_id from;
    std::string context;
  };

  // raft.cpp: roles, elections, dispatch
  void become_follower(term_t t, node_id lead);
  void become_pre_candidate();
  void become_candidate();
  void become_leader();
  void campaign_for(bool pre, bool transfer = false);
  void reset(term_t t);
  void reset_timeout();
  void tick_election();
  void tick_heartbeat();
  bool step_term(const message& m);
  void step_vote_request(const message& m);
  void step_candidate(const message& m);
  void step_follower(const message& m);
  void send(message m);
  bool is_voter(node_id id) const;
  std::size_t quorum() const { return voters_.size() / 2 + 1; }

  // raft_follower.cpp: follower side of replication
  void handle_append(const message& m);
  void handle_heartbeat(const message& m);
  void handle_snapshot(const message& m);

  // raft_leader.cpp: leader side of replication and reads
  void step_leader(const message& m);
  void handle_append_resp(const message& m);
  void handle_heartbeat_resp(const message& m);
  bool send_append(node_id to, bool send_if_empty);
  void send_snapshot(node_id to, progress& pr);
  void broadcast_append();
  void broadcast_heartbeat();
  bool maybe_commit();
  bool quorum_active();
  void append_as_leader(entry_type type, std::string data);
  void flush_appends();
  void handle_read_request(node_id from, std::string context);
  void start_read_round(std::vector<std::pair<node_id, std::string>> reqs);
  void release_reads();
  void answer_read(node_id from, index_t index, std::string context);

  // raft_membership.cpp
  void refresh_voters();
  void apply_voters(std::vector<node_id> voters);
  std::vector<node_id> voters_at(index_t i) const;

  config cfg_;
  std::mt19937_64 rng_;
  raft_log log_;
  term_t term_ = 0;
  node_id vote_ = no_node;
  node_id leader_ = no_node;
  role role_ = role::follower;
  std::vector<node_id> voters_;
  std::map<node_id, progress> progress_;
  std::map<node_id, bool> votes_;
  int election_elapsed_ = 0;
  int heartbeat_elapsed_ = 0;
  int randomized_timeout_ = 0;
  std::vector<message> msgs_;
  /// Entries appended as leader since the last ready: their appends go out
  /// together when the ready is taken (one message per follower for all
  /// proposals of a batch, not one per proposal).
  bool append_pending_ = false;
  hard_state prev_hard_;
  index_t applying_ = 0; ///< highest committed index handed out to apply
  bool ready_outstanding_ = false;
  std::vector<read_state> read_states_;
  std::uint64_t read_seq_ = 0;
  std::deque<pending_read> pending_reads_;
  std::vector<std::pair<node_id, std::string>> waiting_reads_;
  /// Reads that arrived since the last ready: one heartbeat round confirms
  /// them all when the next ready is taken.
  std::vector<std::pair<node_id, std::string>> batched_reads_;
  // Leader lease (config::lease_ticks).
  std::uint64_t ticks_ = 0;
  /// Heartbeat rounds not yet acknowledged by a quorum: (read_seq, tick
  /// sent).
  std::deque<std::pair<std::uint64_t, std::uint64_t>> lease_rounds_;
  bool lease_held_ = false;
  std::uint64_t lease_start_ = 0; ///< tick at which the held lease's round left
  /// Ticks left in which a restarted node refuses votes (lease safety).
  int start_hold_ = 0;
  // Leadership transfer (raft_transfer.cpp).
  node_id transfer_to_ = no_node;
  bool transfer_sent_ = false; ///< timeout_now sent to transfer_to_
  int transfer_elapsed_ = 0;
  /// Set once a transfer started: no lease for the rest of this term (the
  /// target may be elected without waiting out the voters' stickiness).
  bool lease_barred_ = false;
  void maybe_send_timeout_now();
  void tick_transfer();
  void renew_lease(std::uint64_t confirmed_seq);
};

} // namespace ds::raft
