// The node's Raft host: one actor that drives this node's replica of every
// shard group it holds (model/raft/multi.hpp), persists all their logs in
// one store with one sync per ready bundle, sends one envelope per peer node,
// and hands each group's committed entries, in order, to the group's sink
// (the shard replica). Detached: the store's sync blocks.
#pragma once

#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <caf/stateful_actor.hpp>

#include "messages/replica.hpp"
#include "model/raft/multi.hpp"
#include "storage/raft/group_log_store.hpp"

namespace ds {

struct replica_host_options {
  uint64_t id = 1; ///< this node's Raft id: member index + 1
  /// The groups hosted here and the voters of each (Raft ids).
  std::map<uint32_t, std::vector<uint64_t>> groups;
  /// Period of the Raft clock; zero: no clock (tests send ticks by hand).
  caf::timespan tick{std::chrono::milliseconds(50)};
  /// Election, lease, quiescence and liveness settings (ids and seeds are
  /// set by the host).
  raft::multi_config multi;
  /// A proposal or read that finds no leader, or whose answer does not
  /// come, fails after this many ticks (unavailable).
  int wait_ticks = 40;
  uint64_t seed = 1;
  /// A group's log is compacted once its sink holds this many entries
  /// durably past the log's snapshot point (0: never)...
  uint64_t compact_every = 10000;
  /// ...up to this many entries below the sink's durable index, so that a
  /// follower a little behind still catches up from the log.
  uint64_t compact_keep = 5000;
  /// A follower behind the compacted log gets the sink's state streamed in
  /// chunks of about this many bytes, one acknowledged chunk at a time.
  uint64_t chunk_bytes = uint64_t{1} << 20;
  /// A snapshot transfer that makes no progress for this many ticks is
  /// dropped (the leader's Raft core asks for another).
  int transfer_ticks = 100;
  /// Hand the leadership of a group back to its home member once it is up
  /// and caught up (hand_back_leadership), so that leaders spread over the
  /// members as homes do.
  bool hand_back = true;
};

/// Default settings for shard groups: 50 ms ticks, elections after 10 to
/// 20 ticks (0.5 to 1 s), leases of 8 ticks, quiet after 2 idle ticks, a
/// peer down after 10 silent ticks.
raft::multi_config default_group_settings();

struct replica_host_state {
  replica_host_actor::pointer self = nullptr;
  std::unique_ptr<raft::multi_node> core;
  std::shared_ptr<group_log_store> store;
  replica_host_options opts;
  std::map<uint64_t, replica_host_actor> peers;
  std::map<uint32_t, group_sink_actor> sinks;

  struct waiting {
    uint64_t index;
    uint64_t term;
    uint64_t due; ///< tick after which it fails
    caf::typed_response_promise<group_answer> rp;
  };
  /// Proposals made here, by group, in index order.
  std::map<uint32_t, std::deque<waiting>> proposals;
  struct reading {
    uint32_t group;
    uint64_t index; ///< 0 until the read index is known
    uint64_t due;
    caf::typed_response_promise<group_answer> rp;
  };
  std::map<std::string, reading> reads;
  uint64_t read_seq = 0;
  /// Committed entries handed to each group's sink, by group.
  std::map<uint32_t, uint64_t> applied;
  /// Entries committed before the group's sink was set.
  std::map<uint32_t, std::vector<group_entry>> held;
  uint64_t ticks = 0;
  /// Ticks each group this node prefers to lead has had no leader.
  std::map<uint32_t, int> leaderless;
  static constexpr int preferred_wait_ticks = 3;
  void campaign_where_preferred();
  /// Groups this node leads while their preferred member is up and caught
  /// up: ticks so far, and the ticks to wait before handing the leadership
  /// over (doubling after each attempt that did not take, up to a minute).
  struct away_from_home {
    int ticks = 0;
    int wait = 20;
  };
  std::map<uint32_t, away_from_home> away;
  /// Groups whose shard replica said it is busy (group_busy_atom).
  std::set<uint32_t> busy;
  void hand_back_leadership();
  /// Routers told of the leaders this node takes, by member (the routers'
  /// own), and the term last told for each group.
  std::map<uint32_t, caf::actor> watchers;
  std::map<uint32_t, uint64_t> told_term;
  /// Member `m`'s router `who` watches; it hears of every group led here.
  void watch(uint32_t m, caf::actor who);
  /// Tells the watchers if this node took the lead of `g` in a new term.
  void announce(uint32_t g);
  bool flush_scheduled = false;
  bool stopped = false;

