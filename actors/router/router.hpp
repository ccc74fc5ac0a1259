// The router actor: sends each handle-addressed request to the shard that
// holds the directory's DAG, on this node or another, and resolves
// path-addressed requests component by component.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <unordered_map>
#include <vector>

#include "actors/member_gate.hpp"
#include "messages/ns.hpp"
#include "model/batch_queue.hpp"
#include "model/meta/cluster_map.hpp"
#include "model/meta/placement.hpp"
#include "model/meta/route.hpp"
#include "model/namespace/path_walk.hpp"

namespace ds {

struct path_run;  // one path request being resolved (router_path.cpp)
struct route_job; // a batch being routed (router_placement.cpp)
struct move_job;  // a part being moved (router_move.cpp)
struct step_try;  // one try of a part's step (router_move.cpp)

struct router_state {
  router_actor::pointer self = nullptr;
  cluster_map cluster;
  /// Every shard of the cluster by global id; empty where its node is not
  /// reachable (requests for it answer EUNAVAILABLE at once).
  std::vector<shard_actor> shards;
  /// This node's metadata replica (it forwards to the Raft leader).
  metadata_actor metadata;
  hash_ring ring{1};
  /// How long a shard may take to answer before the request fails with
  /// EUNAVAILABLE.
  caf::timespan timeout = std::chrono::seconds(5);

  /// (parent, name) -> directory, for path walks (model/namespace/
  /// dir_cache.hpp); its size is the node's dir-cache-entries setting.
  std::unique_ptr<dir_cache> dirs = std::make_unique<dir_cache>(0);

  uint32_t home_shard(inode_id dir) const { return ring.home(dir); }
  caf::result<std::vector<ns_reply>> route(std::vector<ns_request>& reqs);
  void resolve(path_request req, std::function<void(ns_reply)> done);
  caf::result<placement_info> locate(const std::string& path);
  caf::result<std::vector<shard_info>> collect_info();
  /// Every member's metadata replica (this node's included), by member index.
  std::vector<metadata_actor> replicas;
  /// Every member's PSM forecaster (empty where unknown), by member index.
  std::vector<psm_forecaster_actor> forecasters;
  caf::result<std::vector<psm_node_forecasts>> collect_views(uint64_t recent);
  caf::result<std::vector<raft_status>> collect_raft();
  void set_peer(uint32_t node, node_hello& hello);

  // -- replicated shards (router_groups.cpp) -----------------------------
  // With replicas > 1, `shards[s]` is the replica of shard s believed to
  // lead its group: at first the home member's (the group's preferred
  // leader), then whichever an ENOTLEADER answer names, or the next
  // reachable replica when one does not answer.
  bool replicated() const { return cluster.replicas() > 1; }
  /// Every member's Raft host of shard groups, by member index.
  std::vector<replica_host_actor> group_hosts;
  /// Every replica of every shard: [global shard][member index].
  std::vector<std::vector<shard_actor>> replica_shards;
  void set_local_groups(replica_host_actor host,
                        std::vector<shard_actor> local);
  void set_peer_groups(uint32_t node, const node_hello& hello);
  /// Shard s's replica on member `failed` did not lead (or answer): aims
  /// at member `leader` (a Raft id, 0: unknown) if reachable, or else at the
  /// next reachable replica after the failed one.
  void follow_leader(uint32_t s, uint32_t failed, uint64_t leader);
  /// A host pushed that node `leader` leads shard `s`'s group in `term`:
  /// aimed there unless a later term was pushed before.
  void leader_pushed(uint32_t s, uint64_t term, uint64_t leader);
  std::vector<uint64_t> pushed_terms; ///< by shard
  /// The member whose replica of shard s `target` is (members().size():
  /// none).
  uint32_t member_of(uint32_t s, const shard_actor& target) const;
  caf::result<std::vector<node_groups>> collect_groups();
  /// Requests on their way to each member's replicas (by member index):
  /// when the member goes away they count as unanswered at once.
  struct in_flight_part {
    std::shared_ptr<bool> answered;
    std::function<void(std::vector<ns_reply>*)> unanswered;
  };
  std::vector<std::vector<in_flight_part>> in_flight;
  void track_in_flight(uint32_t member, std::shared_ptr<bool> answered,
                       std::function<void(std::vector<ns_reply>*)> f);
  void fail_in_flight(uint32_t member);
  // -- cluster settings, batched (router_settings.cpp) -------------------
  /// Answers one set's caller.
  using set_done = std::function<void(caf::expected<meta_result>)>;
  /// The sets waiting for the next batch to the leader; no bound on the
  /// batches on their way.
  batch_queue<meta_command, set_done> sets{max_meta_batch};
  /// Raft id of the replica that last answered as leader (0: unknown).
  uint64_t meta_leader = 0;
  caf::result<meta_result> queue_set(meta_command cmd);
  caf::result<meta_batch_reply> queue_sets(std::vector<meta_command> cmds);
  void enqueue_set(meta_command cmd, set_done done);
  void flush_sets();

