// The node gateway: the actor published on a node's port, the node's client
// face. Checks input size and hands client requests to the node's router;
// greets members (only them: the greeting carries internal handles).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "actors/member_gate.hpp"
#include "messages/ns.hpp"
#include "model/meta/cluster_map.hpp"

namespace ds {

struct gateway_state {
  router_actor router;
  peers_actor peers; ///< empty for a node without peers
  cluster_map cluster;
  std::vector<shard_actor> local_shards;
  metadata_actor metadata; ///< empty unless this node hosts it
  /// Replicated shards: the node's Raft host of shard groups and its
  /// replica of each group it holds (cluster_map::hosted_by order).
  replica_host_actor groups;
  std::vector<shard_actor> replicas;
  std::string address;
  psm_planner_actor planner;       ///< this node's PSM planner (may be empty)
  psm_forecaster_actor forecaster; ///< this node's; empty in some tests

  /// The work each client node (one connection) has waiting here for its
  /// answers, in bytes of requests (request_cost): at most max_pending per
  /// node; a request past it is answered EBUSY and changes nothing. This
  /// node's own actors are not counted.
  uint64_t max_pending = 0;
  std::map<caf::node_id, uint64_t> pending;
  /// Counts `cost` for the current sender; false (and counts nothing) if
  /// that would pass its cap. `who` gets the node to release() later (none
  /// for a local sender).
  bool take(gateway_actor::pointer self, uint64_t cost, caf::node_id& who);
  void release(const caf::node_id& who, uint64_t cost);
  /// What a refused request is told.
  std::string busy_message() const;

  /// The members, as the peer manager sees them (or just this node).
  caf::result<std::vector<node_info>> nodes(gateway_actor::pointer self);

  /// This node's own health (judge_health over its local shards and its
  /// metadata replica, each asked with a 1 s deadline) and readiness (every
  /// peer tried once; the gateway is published only after the stores are
  /// loaded).
  caf::result<node_health> health(gateway_actor::pointer self);

  /// The greeting with this node's internal handles, for members of the
  /// cluster only (EINVAL to anyone else).
  caf::result<node_hello> hello(gateway_actor::pointer self);

  static inline const char* name = "dagshard.gateway";
};

gateway_actor::behavior_type
gateway_behavior(client_face_pointer<gateway_actor, gateway_state> self,
                 router_actor router, peers_actor peers, cluster_map cluster,
                 std::vector<shard_actor> local_shards, metadata_actor metadata,
                 std::string address, psm_planner_actor planner,
                 psm_forecaster_actor forecaster, uint64_t max_pending);

/// The bytes a client request counts for against the gateway's cap of
/// pending work: a fixed share for its bookkeeping, plus its strings, plus
/// for a readdir the answer it may get (320 bytes per entry of its page).
uint64_t request_cost(const std::vector<ns_request>& reqs);
uint64_t request_cost(const path_request& req);
/// An import of accesses: a share per access, plus its name.
uint64_t request_cost(const std::vector<psm_access>& xs);
/// Any other request to the gateway.
constexpr uint64_t other_request_cost = 1024;

} // namespace ds