  // -- snapshots (actors/replica/host_snapshots.cpp) --
  /// A snapshot this node streams to a follower, by (group, follower).
  struct outgoing {
    uint64_t id = 0;
    uint64_t term = 0; ///< this leader's term when it began
    uint64_t index = 0;
    uint64_t index_term = 0;
    std::vector<uint64_t> voters;
    uint32_t next = 0;      ///< the chunk read or sent last
    bool in_flight = false; ///< chunk `next` is sent, not yet acknowledged
    bool last = false;      ///< chunk `next` is the last one
    uint64_t due = 0;       ///< tick after which it is dropped
  };
  std::map<std::pair<uint32_t, uint64_t>, outgoing> sending;
  uint64_t transfer_seq = 0;
  /// Each group's index its sink holds durably (group_applied_atom).
  std::map<uint32_t, uint64_t> durable;
  uint64_t snapshots_sent = 0;
  uint64_t snapshots_installed = 0;
  /// Streams group `g`'s state to `to` instead of the core's snapshot
  /// message (one transfer per follower at a time).
  void start_transfer(uint32_t g, uint64_t to, uint64_t term);
  void on_applied(uint32_t g, uint64_t index);
  void on_chunk(const std::string& bytes, const caf::strong_actor_ptr& sender);
  void on_chunk_ack(uint32_t g, uint64_t t, uint32_t seq, bool ok,
                    const caf::strong_actor_ptr& sender);
  void expire_transfers();

  void start(std::shared_ptr<group_log_store> st, replica_host_options o);
  caf::result<group_answer> propose(uint32_t g, uint64_t term,
                                    std::string data);
  caf::result<group_answer> read(uint32_t g);
  void set_sink(uint32_t g, group_sink_actor sink);
  void receive(const std::string& bytes, const caf::strong_actor_ptr& sender);
  void set_peer(uint64_t id, const caf::strong_actor_ptr& handle);
  std::vector<group_state_info> status() const;
  void on_tick();
  /// Handles every ready bundle the core has.
  void drive();
  void schedule_drive();

  static inline const char* name = "dagshard.replica_host";

private:
  /// Asks the sink for the transfer's next chunk.
  void read_chunk(std::pair<uint32_t, uint64_t> key);
  void send_chunk(std::pair<uint32_t, uint64_t> key, uint64_t id,
                  std::string data, uint64_t index, bool last);
  /// Drops a transfer, and its view at the sink.
  void
  end_transfer(std::map<std::pair<uint32_t, uint64_t>, outgoing>::iterator it);
  void installed(uint32_t g, uint64_t from, uint64_t leader_term,
                 const raft::snapshot_meta& meta);
  uint64_t peer_id(const caf::strong_actor_ptr& sender) const;
  void send_all(std::vector<raft::envelope>& es);
  void hand_out(uint32_t g, const raft::ready& rd);
  void answer_reads(uint32_t g);
  void fail(const std::string& why);
  group_answer refusal(uint32_t g) const;
  /// A proposal refused before it was appended: not_leader, always.
  group_answer not_appended(uint32_t g) const;
};

/// Spawn with sys.spawn<caf::detached>(replica_host_behavior, store, opts).
/// The store's groups that opts does not list are left alone.
replica_host_actor::behavior_type replica_host_behavior(
    replica_host_actor::stateful_pointer<replica_host_state> self,
    std::shared_ptr<group_log_store> store, replica_host_options opts);

} // namespace ds
