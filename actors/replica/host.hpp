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
  bool flush_scheduled = false;
  bool stopped = false;

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
