#include "actors/gateway.hpp"

#include <caf/all.hpp>

namespace ds {

caf::result<std::vector<shard_info>>
gateway_state::shard_infos(gateway_actor::pointer self, shards_atom a) {
  auto rp = self->make_response_promise<std::vector<shard_info>>();
  self->request(router, std::chrono::seconds(10), a)
    .then(
      [rp, addr = address](std::vector<shard_info>& xs) mutable {
        for (auto& x : xs)
          x.node = addr;
        rp.deliver(std::move(xs));
      },
      [rp](caf::error& e) mutable { rp.deliver(std::move(e)); });
  return rp;
}

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
      return self->state.shard_infos(self, a);
    },
    [self](node_atom) -> caf::result<std::string, uint32_t> {
      return {self->state.address, self->state.shards};
    },
    [self](node_atom, std::string& address) {
      self->state.address = std::move(address);
    },
  };
}

} // namespace ds
