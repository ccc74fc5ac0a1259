// The router actor: sends each handle-addressed request to the shard that
// holds the directory's DAG, and resolves path-addressed requests component
// by component.
#pragma once

#include <chrono>
#include <memory>
#include <vector>

#include "messages/ns.hpp"
#include "model/placement.hpp"

namespace ds {

struct path_job; // one path request being resolved (router_path.cpp)

struct router_state {
  router_actor::pointer self = nullptr;
  std::vector<shard_actor> shards;
  hash_ring ring{1};
  /// How long a shard may take to answer before the request fails with
  /// EUNAVAILABLE.
  caf::timespan timeout = std::chrono::seconds(5);

  shard_actor home(inode_id dir) const { return shards[ring.home(dir)]; }
  caf::result<std::vector<ns_reply>> route(std::vector<ns_request>& reqs);
  caf::result<ns_reply> resolve(path_request& req);
  caf::result<std::vector<shard_info>> collect_info();
  void step(std::shared_ptr<path_job> job);
  void finish(const std::shared_ptr<path_job>& job, const ns_reply& rep);

  static inline const char* name = "dagshard.router";
};

router_actor::behavior_type
router_behavior(router_actor::stateful_pointer<router_state> self,
                std::vector<shard_actor> shards, caf::timespan timeout);

} // namespace ds
