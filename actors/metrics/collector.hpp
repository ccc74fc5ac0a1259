// What /metrics shows: the node's state asked from its actors at each scrape
// (shard counters, router counters, the metadata replica, migrations, peers)
// with what the shards measure as they work (shard_meters), and the
// process's CPU and memory. Names follow Prometheus's conventions:
// dagshard_ prefix, _total counters, _seconds histograms, labels for shard,
// op, role, state.
#pragma once

#include <string>
#include <vector>

#include <prometheus/collectable.h>

#include "actors/node.hpp"
#include "messages/health.hpp"

namespace ds {

/// One answer from each of the node's actors, asked at a scrape.
struct node_snapshot {
  std::vector<shard_info> shards;    ///< local shards that answered
  std::vector<uint32_t> local_index; ///< of each in node_handles::shards
  std::vector<uint32_t> silent;      ///< local shards that did not answer
  bool router_ok = false;
  router_stats router;
  bool replica_ok = false;
  raft_status replica;
  std::vector<migration_record> migrations;
  bool moved_ok = false;
  uint64_t entries_moved = 0;   ///< by all committed moves (meta_state)
  std::vector<node_info> nodes; ///< empty for a node without peers
  bool psm_ok = false;
  psm_status psm; ///< the node's PSM planner
};

class node_collector : public prometheus::Collectable {
public:
  node_collector(caf::actor_system& sys, const node_handles& node,
                 std::string node_id);

  /// Asks every actor of the node, each within `timeout`.
  node_snapshot snapshot(caf::timespan timeout) const;

  /// The /health rule applied to this node.
  health_verdict health() const;

  /// Every peer was tried once since start-up (greeted, or found down).
  bool peers_greeted() const;

  std::vector<prometheus::MetricFamily> Collect() const override;

private:
  caf::actor_system& sys_;
  const node_handles& node_;
  std::string node_id_;
};

/// The families of the moves recorded (`records`: every record kept) and
/// their entries, by state (dagshard_migrations,
/// dagshard_migration_entries), and, unless `entries_moved` is null, the
/// counter of entries moved by every committed move
/// (dagshard_migration_entries_moved_total).
std::vector<prometheus::MetricFamily>
migration_metrics(const std::vector<migration_record>& records,
                  const uint64_t* entries_moved);

/// The router's counters: name (without prefix), help, value. The one place
/// that lists router_stats's fields for the metrics.
struct named_counter {
  const char* name;
  const char* help;
  uint64_t value;
};
std::vector<named_counter> router_counters(const router_stats& s);

} // namespace ds
