// The router's path for cluster settings: the sets that arrive while it is
// busy go to the metadata leader as one batch (one message each way instead
// of one per set), addressed to the replica that answered the last batch as
// leader (any replica forwards a batch to its leader).
#include "actors/router.hpp"

#include <caf/all.hpp>

namespace ds {

caf::result<meta_result> router_state::queue_set(meta_command cmd) {
  auto rp = self->make_response_promise<meta_result>();
  sets_pending.push_back({std::move(cmd), rp});
  if (!sets_flush_scheduled) {
    // Behind every message already queued: they join the same batch.
    sets_flush_scheduled = true;
    self->send(self, meta_flush_atom::value);
  }
  return rp;
}

void router_state::flush_sets() {
  sets_flush_scheduled = false;
  while (!sets_pending.empty()) {
    size_t n = std::min(sets_pending.size(), max_meta_batch);
    auto batch = std::make_shared<std::vector<pending_set>>(
        std::make_move_iterator(sets_pending.begin()),
        std::make_move_iterator(sets_pending.begin() + std::ptrdiff_t(n)));
    sets_pending.erase(sets_pending.begin(),
                       sets_pending.begin() + std::ptrdiff_t(n));
    std::vector<meta_command> cmds;
    cmds.reserve(n);
    for (auto& p : *batch)
      cmds.push_back(p.cmd);
    metadata_actor target = metadata;
    if (meta_leader > 0 && meta_leader <= replicas.size() &&
        replicas[meta_leader - 1])
      target = replicas[meta_leader - 1];
    if (!target) {
      for (auto& p : *batch)
        p.rp.deliver(caf::make_error(caf::sec::request_receiver_down,
                                     "the metadata replica is not reachable"));
      continue;
    }
    self->request(target, timeout, meta_batch_atom::value, std::move(cmds))
        .then(
            [this, batch](meta_batch_reply& r) {
              meta_leader = r.leader;
              for (size_t i = 0; i < batch->size(); ++i)
                (*batch)[i].rp.deliver(
                    i < r.results.size()
                        ? r.results[i]
                        : meta_result{errc::eunavailable, 0, 0});
            },
            [this, batch](caf::error& e) {
              meta_leader = 0; // ask this node's replica next time
              for (auto& p : *batch)
                p.rp.deliver(e);
            });
  }
}

} // namespace ds
