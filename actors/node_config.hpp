// Configuration of a dagshard node: one actor_system_config subclass that
// declares every option with its default and help text, plus the strict
// validation that CAF 0.17 lacks (it ignores wrongly typed INI values).
#pragma once

#include <cstdint>
#include <string>

#include <caf/actor_system_config.hpp>
#include <caf/timespan.hpp>

#include "model/meta/cluster_map.hpp"
#include "model/meta/meta_state.hpp"
#include "model/namespace/ns_shard.hpp"
#include "psm/policy/psm_settings.hpp"
#include "storage/shard_store.hpp"

namespace ds {

/// Every [dagshard] option, after validation.
struct node_options {
  std::string data_dir = "./dagshard-data";
  uint16_t port = 4242; ///< 0 = any free port (printed at start)
  std::string bind = "127.0.0.1";
  uint32_t shards = 4;
  /// Replicas of every shard, each on its own member (1: unreplicated).
  /// The same on every member; at most the number of members.
  uint32_t replicas = 1;
  /// Replicated shards: a group's log is compacted once its store holds
  /// this many entries past the log's snapshot point, keeping the last
  /// half of them (0: never). A replica behind the compacted log catches
  /// up from a snapshot streamed from the leader's store.
  uint64_t group_compact_entries = 10000;
  ns_shard_config ns;
  sync_mode sync = sync_mode::full;
  caf::timespan request_timeout = std::chrono::seconds(5);
  std::string node_id = "local";
  std::vector<member> peers;     ///< the other members of the cluster
  double capacity_factor = 1.25; ///< bounded-load placement: c
  /// Mutual TLS for the gateway and every peer link ([openssl] certificate,
  /// key and cafile must be set: peers without a certificate of that CA are
  /// refused).
  bool tls = false;
  /// Plaintext BASP on an address other than loopback is refused unless
  /// this is set (the node then warns at start).
  bool plaintext_ok = false;
  /// The most bytes one BASP message may carry on any connection of the
  /// node; a header that claims more closes its connection before anything
  /// is allocated or deserialized (actors/guard/).
  uint32_t max_message_bytes = 64u << 20;
  /// A connection without a handshake by then is closed (idle connections
  /// must not hold the node's descriptors).
  std::chrono::milliseconds handshake_timeout{10'000};
  /// The work one client connection may have waiting at the gateway for
  /// its answers, in bytes of requests; more is answered EBUSY.
  uint64_t max_pending_bytes = uint64_t{256} << 20;
  /// Directory lookups ((parent, name) -> directory) a router caches, LRU
  /// (0: none).
  size_t dir_cache_entries = 65536;
  /// Prometheus metrics, /health and /ready over HTTP (0: off).
  uint16_t metrics_port = 0;
  std::string metrics_bind = "127.0.0.1";
  /// Log lines: "text" (key=value) or "json" (one object per line).
  std::string log_format = "text";
  std::string log_level = "info"; ///< debug, info, warn or error
  /// psm.policy while the cluster setting is unset.
  psm_policy::policy_kind psm_policy = psm_policy::policy_kind::off;
  /// The PSM's access log and forecaster (docs/ARCHITECTURE.md, PSM).
  double psm_slot = 10;                                ///< slot length (s), > 0
  caf::timespan psm_period = std::chrono::seconds(60); ///< forecast period
  int64_t psm_horizon = 360;                           ///< slots forecast
  int64_t psm_season = 8640;  ///< seasonal period (slots)
  double psm_threshold = 100; ///< ops/s from which the full choice may run
  bool psm_count = true;      ///< false: shards count nothing (A/B of cost)
  /// Emulated service capacity of each shard, ops/s (0: unlimited). For
  /// comparisons on one machine only: see psm/capacity/token_bucket.hpp.
  double shard_capacity = 0;
  /// The metadata store's record of moves: settled ones beyond this many,
  /// or older than this, are pruned. Must be the same on every member:
  /// each node's router proposes its own in the commands that prune.
  migration_history history;
  /// Most entries per second one move copies (0: unlimited): a paced copy
  /// leaves the nodes time for the requests they serve meanwhile.
  uint64_t move_copy_rate = 20000;
};

/// The [dagshard] values as CAF parses them, before they are checked and
/// copied into node_options (node_config.cpp's option table says how).
struct raw_options {
  std::string data_dir = "./dagshard-data";
  int64_t port = 4242;
  std::string bind = "127.0.0.1";
  int64_t shards = 4;
  int64_t replicas = 1;
  int64_t group_compact_entries = 10000;
  int64_t list_capacity = 1024;
  int64_t max_width_bits = 10;
  int64_t level_bits = 4;
  bool no_merge = false;
  int64_t max_dir_entries = int64_t{1} << 24;
  std::string sync = "full";
  caf::timespan request_timeout = std::chrono::seconds(5);
  std::string node_id = "local";
  std::vector<std::string> peers;
  double capacity_factor = 1.25;
  bool tls = false;
  bool plaintext_ok = false;
  int64_t max_message_bytes = int64_t{64} << 20;
  caf::timespan handshake_timeout = std::chrono::seconds(10);
  int64_t max_pending_bytes = int64_t{256} << 20;
  int64_t dir_cache_entries = 65536;
  int64_t metrics_port = 0;
  std::string metrics_bind = "127.0.0.1";
  std::string log_format = "text";
  std::string log_level = "info";
  std::string psm_policy = "off";
  double psm_slot = 10;
  caf::timespan psm_period = std::chrono::seconds(60);
  int64_t psm_horizon = 360;
  int64_t psm_season = 8640;
  double psm_threshold = 100;
  bool psm_count = true;
  double shard_capacity = 0;
  int64_t migration_history = 1000;
  caf::timespan migration_history_age = std::chrono::hours(7 * 24);
  int64_t move_copy_rate = 20000;
};

class node_config : public caf::actor_system_config {
public:
  node_config();

  /// Parses the command line and the config file named by --config-file,
  /// then validates every [dagshard] value in the file and every resulting
  /// option. Returns an empty string or a message that names the bad key.
  std::string load_and_check(int argc, char** argv);

  /// The validated options (after load_and_check()).
  const node_options& options() const { return opts_; }

private:
  std::string check_file(const std::string& path) const;
  std::string check_values();

  std::string check_tls();
  raw_options raw_; ///< bound to CAF's options; checked and copied into opts_
  node_options opts_;
};

/// True for an address that only this host can reach: 127.0.0.0/8, ::1,
/// "localhost".
bool is_loopback_address(const std::string& addr);

/// dagshardd's --help text and man page (troff), from the option table.
std::string node_help();
std::string node_man_page();

/// Validates the [dagshard] section of parsed config-file settings: unknown
/// keys, wrong types and out-of-range values are errors naming the key.
std::string validate_dagshard_settings(const caf::settings& file);

} // namespace ds
