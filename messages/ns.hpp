// The namespace protocol: messages and typed interfaces of the DAG shard,
// the router and the node gateway. One line per message.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/fwd.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "messages/meta.hpp"
#include "messages/psm.hpp"
#include "messages/replica.hpp"
#include "messages/variant_inspect.hpp"
#include "model/namespace/ns_ops.hpp"
#include "model/namespace/ns_shard.hpp"
#include "model/namespace/part_request.hpp"

namespace ds {

/// Most requests one batch message may carry; larger batches are refused.
constexpr size_t max_batch = 65536;

/// What `dagctl shards` shows for one shard.
struct shard_info {
  uint32_t shard = 0;
  std::string node; ///< id of the node that hosts it
  bool reachable = true;
  ns_shard_stats stats;
  uint64_t commits = 0; ///< storage transactions
};

/// Answered once the step is durable. begin_export: the part's entries;
/// copy: a chunk of them, and `eof` after the last; freeze: the delta, the
/// touched name hashes and their entries.
struct part_reply {
  errc code = errc::ok;
  std::vector<entry> entries;
  std::vector<unresolved_part> unresolved;
  bool eof = false;
  std::vector<uint64_t> hashes;
  /// A copy's chunk: the part's request records kept before the copy began
  /// among the chunk's hashes; a freeze's: those kept since.
  std::vector<request_record> requests;
};

/// A move of one part of a directory to another shard (`dagctl move`).
struct move_request {
  inode_id dir = 0;
  hash_range range;
  uint32_t to = 0;
  bool force = false; ///< move even within the part's quiet time
  /// Most entries per chunk of the copy; 0: the router's default (4096).
  uint32_t chunk = 0;
};

/// A router's counters of its placement cache.
struct router_stats {
  uint64_t routed = 0;       ///< requests sent to a shard
  uint64_t cache_hits = 0;   ///< routed by a cached placement of the directory
  uint64_t cache_misses = 0; ///< no placement cached: sent to the home
  uint64_t wrong_shard = 0;  ///< EWRONGSHARD answers received
  uint64_t refreshes = 0;    ///< placement reads from the metadata store
  uint64_t retries = 0;      ///< requests sent again after EWRONGSHARD
  /// EWRONGSHARD answers that named the part's holder: sent there at once,
  /// and the part kept in the cache, without a placement read.
  uint64_t redirects = 0;
  uint64_t pushes = 0; ///< placement changes pushed to this router
  // The directory-lookup cache of path walks:
  uint64_t dir_hits = 0;      ///< path components resolved from the cache
  uint64_t dir_misses = 0;    ///< path components looked up on a shard
  uint64_t dir_stale = 0;     ///< cached entries found stale (ESTALE)
  uint64_t dir_evictions = 0; ///< entries dropped for want of room
  uint64_t dir_entries = 0;   ///< entries held now
  // Replicated shards:
  uint64_t not_leader = 0; ///< ENOTLEADER answers received
  /// Requests a shard replica did not answer (its node down): sent again,
  /// to another replica.
  uint64_t unanswered = 0;
  /// Leaders of shard groups pushed to this router by their new leaders.
  uint64_t leader_pushes = 0;
  /// Copies of moves driven here that started again after their source
  /// lost them (a restart, or a new leader of its group).
  uint64_t copy_restarts = 0;
  /// EUNAVAILABLE answers of shard replicas (a proposal whose outcome is
  /// unknown, a replica that could not take the lead): sent again.
  uint64_t outcome_unknown = 0;
  /// Requests this router answered EUNAVAILABLE, by cause: no replica of
  /// the group led or answered in time (R = 1: the shard did not answer);
  /// the placement could not be read; a move of the part did not end in
  /// time; a replica's outcome stayed unknown.
  uint64_t gave_up_no_leader = 0;
  uint64_t gave_up_no_placement = 0;
  uint64_t gave_up_moving = 0;
  uint64_t gave_up_unknown = 0;
};

/// What `dagctl nodes` shows for one member of the cluster.
struct node_info {
  std::string id;
  std::string address;
  bool self = false;
  bool reachable = false;
  std::string detail; ///< why not, when unreachable
  bool tried = false; ///< a first attempt to reach it has ended (or self)
};

/// A node's own verdict on itself: the rules of /health and /ready on its
/// metrics port, answered whether that port is on or not.
struct node_health {
  std::string id; ///< the node's member id
  /// Every local shard answers and the metadata replica knows a leader.
  bool healthy = false;
  std::string reason; ///< why not healthy
  bool ready = false; ///< start-up over: stores loaded, every peer tried once
};

/// `dagctl placement PATH`: where an entry's DAG node lives.
struct placement_info {
  inode_id dir = 0;   ///< the directory that holds the entry
  node_id node = 0;   ///< the DAG list node covering the name's hash
  uint32_t shard = 0; ///< global shard id
  std::string member; ///< id of the node hosting that shard
  uint64_t epoch = 0; ///< placement epoch the answer is valid for
  errc code = errc::ok;
};

/// A kind byte, then the step's fields (messages/variant_inspect.hpp).
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, part_request& x) {
  return detail::inspect_variant(f, x, "ds::part_request",
                                 "unknown part step kind");
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, part_reply& x) {
  return f(caf::meta::type_name("ds::part_reply"), x.code, x.entries,
           x.unresolved, x.eof, x.hashes, x.requests);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, move_request& x) {
  return f(caf::meta::type_name("ds::move_request"), x.dir, x.range, x.to,
           x.force, x.chunk);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, router_stats& x) {
  return f(caf::meta::type_name("ds::router_stats"), x.routed, x.cache_hits,
           x.cache_misses, x.wrong_shard, x.refreshes, x.retries, x.pushes,
           x.dir_hits, x.dir_misses, x.dir_stale, x.dir_evictions,
           x.dir_entries, x.redirects, x.not_leader, x.unanswered,
           x.leader_pushes, x.copy_restarts, x.outcome_unknown,
           x.gave_up_no_leader, x.gave_up_no_placement, x.gave_up_moving,
           x.gave_up_unknown);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, shard_info& x) {
  return f(caf::meta::type_name("ds::shard_info"), x.shard, x.node, x.reachable,
           x.stats, x.commits);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_info& x) {
  return f(caf::meta::type_name("ds::node_info"), x.id, x.address, x.self,
           x.reachable, x.detail, x.tried);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_health& x) {
  return f(caf::meta::type_name("ds::node_health"), x.id, x.healthy, x.reason,
           x.ready);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, placement_info& x) {
  return f(caf::meta::type_name("ds::placement_info"), x.dir, x.node, x.shard,
           x.member, x.epoch, x.code);
}

