// The router's path for cluster settings: the sets that arrive while it is
// busy go to the metadata leader as one batch (one message each way instead
// of one per set), addressed to the replica that answered the last batch as
// leader (any replica forwards a batch to its leader).
#include "actors/router/router.hpp"

#include <caf/all.hpp>

namespace ds {

void router_state::enqueue_set(meta_command cmd, set_done done) {
  // The flush runs behind every message already queued: they join the
  // same batch.
  if (sets.push(std::move(cmd), std::move(done)))
    self->send(self, meta_flush_atom::value);
}

caf::result<meta_result> router_state::queue_set(meta_command cmd) {
  auto rp = self->make_response_promise<meta_result>();
  enqueue_set(std::move(cmd), [rp](caf::expected<meta_result> r) mutable {
    if (r)
      rp.deliver(*r);
    else
      rp.deliver(r.error());
  });
  return rp;
}

// A client's batch joins the pending sets one by one (it may be cut between
// two batches to the leader); its answer goes once every set has one. A set
// whose batch to the leader failed answers EUNAVAILABLE.
caf::result<meta_batch_reply>
router_state::queue_sets(std::vector<meta_command> cmds) {
  auto rp = self->make_response_promise<meta_batch_reply>();
  struct gather {
    meta_batch_reply reply;
    size_t left = 0;
  };
  auto g = std::make_shared<gather>();
  g->reply.results.resize(cmds.size());
  g->left = cmds.size();
  for (size_t i = 0; i < cmds.size(); ++i)
    enqueue_set(std::move(cmds[i]), [this, g, i,
                                     rp](caf::expected<meta_result> r) mutable {
      g->reply.results[i] = r ? *r : meta_result{errc::eunavailable, 0, 0};
      if (--g->left == 0) {
        g->reply.leader = meta_leader;
        rp.deliver(std::move(g->reply));
      }
    });
  return rp;
}

void router_state::flush_sets() {
  sets.flushing();
  while (sets.ready()) {
    using batch = decltype(sets)::batch;
    auto b = std::make_shared<batch>(sets.take());
    metadata_actor target = metadata;
    if (meta_leader > 0 && meta_leader <= replicas.size() &&
        replicas[meta_leader - 1])
      target = replicas[meta_leader - 1];
    if (!target) {
      sets.done();
      for (auto& w : b->waiters)
        w(caf::make_error(caf::sec::request_receiver_down,
                          "the metadata replica is not reachable"));
      continue;
    }
    self->request(target, timeout, meta_batch_atom::value, std::move(b->items))
        .then(
            [this, b](meta_batch_reply& r) {
              sets.done();
              meta_leader = r.leader;
              for (size_t i = 0; i < b->waiters.size(); ++i)
                b->waiters[i](i < r.results.size()
                                  ? r.results[i]
                                  : meta_result{errc::eunavailable, 0, 0});
            },
            [this, b](caf::error& e) {
              sets.done();
              meta_leader = 0; // ask this node's replica next time
              for (auto& w : b->waiters)
                w(e);
            });
  }
}

} // namespace ds
