// Assembly of one node: open and check the shard files, restore each shard,
// spawn shards, router and gateway, and publish the gateway.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include <caf/fwd.hpp>
#include <caf/io/middleman_actor.hpp>

#include "actors/guard/guard.hpp"
#include "actors/member_gate.hpp"
#include "actors/metrics/meters.hpp"
#include "actors/node_config.hpp"
#include "messages/ns.hpp"

namespace ds {

/// A node that could not start: the message says why (bad data folder,
/// foreign or damaged shard file, port in use, ...).
struct node_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct node_handles {
  gateway_actor gateway;
  router_actor router;
  peers_actor peers; ///< empty for a node without peers
  /// The shards this node is home to, in local order (replicas > 1: its
  /// replicas of the groups it is the preferred leader of).
  std::vector<shard_actor> shards;
  std::vector<committer_actor> committers;
  /// Replicated shards (replicas > 1): the node's Raft host of shard groups
  /// and its replica of each group it holds (cluster_map::hosted_by order).
  replica_host_actor groups;
  std::vector<shard_actor> replicas;
  std::vector<std::shared_ptr<shard_meters>> meters; ///< per local shard
  metadata_actor metadata; ///< this member's metadata replica
  std::shared_ptr<ds::raft_meters> raft_meters; ///< its proposals and appends
  psm_planner_actor planner; ///< the PSM's planner (plans beside the leader)
  psm_forecaster_actor forecaster; ///< the PSM forecaster (psm.db), detached
  /// Members' node ids for the internal actors' gates, and the count of
  /// messages refused or undecodable.
  std::shared_ptr<member_gate> gate;
  uint16_t port = 0; ///< the published port (0 if not published)
  int lock_fd = -1;  ///< holds the data folder's lock while the node runs
  /// The middleman actor whose acceptor and connects check every byte
  /// before BASP (empty when unpublished).
  caf::io::middleman_actor guard;
  /// What the guard counted (refused connections by reason).
  std::shared_ptr<guard::guard_meters> guard_meters;
};

/// Starts a node. With `publish`, the gateway listens on opts.bind:opts.port.
/// Throws node_error; nothing on disk is changed when a check fails.
node_handles start_node(caf::actor_system& sys, const node_options& opts,
                        bool publish);

/// Stops every actor of the node and releases the data folder.
void stop_node(caf::actor_system& sys, node_handles& h);

/// Replicated shards (actors/node_groups.cpp): opens groups.db and the
/// store of every group this node holds (group-<shard>.db), spawns the Raft
/// host, each group's committer (its sink) and shard replica. Throws
/// node_error; nothing is written when a file is refused.
void start_groups(caf::actor_system& sys, const node_options& opts,
                  const cluster_map& cluster, psm_forecaster_actor forecaster,
                  node_handles& h);

} // namespace ds