  /// Forwards a request to the metadata replica with the router's timeout.
  template <class Reply, class... Ts> caf::result<Reply> to_metadata(Ts... xs);
  void step(std::shared_ptr<path_run> run);

  // -- placement cache and retries (router_placement.cpp) ----------------
  /// Cached placements of directories with parts away from home.
  std::unordered_map<inode_id, dir_placement> placed;
  std::unordered_map<inode_id, std::vector<std::function<void(bool)>>>
      refreshing;
  std::map<uint64_t, std::function<void()>> later; ///< paused retries
  uint64_t later_seq = 0;
  router_stats stats;
  /// The router's own EUNAVAILABLE answers are logged at most once a
  /// second (a node down under load would log every batch); the next line
  /// tells how many jobs went unlogged meanwhile.
  caf::actor_clock::time_point gave_up_logged{};
  uint64_t gave_up_unlogged = 0;
  /// Logs the EUNAVAILABLE answers of a finished job, at most once a second.
  void log_gave_up(const route_job& job);
  /// `stats` with the directory-lookup cache's counters.
  router_stats counters() const;
  /// The shard for `r` by the placement cache (see choose_shard).
  uint32_t shard_for(ns_request& r, uint64_t limit);
  void route_async(std::vector<ns_request> reqs,
                   std::function<void(std::vector<ns_reply>)> done);
  /// Replicated shards: gives the writes of `reqs` that a failover may make
  /// it send twice a fresh request id (ns_request::rid), and every other
  /// request none (ids are the router's: a client's are dropped).
  void stamp(std::vector<ns_request>& reqs);
  uint64_t next_rid = 0; ///< 0: not yet drawn

  void dispatch(std::shared_ptr<route_job> job, std::vector<size_t> which);
  void next_round(std::shared_ptr<route_job> job);
  /// Replicated shards: after shard s's replica `target` answered `reps`
  /// (none: no answer), aims at the group's leader if it did not lead.
  void aim_at_leader(route_job& job, uint32_t s, const shard_actor& target,
                     std::vector<ns_reply>* reps);
  void run_later(uint64_t id);
  /// Reads the placement of `dir` from the metadata store, then `then`
  /// (false: it could not be read).
  void refresh(inode_id dir, std::function<void(bool)> then);
  void learn(const dir_placement& p);
  /// The shard holding hash `h` of `dir` by the cached placement.
  uint32_t holder(inode_id dir, uint64_t h);

  // -- the PSM (router_psm.cpp) -------------------------------------------
  /// Imported accesses, each to the shard holding its name; answers the
  /// sum of the shards' results, or an error if a shard did not answer.
  caf::result<psm_import_result> import_accesses(std::vector<psm_access>& xs);
  /// Sends each access to the shard holding its name by the placement
  /// cache (refreshed for their directories first) and sums the answers.
  void route_import(std::vector<psm_access> xs,
                    caf::typed_response_promise<psm_import_result> rp);
  /// The directory at `path`'s series, from its home node's forecaster.
  caf::result<psm_series_view> dir_series(const std::string& path);