/// A DAG shard: serves handle-addressed requests on the DAGs it holds, from
/// memory; its committer makes changes durable.
using shard_actor = caf::typed_actor<
    // Applies a batch in order; answers after its changes are durable.
    caf::replies_to<ns_atom,
                    std::vector<ns_request>>::with<std::vector<ns_reply>>,
    // Counters of this shard.
    caf::replies_to<shards_atom>::with<shard_info>,
    // One step of moving a part; answered once it is durable.
    caf::replies_to<part_atom, part_request>::with<part_reply>,
    // Internal: PSM slot `slot` ended; report its counts to the forecaster.
    caf::reacts_to<psm_tick_atom, uint64_t>,
    // Internal: with an emulated capacity, serve the held batches now due.
    caf::reacts_to<capacity_atom>,
    // Internal: requests held while their part changes hands are due.
    caf::reacts_to<park_atom>,
    // Imported accesses: counted per slot on the parts held here, sent to
    // this node's forecaster.
    caf::replies_to<psm_import_atom,
                    std::vector<psm_access>>::with<psm_import_result>>;

/// A shard's committer (local only, its own thread): writes one batch at a
/// time to the shard's store.
using committer_actor = caf::typed_actor<
    // Writes the batch durably; answers the count of commits so far, or an
    // error after which the store must not be used again.
    caf::replies_to<commit_atom, commit_batch>::with<uint64_t>,
    // A replica of a shard group: the group's committed entries (commit
    // batches, messages/replica.hpp), written with the index of the last;
    // entries already written are skipped. Entries that queue meanwhile are
    // written together (group_flush_atom).
    caf::reacts_to<group_apply_atom, uint32_t, std::vector<group_entry>>,
    // Its own: writes the entries of every group_apply that came before in
    // one transaction (they queue while it writes: one fsync for all).
    caf::reacts_to<group_flush_atom>,
    // A replica of a shard group about to lead it: everything in the store,
    // as the batch that would write it into an empty one, and the group's
    // index written last. Answered after every entry handed to it before.
    caf::replies_to<group_load_atom>::with<commit_batch, uint64_t>,
    // The group sink's snapshot messages (group_sink_actor): the store as
    // encoded commit-batch chunks, read one at a time from a fixed view,
    // and the staging and installing of a snapshot received from the
    // group's leader.
    caf::replies_to<group_snapshot_atom, uint32_t, uint64_t, uint32_t,
                    uint64_t>::with<std::string, uint64_t, bool>,
    caf::replies_to<group_install_atom, uint32_t, uint64_t, uint32_t,
                    std::string, uint64_t>::with<uint64_t>>;

