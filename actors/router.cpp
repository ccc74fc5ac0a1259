#include "actors/router.hpp"

#include <caf/all.hpp>

#include "model/name.hpp"

namespace ds {

namespace {

ns_reply error_reply(errc e) {
  ns_reply r;
  r.code = e;
  return r;
}

} // namespace

caf::result<std::vector<ns_reply>>
router_state::route(std::vector<ns_request>& reqs) {
  if (reqs.empty())
    return std::vector<ns_reply>{};
  auto first = ring.home(reqs.front().dir);
  bool one = true;
  for (auto& r : reqs)
    one = one && ring.home(r.dir) == first;
  if (one) // fast path: the shard answers the client directly
    return self->delegate(shards[first], ns_atom::value, std::move(reqs));
  std::vector<std::vector<size_t>> pos(shards.size());
  std::vector<std::vector<ns_request>> part(shards.size());
  for (size_t i = 0; i < reqs.size(); ++i) {
    auto s = ring.home(reqs[i].dir);
    pos[s].push_back(i);
    part[s].push_back(std::move(reqs[i]));
  }
  struct gather {
    std::vector<ns_reply> out;
    size_t left = 0;
    caf::typed_response_promise<std::vector<ns_reply>> rp;
  };
  auto g = std::make_shared<gather>();
  g->out.resize(reqs.size());
  g->rp = self->make_response_promise<std::vector<ns_reply>>();
  for (size_t s = 0; s < shards.size(); ++s)
    if (!part[s].empty())
      ++g->left;
  for (size_t s = 0; s < shards.size(); ++s) {
    if (part[s].empty())
      continue;
    auto where = std::make_shared<std::vector<size_t>>(std::move(pos[s]));
    auto done = [g, where](std::vector<ns_reply>* reps) {
      for (size_t k = 0; k < where->size(); ++k)
        g->out[(*where)[k]] = reps ? std::move((*reps)[k])
                                   : error_reply(errc::eunavailable);
      if (--g->left == 0)
        g->rp.deliver(std::move(g->out));
    };
    self->request(shards[s], timeout, ns_atom::value, std::move(part[s]))
      .then([done](std::vector<ns_reply>& reps) { done(&reps); },
            [done](caf::error&) { done(nullptr); });
  }
  return g->rp;
}

caf::result<std::vector<shard_info>> router_state::collect_info() {
  struct gather {
    std::vector<shard_info> out;
    size_t left = 0;
    caf::typed_response_promise<std::vector<shard_info>> rp;
  };
  auto g = std::make_shared<gather>();
  g->out.resize(shards.size());
  g->left = shards.size();
  g->rp = self->make_response_promise<std::vector<shard_info>>();
  for (size_t i = 0; i < shards.size(); ++i) {
    auto done = [g, i](shard_info* x) {
      if (x)
        g->out[i] = std::move(*x);
      else
        g->out[i].shard = static_cast<uint32_t>(i);
      if (--g->left == 0)
        g->rp.deliver(std::move(g->out));
    };
    self->request(shards[i], timeout, shards_atom::value)
      .then([done](shard_info& x) { done(&x); },
            [done](caf::error&) { done(nullptr); });
  }
  return g->rp;
}

router_actor::behavior_type
router_behavior(router_actor::stateful_pointer<router_state> self,
                std::vector<shard_actor> shards, caf::timespan timeout) {
  auto& st = self->state;
  st.self = self;
  st.ring = hash_ring{static_cast<uint32_t>(shards.size())};
  st.shards = std::move(shards);
  st.timeout = timeout;
  return {
    [self](ns_atom, std::vector<ns_request>& reqs) {
      return self->state.route(reqs);
    },
    [self](path_atom, path_request& req) { return self->state.resolve(req); },
    [self](shards_atom) { return self->state.collect_info(); },
  };
}

} // namespace ds