  // -- moving a part (router_move.cpp) ------------------------------------
  caf::result<meta_result> move(move_request& m);
  void part_step(uint32_t shard, part_request req,
                 std::function<void(part_reply)> done);
  /// part_step's try number `attempt`: a replica that does not lead its
  /// group (ENOTLEADER) passes the step to the next replica after a pause,
  /// until `deadline`; so does a repeatable step whose outcome is unknown
  /// (EUNAVAILABLE, or no answer) in a replicated group.
  void part_step_at(uint32_t shard, part_request req,
                    std::function<void(part_reply)> done,
                    caf::actor_clock::time_point deadline, int attempt);
  /// What a try of part_step_at answers: the replica's answer, or none
  /// (lost, or its member found gone).
  void part_step_replied(step_try t, part_reply& r);
  void part_step_lost(step_try t);
  /// How long one try of a step may take before it counts as lost.
  caf::timespan step_limit(const part_request& req) const;
  /// Sends part_step_at's try `attempt` after a pause.
  void part_step_later(uint32_t shard, part_request req,
                       std::function<void(part_reply)> done,
                       caf::actor_clock::time_point deadline, int attempt);
  void to_meta(meta_command cmd, std::function<void(meta_result)> done);
  /// Takes the redirect of an EWRONGSHARD answer into the placement cache;
  /// false if the answer named no holder.
  bool take_redirect(inode_id dir, const ns_reply& rep);
  void move_begin(std::shared_ptr<move_job> j);
  /// Copies the next chunk of the part from the source to the destination
  /// while the source serves it; after the last, freezes and patches.
  void move_copy(std::shared_ptr<move_job> j);
  void move_freeze(std::shared_ptr<move_job> j);
  /// The source lost the copy (`why`): discard the destination's, copy again.
  void move_recopy(std::shared_ptr<move_job> j, errc why);
  /// Most times one move's copy starts again before the move aborts.
  static constexpr int max_copy_restarts = 3;
  void move_commit(std::shared_ptr<move_job> j);
  void move_abort(std::shared_ptr<move_job> j, errc why, bool exported);
  void move_finish(std::shared_ptr<move_job> j);
  /// Records the driver's progress every third of the move lease while the
  /// move is under way (until `w`'s answer is delivered), with the entries
  /// sent so far.
  void renew(std::weak_ptr<move_job> w);
  /// Between renewals, records the entries sent so far once
  /// `progress_every` has passed since the last record (after a chunk), so
  /// that `dagctl move` and `dagctl migrations` follow a long copy.
  void report_entries(move_job& j);
  /// Least time between two records of a copy's entries (besides the
  /// renewals): one metadata log entry per move per this period.
  caf::timespan progress_every = std::chrono::seconds(1);
  /// The proposer's clock that migration commands carry (ns since the
  /// epoch): the wall clock at start plus the actor clock's advance, so
  /// that virtual time drives it in tests.
  int64_t now_ns() const;
  int64_t wall_at_start_ns = 0;
  caf::actor_clock::time_point clock_at_start;
  /// This node's id: the owner recorded for the moves it drives.
  std::string owner_id() const;
  /// How long a whole part's export (begin_export) may take; a chunk's
  /// steps (copy, import, freeze, patch) get ten request timeouts.
  caf::timespan bulk_timeout = std::chrono::minutes(5);
  /// Most entries in one chunk of a part's copy (a move may ask for fewer
  /// or more, up to max_copy_chunk: 65,536 entries of 255-byte names are
  /// about 22 MB, under the least max-message-bytes a node accepts, so a
  /// chunk always passes the receiving node's guard).
  uint32_t copy_chunk = 4096;
  /// Most entries per second one move copies (0: as fast as the shards
  /// answer): the copy's chunks are spaced so that it leaves the shards'
  /// nodes time for the requests they serve meanwhile.
  uint64_t copy_rate = 0;
  static constexpr uint32_t max_copy_chunk = 1u << 16;
  /// A started move whose progress count has not grown for this long (as
  /// this router observed it) has lost its driver and is aborted.
  caf::timespan move_lease = std::chrono::seconds(15);
  /// Release `part` at shard `from` (moved to `to` at `epoch`), then, only
  /// if that release is durable, activate it at `to`; `done` gets the
  /// activate's code, or EUNAVAILABLE if the source did not confirm the
  /// release.
  void finish_committed(part_ref part, uint32_t from, uint32_t to,
                        uint64_t epoch, std::function<void(errc)> done);

  // -- settling moves whose driver is gone (router_resolve.cpp) -----------
  /// How often this node's shards are scanned for unresolved moves (0:
  /// never by itself).
  caf::timespan resolve_every{0};
  /// (shard, migration) seen unresolved by the previous scan.
  std::set<std::pair<uint32_t, uint64_t>> seen_unresolved;
  /// Started moves: the progress count last seen, and since when it has
  /// not changed (this router's clock).
  std::map<uint64_t, std::pair<uint64_t, caf::actor_clock::time_point>> watched;
  void resolve_scan();
  /// Aborts the started moves whose driver is gone, then settles `ripe`.
  void scan_log(migration_page log,
                std::vector<std::pair<uint32_t, unresolved_part>> ripe);
  void settle(uint32_t shard, unresolved_part u, const migration_page& log);
  /// Records as settled the finished moves out of this node's shards that
  /// neither of their shards reports any more (router_history.cpp).
  void settle_records(const migration_page& log);
  /// A part `shard` still reports for a settled move (its record settled,
  /// kept or pruned): thaw it (exporting) or discard it (pending).
  void undo_settled(uint32_t shard, const unresolved_part& u);
  /// The bound of the metadata store's record of moves, which this router
  /// proposes with every migration_settled.
  migration_history history;

  static inline const char* name = "dagshard.router";
};

/// `local` are this node's shards, in local order.
/// `metadata` is this node's metadata replica. Every `resolve_every` (0:
/// never) the router settles moves its node's shards were left in. Its
/// directory-lookup cache holds up to `dir_cache_entries` (0: none).
router_actor::behavior_type
router_behavior(guarded_pointer<router_actor, router_state> self,
                cluster_map cluster, std::vector<shard_actor> local,
                metadata_actor metadata, caf::timespan timeout,
                caf::timespan resolve_every, size_t dir_cache_entries);

/// router_behavior with the bound of the migration history that its scans
/// propose, and the pace of the copies of the moves it drives (entries per
/// second, 0: unlimited; router_behavior: the defaults, unpaced).
router_actor::behavior_type
router_with_history(guarded_pointer<router_actor, router_state> self,
                    cluster_map cluster, std::vector<shard_actor> local,
                    metadata_actor metadata, caf::timespan timeout,
                    caf::timespan resolve_every, size_t dir_cache_entries,
                    migration_history history, uint64_t copy_rate);

} // namespace ds