/// Greeting between nodes: who I am, which shards I host, and the metadata
/// replica if I host it.
struct node_hello {
  std::string id;
  uint64_t fingerprint = 0; ///< cluster_map::fingerprint of the sender
  std::vector<shard_actor> shards;
  metadata_actor metadata;         ///< empty unless the sender hosts it
  psm_forecaster_actor forecaster; ///< the sender's PSM forecaster, if any
  /// Replicated shards (replicas > 1): the sender's Raft host of shard
  /// groups, and its replica of each group it holds, in the order of
  /// cluster_map::hosted_by.
  replica_host_actor groups;
  std::vector<shard_actor> replicas;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_hello& x) {
  return f(caf::meta::type_name("ds::node_hello"), x.id, x.fingerprint,
           x.shards, x.metadata, x.forecaster, x.groups, x.replicas);
}

/// What clients may ask a node: the part of the interface that the router
/// and the gateway share.
using client_interface = caf::typed_actor<
    // Handle-addressed batch, split by shard and gathered in order (at the
    // gateway: at most max_batch requests).
    caf::replies_to<ns_atom,
                    std::vector<ns_request>>::with<std::vector<ns_reply>>,
    // One path-addressed operation.
    caf::replies_to<path_atom, path_request>::with<ns_reply>,
    // Where the DAG node holding an entry's name lives.
    caf::replies_to<locate_atom, std::string>::with<placement_info>,
    // Counters of every shard of the cluster.
    caf::replies_to<shards_atom>::with<std::vector<shard_info>>,
    // A metadata command (at the gateway: settings only).
    caf::replies_to<meta_atom, meta_command>::with<meta_result>,
    // Settings changed together (a client session's callers of one round
    // trip): one result per command, in order; at most max_meta_batch, all
    // config_set (at the gateway: otherwise refused whole, EINVAL).
    caf::replies_to<meta_batch_atom,
                    std::vector<meta_command>>::with<meta_batch_reply>,
    // A setting (version 0: absent).
    caf::replies_to<cfg_get_atom, std::string>::with<config_entry>,
    // Settings read together (a client session's callers of one round
    // trip), linearizable, one entry per key in order; 1 to max_meta_batch
    // keys (at the gateway: otherwise refused, EINVAL).
    caf::replies_to<cfg_get_many_atom,
                    std::vector<std::string>>::with<std::vector<config_entry>>,
    // Every setting.
    caf::replies_to<cfg_list_atom>::with<std::vector<config_entry>>,
    // The Raft state of every metadata replica of the cluster.
    caf::replies_to<raft_status_atom>::with<std::vector<raft_status>>,
    // Every member's replicas of shard groups (replicas > 1; none else).
    caf::replies_to<group_status_atom>::with<std::vector<node_groups>>,
    // Moves a part of a directory to another shard (migration protocol).
    caf::replies_to<move_atom, move_request>::with<meta_result>,
    // This node's router counters.
    caf::replies_to<router_stats_atom>::with<router_stats>,
    // Every migration recorded, oldest first.
    caf::replies_to<migrations_atom>::with<std::vector<migration_record>>,
    // A page of the migration records kept (a bounded history).
    caf::replies_to<migrations_atom, migration_query>::with<migration_page>,
    // The PSM's recorded plannings at slot `since` or later, oldest first.
    caf::replies_to<psm_plannings_atom,
                    std::int64_t>::with<std::vector<psm_planning>>,
    // Imported accesses into the PSM's history, each to the shard holding
    // its name (at the gateway: checked whole first, EINVAL if malformed).
    caf::replies_to<psm_import_atom,
                    std::vector<psm_access>>::with<psm_import_result>,
    // A directory's PSM history and forecast, from the forecaster of the
    // node of its home shard (its series there: the parts held at home).
    caf::replies_to<psm_series_atom, std::string>::with<psm_series_view>>;

