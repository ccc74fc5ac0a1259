#include "actors/gateway.hpp"

#include <caf/all.hpp>

namespace ds {

gateway_actor::behavior_type
gateway_behavior(gateway_actor::stateful_pointer<gateway_state> self,
                 router_actor router, std::string address, uint32_t shards) {
  self->state.router = std::move(router);
  self->state.address = std::move(address);
  self->state.shards = shards;
  return {
    [self](ns_atom a, std::vector<ns_request>& reqs)
      -> caf::result<std::vector<ns_reply>> {
      if (reqs.size() > max_batch)
        return caf::make_error(caf::sec::invalid_argument,
                               "batch of " + std::to_string(reqs.size())
                                 + " requests exceeds "
                                 + std::to_string(max_batch));
      return self->delegate(self->state.router, a, std::move(reqs));
    },
    [self](path_atom a, path_request& req) -> caf::result<ns_reply> {
      return self->delegate(self->state.router, a, std::move(req));
    },
    [self](shards_atom a) -> caf::result<std::vector<shard_info>> {
      return self->delegate(self->state.router, a);
    },
    [self](node_atom) -> caf::result<std::string, uint32_t> {
      return {self->state.address, self->state.shards};
    },
  };
}

} // namespace ds
