// The client library of dagctl, dagsh and dagbench: blocking calls to a
// node's gateway, in-process or over the network.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <caf/actor_system.hpp>

#include "messages/ns.hpp"

namespace ds {

class client {
public:
  /// A client of an in-process gateway.
  client(caf::actor_system& sys, gateway_actor gw,
         caf::timespan timeout = std::chrono::seconds(10));

  /// Connects to the node at host:port (with `tls`, through CAF's OpenSSL
  /// module, loaded with certificate, key and CA). Blocks; returns an error
  /// message in `err` and no client when the node cannot be reached. CAF's
  /// connect cannot be cancelled: callers that need a deadline run it on a
  /// thread.
  static std::optional<client> connect(caf::actor_system& sys,
                                       const std::string& host, uint16_t port,
                                       std::string& err, bool tls = false);

  /// One path-addressed operation. Failures to reach the node answer
  /// EUNAVAILABLE; a refused request answers EINVAL.
  ns_reply call(path_request req);

  /// A handle-addressed batch; same error mapping, one reply per request.
  std::vector<ns_reply> batch(std::vector<ns_request> reqs);

  /// Handle-addressed batches in flight together; one answer per batch, in
  /// order (each as `batch` would give it).
  std::vector<std::vector<ns_reply>>
  batches(std::vector<std::vector<ns_request>> reqs);

  /// Path-addressed requests answered in order, as if sent one after the
  /// other, in as few messages as the gateway allows (see run_path_batch).
  std::vector<ns_reply> path_batch(const std::vector<path_request>& reqs);
  /// path_batch handing each answer to `each` (request index, answer) in
  /// order as soon as it and those before it are known.
  void path_batch(const std::vector<path_request>& reqs,
                  const std::function<void(size_t, ns_reply&)>& each);

  /// Every shard's counters; empty on failure.
  std::vector<shard_info> shards();

  /// The cluster's members as the node sees them; empty on failure.
  std::vector<node_info> nodes();

  /// The node's own health and readiness, judged by itself; the error when
  /// it does not answer within the client's timeout.
  caf::expected<node_health> health();

  /// Where the DAG node of `path`'s entry lives; EUNAVAILABLE on failure.
  placement_info locate(const std::string& path);

  /// Sets a cluster setting; with `if_version`, only if the key is at that
  /// version (0: absent). EUNAVAILABLE when the metadata replica is
  /// unreachable.
  meta_result config_set(const std::string& key, const std::string& value,
                         std::optional<uint64_t> if_version = std::nullopt);

  /// A setting (version 0: absent); sets `code` to EUNAVAILABLE on failure.
  config_entry config_get(const std::string& key, errc& code);

  /// Every setting; sets `code` to EUNAVAILABLE on failure.
  std::vector<config_entry> config_list(errc& code);

  /// The Raft state of every metadata replica; EUNAVAILABLE on failure.
  std::vector<ds::raft_status> raft_state(errc& code);
  /// Every member's replicas of shard groups (replicas > 1; each member
  /// unreachable and without groups otherwise).
  std::vector<ds::node_groups> groups(errc& code);

  /// Moves part `part` of directory `dir_path` to shard `to` (migration
  /// protocol); EUNAVAILABLE if the node cannot be reached. `force`: even
  /// within the part's quiet time (otherwise EBUSY, with a detail).
  /// `chunk`: most entries per chunk of the copy (0: the node's default).
  meta_result move(const std::string& dir_path, hash_range part, uint32_t to,
                   bool force = false, uint32_t chunk = 0);

  /// Every migration record kept; sets `code` to EUNAVAILABLE on failure.
  std::vector<migration_record> migrations(errc& code);
  /// A page of the migration records kept (see migration_query); sets
  /// `code` to EUNAVAILABLE on failure.
  migration_page migrations(const migration_query& q, errc& code);

  /// The node's router counters; sets `code` to EUNAVAILABLE on failure.
  router_stats router(errc& code);

  /// The PSM's recorded plannings at slot `since` or later; EUNAVAILABLE on
  /// failure.
  std::vector<psm_planning> psm_plannings(int64_t since, errc& code);

  /// What the node's PSM planner would decide now (a dry run).
  psm_planning psm_plan(errc& code);

  /// The node's PSM planner's state.
  psm_status psm_state(errc& code);
  /// Imports accesses into the PSM's history (at most max_psm_import);
  /// the error when the node refused them (EINVAL: malformed, nothing
  /// stored) or did not answer.
  caf::expected<psm_import_result> psm_import(std::vector<psm_access> accesses);

  /// The PSM history and forecast of the directory at `path`; the error
  /// says why not (its text starts with ENOENT, ENOTDIR, ...).
  caf::expected<psm_series_view> psm_series(const std::string& path);

  /// Reads a whole directory by following cookies.
  ns_reply list(const std::string& path, uint32_t page = 1024);

  const gateway_actor& gateway() const { return gw_; }
  caf::actor_system& system() const { return *sys_; }
  caf::timespan timeout() const { return timeout_; }
  /// The deadline of every later call.
  void set_timeout(caf::timespan t) { timeout_ = t; }

private:
  /// Sends `xs` to the gateway and waits for the answer, at most the
  /// client's timeout: the reply, or the error (request_timeout when the
  /// node does not answer in time, whatever the reason).
  template <class Reply, class... Ts> caf::expected<Reply> ask(Ts&&... xs);

  caf::actor_system* sys_;
  gateway_actor gw_;
  caf::timespan timeout_;
};

/// Splits "host:port"; returns false for a malformed address.
bool parse_host_port(const std::string& s, std::string& host, uint16_t& port);

} // namespace ds