/// The router: resolves paths and sends each request to its shard, on this
/// node or another; forwards metadata requests to the metadata replica.
using router_actor = client_interface::extend<
    // Member `node` greeted us (an empty greeting: it is unreachable).
    caf::reacts_to<peer_atom, uint32_t, node_hello>,
    // A move took effect (from this node's metadata replica).
    caf::reacts_to<place_push_atom, dir_placement>,
    // Internal: a paused retry is due.
    caf::reacts_to<retry_atom, uint64_t>,
    // Settle the moves left unresolved on this node's shards (periodic).
    caf::reacts_to<resolve_atom>,
    // Internal: send the settings that arrived since the last batch.
    caf::reacts_to<meta_flush_atom>,
    // Local: this node's PSM forecaster.
    caf::reacts_to<psm_fcaster_atom, psm_forecaster_actor>,
    // Local (replicas > 1): this node's Raft host of shard groups and its
    // replica of each group it holds (cluster_map::hosted_by order).
    caf::reacts_to<group_local_atom, replica_host_actor,
                   std::vector<shard_actor>>,
    // Replicated shards, from a host this router watches: node `leader`
    // leads shard `s`'s group in `term`.
    caf::reacts_to<group_leader_atom, uint32_t, uint64_t, uint64_t>,
    // The PSM planner's view: every reachable node's forecaster's answer
    // for the last `recent` slots (unreachable ones left out).
    caf::replies_to<psm_view_atom,
                    std::uint64_t>::with<std::vector<psm_node_forecasts>>>;

/// The node gateway, published on the node's port: the client interface
/// (never the router's internal messages), with input checks in front.
using gateway_actor = client_interface::extend<
    // Node identity: (address, shard count).
    caf::replies_to<node_atom>::with<std::string, uint32_t>,
    // Sets the address the node is reachable at (once it is published);
    // accepted from this node only.
    caf::reacts_to<node_atom, std::string>,
    // Sets this node's Raft host of shard groups and its replica of each
    // group it holds, for its greeting (replicas > 1); from this node only.
    caf::reacts_to<group_local_atom, replica_host_actor,
                   std::vector<shard_actor>>,
    // A peer's greeting: answers this node's (to members only: it carries
    // internal handles; anyone else gets EINVAL).
    caf::replies_to<hello_atom>::with<node_hello>,
    // Members of the cluster and whether this node reaches them.
    caf::replies_to<nodes_atom>::with<std::vector<node_info>>,
    // This node's health and readiness, judged by itself (as its /health
    // and /ready would answer).
    caf::replies_to<health_atom>::with<node_health>,
    // The PSM: a dry run of this node's planner, and its state.
    caf::replies_to<psm_plan_atom>::with<psm_planning>,
    caf::replies_to<psm_status_atom>::with<psm_status>>;

/// The peer manager: keeps connections to the other members.
using peers_actor = caf::typed_actor<
    // Members and their reachability.
    caf::replies_to<nodes_atom>::with<std::vector<node_info>>,
    // Internal: try member `i` again.
    caf::reacts_to<retry_atom, uint32_t>,
    // From the gateway: another node asked for a greeting (a member that
    // restarted, maybe); try the unreached members now (at most every
    // 100 ms, one asked sooner when that has passed).
    caf::reacts_to<hello_atom>>;

/// Registers every message type of this header under a stable name.
void add_ns_message_types(caf::actor_system_config& cfg);

} // namespace ds
