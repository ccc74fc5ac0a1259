// A node's part of the replicated shards: one Raft host for every shard
// group it holds a replica of, and per group a committer (the group's sink,
// writing group-<shard>.db) and the shard replica that serves while it
// leads. The home member of a shard is its group's preferred leader.
#include <caf/all.hpp>

#include "actors/node.hpp"
#include "actors/replica/host.hpp"
#include "actors/shard.hpp"

namespace ds {

void start_groups(caf::actor_system& sys, const node_options& opts,
                  const cluster_map& cluster, psm_forecaster_actor forecaster,
                  node_handles& h) {
  uint32_t me = cluster.self_index();
  auto held = cluster.hosted_by(me);
  std::shared_ptr<group_log_store> log;
  std::vector<std::shared_ptr<shard_store>> stores;
  // Open and check every file before spawning anything.
  try {
    group_log_identity who{cluster.fingerprint(), me + uint64_t{1}};
    log = open_sqlite_group_log_store(opts.data_dir + "/groups.db", who,
                                      opts.sync);
    for (uint32_t g : held)
      stores.push_back(open_sqlite_shard_store(
          opts.data_dir + "/group-" + std::to_string(g) + ".db",
          {g, cluster.total_shards()}, opts.sync));
  } catch (const sql::storage_error& e) {
    throw node_error(e.what());
  }
  replica_host_options ho;
  ho.id = me + uint64_t{1};
  for (uint32_t g : held) {
    std::vector<uint64_t> voters;
    for (uint32_t m : cluster.replicas_of(g))
      voters.push_back(m + uint64_t{1});
    ho.groups[g] = std::move(voters);
  }
  ho.multi = default_group_settings();
  ho.compact_every = opts.group_compact_entries;
  ho.compact_keep = opts.group_compact_entries / 2;
  ho.seed = cluster.fingerprint() + me;
  h.groups = sys.spawn<caf::detached>(replica_host_behavior, log, ho);
  caf::scoped_actor self{sys};
  for (size_t k = 0; k < held.size(); ++k) {
    uint32_t g = held[k];
    auto committer = sys.spawn<caf::detached>(committer_behavior, stores[k]);
    self->send(h.groups, group_sink_atom::value, g,
               caf::actor_cast<group_sink_actor>(committer));
    shard_group_options go;
    go.host = h.groups;
    go.group = g;
    go.self = me + uint64_t{1};
    go.ns = opts.ns;
    shard_psm_options psm;
    psm.forecaster = forecaster;
    psm.slot_seconds = opts.psm_slot;
    psm.count = opts.psm_count;
    auto meters = std::make_shared<shard_meters>();
    auto shard = sys.spawn(replica_shard_behavior, go, committer, meters,
                           std::move(psm), shard_capacity_options{});
    h.committers.push_back(committer);
    h.replicas.push_back(shard);
    if (cluster.replicas_of(g).front() == me) {
      h.shards.push_back(shard);
      h.meters.push_back(meters);
    }
  }
}

} // namespace ds
