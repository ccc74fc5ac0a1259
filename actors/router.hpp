// The router actor: sends each handle-addressed request to the shard that
// holds the directory's DAG, on this node or another, and resolves
// path-addressed requests component by component.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <vector>

#include "messages/ns.hpp"
#include "model/cluster_map.hpp"
#include "model/placement.hpp"

namespace ds {

struct path_job; // one path request being resolved (router_path.cpp)

struct router_state {
  router_actor::pointer self = nullptr;
  cluster_map cluster;
  /// Every shard of the cluster by global id; empty where its node is not
  /// reachable (requests for it answer EUNAVAILABLE at once).
  std::vector<shard_actor> shards;
  /// This node's metadata replica (it forwards to the Raft leader).
  metadata_actor metadata;
  hash_ring ring{1};
  /// How long a shard may take to answer before the request fails with
  /// EUNAVAILABLE.
  caf::timespan timeout = std::chrono::seconds(5);

  uint32_t home_shard(inode_id dir) const { return ring.home(dir); }
  caf::result<std::vector<ns_reply>> route(std::vector<ns_request>& reqs);
  void resolve(path_request req, std::function<void(ns_reply)> done);
  caf::result<placement_info> locate(const std::string& path);
  caf::result<std::vector<shard_info>> collect_info();
  /// Every member's metadata replica (this node's included), by member index.
  std::vector<metadata_actor> replicas;
  caf::result<std::vector<raft_status>> collect_raft();
  void set_peer(uint32_t node, node_hello& hello);
  /// Forwards a request to the metadata replica with the router's timeout.
  template <class Reply, class... Ts> caf::result<Reply> to_metadata(Ts... xs);
  void step(std::shared_ptr<path_job> job);

  static inline const char* name = "dagshard.router";
};

/// `local` are this node's shards, in local order.
/// `metadata` is this node's metadata replica.
router_actor::behavior_type
router_behavior(router_actor::stateful_pointer<router_state> self,
                cluster_map cluster, std::vector<shard_actor> local,
                metadata_actor metadata, caf::timespan timeout);

} // namespace ds
