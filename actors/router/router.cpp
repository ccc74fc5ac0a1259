#include "actors/router/router.hpp"

#include "actors/gather.hpp"

#include <caf/all.hpp>

#include "model/namespace/name.hpp"

namespace ds {

caf::result<std::vector<ns_reply>>
router_state::route(std::vector<ns_request>& reqs) {
  if (reqs.empty())
    return std::vector<ns_reply>{};
  auto rp = self->make_response_promise<std::vector<ns_reply>>();
  route_async(std::move(reqs), [rp](std::vector<ns_reply> out) mutable {
    // A handle of a removed directory: ESTALE is for routers only.
    for (auto& rep : out)
      if (rep.code == errc::estale)
        rep = error_reply(errc::enoent);
    rp.deliver(std::move(out));
  });
  return rp;
}

caf::result<std::vector<shard_info>> router_state::collect_info() {
  auto g = std::make_shared<gather<shard_info>>();
  g->out.resize(shards.size());
  g->left = shards.size();
  g->rp = self->make_response_promise<std::vector<shard_info>>();
  for (size_t i = 0; i < shards.size(); ++i) {
    auto id = static_cast<uint32_t>(i);
    auto node = cluster.members()[cluster.node_of(id)].id;
    auto done = [g, id, node](shard_info* x) {
      auto& slot = g->out[id];
      if (x)
        slot = std::move(*x);
      slot.shard = id;
      slot.node = node;
      slot.reachable = x != nullptr;
      g->part_done();
    };
    if (!shards[i]) {
      done(nullptr);
      continue;
    }
    self->request(shards[i], timeout, shards_atom::value)
        .then([done](shard_info& x) { done(&x); },
              [done](caf::error&) { done(nullptr); });
  }
  return g->rp;
}

caf::result<std::vector<raft_status>> router_state::collect_raft() {
  size_t n = cluster.members().size();
  replicas.resize(n);
  replicas[cluster.self_index()] = metadata;
  auto g = std::make_shared<gather<raft_status>>();
  g->out.resize(n);
  g->left = n;
  g->rp = self->make_response_promise<std::vector<raft_status>>();
  for (size_t i = 0; i < n; ++i) {
    auto done = [g, i](raft_status* x) {
      auto& slot = g->out[i];
      if (x)
        slot = std::move(*x);
      slot.id = i + 1;
      slot.reachable = x != nullptr;
      g->part_done();
    };
    if (!replicas[i]) {
      done(nullptr);
      continue;
    }
    self->request(replicas[i], timeout, raft_status_atom::value)
        .then([done](raft_status& x) mutable { done(&x); },
              [done](caf::error&) mutable { done(nullptr); });
  }
  return g->rp;
}

void router_state::set_peer(uint32_t node, node_hello& hello) {
  if (node >= cluster.members().size() || node == cluster.self_index())
    return;
  auto& handles = hello.shards;
  bool ok = handles.size() == cluster.shards_per_node();
  for (uint32_t k = 0; k < cluster.shards_per_node(); ++k)
    shards[cluster.global_shard(node, k)] = ok ? handles[k] : shard_actor{};
  // Our metadata replica talks to the peer's replica directly.
  replicas.resize(cluster.members().size());
  replicas[node] = ok ? hello.metadata : metadata_actor{};
  forecasters.resize(cluster.members().size());
  forecasters[node] = ok ? hello.forecaster : psm_forecaster_actor{};
  // Replicated shards: the local forecaster passes the reports of shards
  // homed on that member to its forecaster.
  if (replicated() && forecasters[cluster.self_index()])
    self->send(forecasters[cluster.self_index()], psm_fcaster_atom::value, node,
               caf::actor_cast<caf::strong_actor_ptr>(forecasters[node]));
  if (metadata)
    self->send(metadata, raft_peer_atom::value, uint64_t{node} + 1,
               caf::actor_cast<caf::strong_actor_ptr>(ok ? hello.metadata
                                                         : metadata_actor{}));
  if (!ok)
    hello = node_hello{};
  set_peer_groups(node, hello);
  // This node's Raft host of shard groups talks to the peer's directly.
  if (replicated() && cluster.self_index() < group_hosts.size() &&
      group_hosts[cluster.self_index()])
    self->send(group_hosts[cluster.self_index()], group_peer_atom::value,
               uint64_t{node} + 1,
               caf::actor_cast<caf::strong_actor_ptr>(hello.groups));
}

template <class Reply, class... Ts>
caf::result<Reply> router_state::to_metadata(Ts... xs) {
  if (!metadata)
    return caf::make_error(caf::sec::request_receiver_down,
                           "the metadata replica is not reachable");
  auto rp = self->make_response_promise<Reply>();
  self->request(metadata, timeout, xs...)
      .then([rp](Reply& r) mutable { rp.deliver(std::move(r)); },
            [rp](caf::error& e) mutable { rp.deliver(std::move(e)); });
  return rp;
}

router_actor::behavior_type
router_behavior(guarded_pointer<router_actor, router_state> self,
                cluster_map cluster, std::vector<shard_actor> local,
                metadata_actor metadata, caf::timespan timeout,
                caf::timespan resolve_every, size_t dir_cache_entries) {
  return router_with_history(self, std::move(cluster), std::move(local),
                             std::move(metadata), timeout, resolve_every,
                             dir_cache_entries, migration_history{}, 0);
}

router_actor::behavior_type
router_with_history(guarded_pointer<router_actor, router_state> self,
                    cluster_map cluster, std::vector<shard_actor> local,
                    metadata_actor metadata, caf::timespan timeout,
                    caf::timespan resolve_every, size_t dir_cache_entries,
                    migration_history history, uint64_t copy_rate) {
  auto& st = self->state;
  st.history = history;
  st.copy_rate = copy_rate;
  st.self = self;
  st.dirs = std::make_unique<dir_cache>(dir_cache_entries);
  st.ring = hash_ring{cluster.total_shards()};
  st.shards.resize(cluster.total_shards());
  for (uint32_t k = 0; k < local.size(); ++k)
    st.shards[cluster.global_shard(cluster.self_index(), k)] = local[k];
  st.cluster = std::move(cluster);
  st.metadata = std::move(metadata);
  st.replicas.resize(st.cluster.members().size());
  st.replicas[st.cluster.self_index()] = st.metadata;
  st.timeout = timeout;
  st.wall_at_start_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
  st.clock_at_start = self->clock().now();
  if (st.metadata) // told of every move that takes effect
    self->send(st.metadata, place_sub_atom::value, self->address());
  st.resolve_every = resolve_every;
  if (resolve_every.count() > 0)
    self->delayed_send(self, resolve_every, resolve_atom::value);
  return {
      [self](ns_atom, std::vector<ns_request>& reqs) {
        return self->state.route(reqs);
      },
      [self](path_atom, path_request& req) -> caf::result<ns_reply> {
        auto rp = self->make_response_promise<ns_reply>();
        self->state.resolve(std::move(req),
                            [rp](ns_reply rep) mutable { rp.deliver(rep); });
        return rp;
      },
      [self](locate_atom, const std::string& path) {
        return self->state.locate(path);
      },
      [self](shards_atom) { return self->state.collect_info(); },
      [self](meta_atom, meta_command& cmd) {
        return self->state.queue_set(std::move(cmd));
      },
      [self](meta_batch_atom, std::vector<meta_command>& cmds) {
        return self->state.queue_sets(std::move(cmds));
      },
      [self](meta_flush_atom) { self->state.flush_sets(); },
      [self](cfg_get_atom a, std::string& key) {
        return self->state.to_metadata<config_entry>(a, std::move(key));
      },
      [self](cfg_get_many_atom a, std::vector<std::string>& keys) {
        return self->state.to_metadata<std::vector<config_entry>>(
            a, std::move(keys));
      },
      [self](cfg_list_atom a) {
        return self->state.to_metadata<std::vector<config_entry>>(a);
      },
      [self](raft_status_atom) { return self->state.collect_raft(); },
      [self](group_status_atom) { return self->state.collect_groups(); },
      [self](group_local_atom, replica_host_actor& host,
             std::vector<shard_actor>& local) {
        self->state.set_local_groups(std::move(host), std::move(local));
      },
      [self](group_leader_atom, uint32_t s, uint64_t term, uint64_t leader) {
        self->state.leader_pushed(s, term, leader);
      },
      [self](peer_atom, uint32_t node, node_hello& hello) {
        self->state.set_peer(node, hello);
      },
      [self](place_push_atom, dir_placement& p) {
        ++self->state.stats.pushes;
        self->state.learn(p);
      },
      [self](retry_atom, uint64_t id) { self->state.run_later(id); },
      [self](move_atom, move_request& m) { return self->state.move(m); },
      [self](router_stats_atom) { return self->state.counters(); },
      [self](psm_import_atom, std::vector<psm_access>& xs) {
        return self->state.import_accesses(xs);
      },
      [self](psm_series_atom, std::string& path) {
        return self->state.dir_series(path);
      },
      [self](resolve_atom) {
        auto& st = self->state;
        st.resolve_scan();
        if (st.resolve_every.count() > 0)
          self->delayed_send(self, st.resolve_every, resolve_atom::value);
      },
      [self](migrations_atom a) {
        return self->state.to_metadata<std::vector<migration_record>>(a);
      },
      [self](migrations_atom a, migration_query& q) {
        return self->state.to_metadata<migration_page>(a, q);
      },
      [self](psm_plannings_atom a, int64_t since) {
        return self->state.to_metadata<std::vector<psm_planning>>(a, since);
      },
      [self](psm_fcaster_atom, psm_forecaster_actor& f) {
        auto& st = self->state;
        st.forecasters.resize(st.cluster.members().size());
        st.forecasters[st.cluster.self_index()] = std::move(f);
      },
      [self](psm_view_atom, uint64_t recent) {
        return self->state.collect_views(recent);
      },
  };
}

} // namespace ds
