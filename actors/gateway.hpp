// The node gateway: the actor published on a node's port. Checks input size
// and hands every request to the node's router.
#pragma once

#include <string>

#include "messages/ns.hpp"

namespace ds {

struct gateway_state {
  router_actor router;
  std::string address;
  uint32_t shards = 0;
  /// The router's shard counters, labelled with this node's address.
  caf::result<std::vector<shard_info>> shard_infos(gateway_actor::pointer self,
                                                   shards_atom a);
  static inline const char* name = "dagshard.gateway";
};

gateway_actor::behavior_type
gateway_behavior(gateway_actor::stateful_pointer<gateway_state> self,
                 router_actor router, std::string address, uint32_t shards);

} // namespace ds
