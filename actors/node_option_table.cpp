#include "actors/node_option_table.hpp"

#include <caf/all.hpp>

#include "messages/ns.hpp"

namespace ds {

namespace {

std::string check_node_id(const caf::config_value& v) {
  auto x = caf::get_if<std::string>(&v);
  return x && valid_node_id(*x) ? ""
                                : "dagshard.node-id: must be 1..32 of A-Z a-z "
                                  "0-9 _ - (got " +
                                      caf::to_string(v) + ")";
}

std::string check_sync(const caf::config_value& v) {
  sync_mode m;
  auto x = caf::get_if<std::string>(&v);
  return x && parse_sync_mode(*x, m)
             ? ""
             : "dagshard.sync: must be \"full\", \"normal\" or \"off\" (got " +
                   caf::to_string(v) + ")";
}

std::string check_peers(const caf::config_value& v) {
  for (auto& x : caf::get<caf::config_value::list>(v)) {
    member m;
    if (auto err = parse_member(caf::get<std::string>(x), m); !err.empty())
      return "dagshard.peers: " + err;
  }
  return {};
}

std::string check_log_format(const caf::config_value& v) {
  auto x = caf::get_if<std::string>(&v);
  return x && (*x == "text" || *x == "json")
             ? ""
             : "dagshard.log-format: must be \"text\" or \"json\" (got " +
                   caf::to_string(v) + ")";
}

std::string check_psm_policy(const caf::config_value& v) {
  auto x = caf::get_if<std::string>(&v);
  psm_policy::policy_kind k;
  return x && psm_policy::parse_policy(*x, k)
             ? ""
             : "dagshard.psm-policy: must be predictive, reactive-capacity, "
               "reactive-load, static or off (got " +
                   caf::to_string(v) + ")";
}

// Reals are checked above their minimum; 0 is a fine capacity (unlimited).
std::string check_capacity(const caf::config_value& v) {
  double x = -1;
  if (auto d = caf::get_if<double>(&v))
    x = *d;
  else if (auto i = caf::get_if<int64_t>(&v))
    x = static_cast<double>(*i);
  return x >= 0 ? ""
                : "dagshard.shard-capacity: must be 0 (unlimited) or a "
                  "number of operations per second above 0 (got " +
                      caf::to_string(v) + ")";
}

std::string check_log_level(const caf::config_value& v) {
  auto x = caf::get_if<std::string>(&v);
  for (auto level : {"debug", "info", "warn", "error"})
    if (x && *x == level)
      return {};
  return "dagshard.log-level: must be \"debug\", \"info\", \"warn\" or "
         "\"error\" (got " +
         caf::to_string(v) + ")";
}

} // namespace

using R = raw_options;
using O = node_options;

// The one table of [dagshard] options.
const std::vector<option_def>& option_table() {
  static const std::vector<option_def> table = {
      {"data-dir", &R::data_dir, 1, 4096, "folder of the shard databases",
       [](const R& r, O& o) { o.data_dir = r.data_dir; }},
      {"port", &R::port, 0, 65535, "listen port (0: any free port)",
       [](const R& r, O& o) { o.port = static_cast<uint16_t>(r.port); }},
      {"bind", &R::bind, 1, 255, "listen address (default loopback)",
       [](const R& r, O& o) { o.bind = r.bind; }},
      {"shards", &R::shards, 1, 1024, "number of DAG shards on this node",
       [](const R& r, O& o) { o.shards = static_cast<uint32_t>(r.shards); }},
      {"replicas", &R::replicas, 1, 7,
       "replicas of every shard, each a member of its Raft group on its own "
       "node (1: unreplicated); the same on every member, at most their "
       "number",
       [](const R& r, O& o) {
         o.replicas = static_cast<uint32_t>(r.replicas);
       }},
      {"group-compact-entries", &R::group_compact_entries, 0, 1000000000,
       "replicated shards: compact a group's log once this many entries "
       "are applied past its snapshot point, keeping the last half "
       "(0: never)",
       [](const R& r, O& o) {
         o.group_compact_entries =
             static_cast<uint64_t>(r.group_compact_entries);
       }},
      {"list-capacity", &R::list_capacity, 2, 1000000,
       "entries per DAG list before a split",
       [](const R& r, O& o) {
         o.ns.dag.list_capacity = static_cast<uint32_t>(r.list_capacity);
       }},
      {"max-width-bits", &R::max_width_bits, 1, 16, "widest NIArray, in bits",
       [](const R& r, O& o) {
         o.ns.dag.max_width_bits = static_cast<uint8_t>(r.max_width_bits);
       }},
      {"level-bits", &R::level_bits, 1, 8,
       "width of a new NIArray level, in bits",
       [](const R& r, O& o) {
         o.ns.dag.level_bits = static_cast<uint8_t>(r.level_bits);
       }},
      {"no-merge", &R::no_merge, 0, 1, "never merge lists after deletes",
       [](const R& r, O& o) { o.ns.dag.merge = !r.no_merge; }},
      {"max-dir-entries", &R::max_dir_entries, 1, int64_t{1} << 32,
       "most entries per directory",
       [](const R& r, O& o) {
         o.ns.max_dir_entries = static_cast<uint64_t>(r.max_dir_entries);
       }},
      {"sync", &R::sync, 1, 16, "SQLite synchronous mode: full, normal or off",
       [](const R& r, O& o) { parse_sync_mode(r.sync, o.sync); }, check_sync},
      {"request-timeout", &R::request_timeout, 1, 3600'000,
       "shard answer deadline",
       [](const R& r, O& o) { o.request_timeout = r.request_timeout; }},
      {"node-id", &R::node_id, 1, 32, "this node's id in the cluster",
       [](const R& r, O& o) { o.node_id = r.node_id; }, check_node_id},
      {"peers", &R::peers, 0, 256, "the other members: [\"id@host:port\", ...]",
       [](const R& r, O& o) {
         o.peers.clear();
         for (auto& p : r.peers) {
           member m;
           parse_member(p, m); // checked before
           o.peers.push_back(std::move(m));
         }
       },
       check_peers},
      {"capacity-factor", &R::capacity_factor, 1, 10,
       "bounded-load placement: no shard above c times the mean",
       [](const R& r, O& o) { o.capacity_factor = r.capacity_factor; }},
      {"tls", &R::tls, 0, 1, "mutual TLS ([openssl] certificate, key, cafile)",
       [](const R& r, O& o) { o.tls = r.tls; }},
      {"plaintext-ok", &R::plaintext_ok, 0, 1,
       "allow plaintext (no tls) on a bind address other than loopback: "
       "anyone who reaches the port can use the node",
       [](const R& r, O& o) { o.plaintext_ok = r.plaintext_ok; }},
      {"max-message-bytes", &R::max_message_bytes, 33554432, 4294967295,
       "most bytes one message may carry on any connection; a larger one "
       "closes its connection unread (at least 32 MiB: the replies of the "
       "largest client batch fit)",
       [](const R& r, O& o) {
         o.max_message_bytes = static_cast<uint32_t>(r.max_message_bytes);
       }},
      {"max-pending-bytes", &R::max_pending_bytes, 67108864, 68719476736,
       "most work one client connection may have waiting for its answers, "
       "in bytes of requests (a request counts 64 bytes and its names); "
       "more is answered EBUSY (at least 64 MiB: the largest batch fits)",
       [](const R& r, O& o) {
         o.max_pending_bytes = static_cast<uint64_t>(r.max_pending_bytes);
       }},
      {"handshake-timeout", &R::handshake_timeout, 100, 3600'000,
       "a connection that has not sent its handshake "
       "by then is closed",
       [](const R& r, O& o) {
         o.handshake_timeout =
             std::chrono::duration_cast<std::chrono::milliseconds>(
                 r.handshake_timeout);
       }},
      {"dir-cache-entries", &R::dir_cache_entries, 0, int64_t{1} << 24,
       "directory lookups a router caches (0: none)",
       [](const R& r, O& o) {
         o.dir_cache_entries = static_cast<size_t>(r.dir_cache_entries);
       }},
      {"metrics-port", &R::metrics_port, 0, 65535,
       "port of /metrics, /health and /ready over HTTP (0: off)",
       [](const R& r, O& o) {
         o.metrics_port = static_cast<uint16_t>(r.metrics_port);
       }},
      {"metrics-bind", &R::metrics_bind, 1, 255,
       "address of the metrics port (default loopback)",
       [](const R& r, O& o) { o.metrics_bind = r.metrics_bind; }},
      {"log-format", &R::log_format, 1, 8,
       "log lines as \"text\" (key=value) or \"json\"",
       [](const R& r, O& o) { o.log_format = r.log_format; }, check_log_format},
      {"log-level", &R::log_level, 1, 8,
       "least level logged: debug, info, "
       "warn or error",
       [](const R& r, O& o) { o.log_level = r.log_level; }, check_log_level},
      {"psm-policy", &R::psm_policy, 1, 32,
       "the PSM's policy while the cluster setting psm.policy is unset",
       [](const R& r, O& o) {
         psm_policy::parse_policy(r.psm_policy, o.psm_policy);
       },
       check_psm_policy},
      {"psm-slot", &R::psm_slot, 0, 3600,
       "seconds per PSM slot, may be fractional: shards report their "
       "counts once a slot",
       [](const R& r, O& o) { o.psm_slot = r.psm_slot; }},
      {"psm-period", &R::psm_period, 1, 86400'000,
       "how often the node's PSM forecaster forecasts its series",
       [](const R& r, O& o) { o.psm_period = r.psm_period; }},
      {"psm-horizon", &R::psm_horizon, 1, 1'000'000,
       "slots ahead that the PSM forecasts",
       [](const R& r, O& o) { o.psm_horizon = r.psm_horizon; }},
      {"psm-season", &R::psm_season, 2, 1'000'000,
       "the PSM's seasonal period, in slots (a day: 8640 slots of 10 s)",
       [](const R& r, O& o) { o.psm_season = r.psm_season; }},
      {"psm-threshold", &R::psm_threshold, 0, 1'000'000'000,
       "ops/s near which a series gets the PSM's full model choice",
       [](const R& r, O& o) { o.psm_threshold = r.psm_threshold; }},
      {"psm-count", &R::psm_count, 0, 1,
       "shards count their accesses for the PSM (false: measure its cost)",
       [](const R& r, O& o) { o.psm_count = r.psm_count; }},
      {"shard-capacity", &R::shard_capacity, -1, 1'000'000'000,
       "EMULATION: ops/s each shard serves at most, the rest queue (0: "
       "unlimited; for comparisons on one machine, never in production)",
       [](const R& r, O& o) { o.shard_capacity = r.shard_capacity; },
       check_capacity},
      {"migration-history", &R::migration_history, 1, 1'000'000,
       "finished moves the metadata store keeps a record of (moves still "
       "settling are always kept); the same on every member",
       [](const R& r, O& o) {
         o.history.keep = static_cast<uint32_t>(r.migration_history);
       }},
      {"migration-history-age", &R::migration_history_age, 1000,
       int64_t{3650} * 86400'000,
       "how long the record of a finished move is kept at most, such as "
       "168h; the same on every member",
       [](const R& r, O& o) {
         o.history.age_ns =
             std::chrono::duration_cast<std::chrono::nanoseconds>(
                 r.migration_history_age)
                 .count();
       }},
      {"move-copy-rate", &R::move_copy_rate, 0, 1'000'000'000,
       "entries per second a move copies at most, so that the requests its "
       "nodes serve meanwhile keep their latency (0: unlimited)",
       [](const R& r, O& o) {
         o.move_copy_rate = static_cast<uint64_t>(r.move_copy_rate);
       }},
  };
  return table;
}

const char* type_text(kind k) {
  switch (k) {
  case kind::integer:
    return "an integer";
  case kind::string:
    return "a quoted string";
  case kind::boolean:
    return "true or false";
  case kind::duration:
    return "a duration such as 500ms or 5s";
  case kind::real:
    return "a number";
  case kind::string_list:
    return "a list of \"id@host:port\" strings";
  }
  return "?";
}

} // namespace ds
