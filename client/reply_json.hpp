// Replies of the client library as JSON objects: the field names of
// `dagctl --json`, which dagsh's Lua tables share.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "messages/ns.hpp"
#include "messages/psm.hpp"
#include "psm/plan/plan_types.hpp"

namespace ds {

/// Calls f(name, value) for each field of an entry's attributes, in the
/// names of `dagctl --json` (kind as its name, the rest as numbers): one
/// list for every consumer that cannot afford a JSON object per entry.
template <class F> void for_each_field(const attrs& a, F&& f) {
  f("kind", std::string_view{to_string(a.kind)});
  f("ino", uint64_t{a.ino});
  f("mode", uint64_t{a.mode});
  f("size", uint64_t{a.size});
  f("mtime_ns", static_cast<uint64_t>(a.mtime));
  f("version", uint64_t{a.version});
}

/// {kind, ino, mode, size, mtime_ns, version}.
nlohmann::json to_json(const attrs& a);

/// {name, kind, ino}: one entry of a directory listing.
nlohmann::json to_json(const dirent& e);

/// {shard, node, reachable, dirs, dag_nodes, entries, ops, ...}.
nlohmann::json to_json(const shard_info& x);

/// {id, address, self, reachable, detail}.
nlohmann::json to_json(const node_info& x);

/// {id, reachable, role, term, leader, commit, applied, first, last,
/// snapshot, log_entries}.
nlohmann::json to_json(const raft_status& x);
/// One member's replica of a shard group, with the member's id.
nlohmann::json to_json(const std::string& node, const group_state_info& x);

/// {key, value, version}.
nlohmann::json to_json(const config_entry& e);

/// {id, dir, lo, hi, from, to, state, epoch}; lo and hi as 0x-hex strings.
nlohmann::json to_json(const migration_record& m);

/// {routed, cache_hits, cache_misses, wrong_shard, refreshes, retries,
/// pushes}.
nlohmann::json to_json(const router_stats& s);

/// A PSM decision with its reason (backtest_mase null when unknown).
nlohmann::json to_json(const plan::decision& d);

/// The node's PSM planner and the cluster's last planning (null if none):
/// what `dagctl psm status --json` prints.
nlohmann::json psm_status_json(const psm_status& s,
                               const std::vector<psm_planning>& kept);

/// {"path", "slot_seconds", "history": [{"slot","width","ops"}],
///  "forecast": null or {"origin", "level", "model", "family",
///  "backtest_mase" (null if not backtested), "escalated", "mean",
///  "lower", "upper"}}; rates in ops/s.
nlohmann::json series_json(const std::string& path, const psm_series_view& v);

/// {path, dir, dag_node, shard, node, epoch}.
nlohmann::json placement_json(const std::string& path, const placement_info& x);

/// A 64-bit hash as "0x" and 16 hex digits.
std::string hex64(uint64_t x);

/// How a failed request reads on a console: "ENOENT: /a/b".
std::string error_line(errc code, const std::string& subject);

/// The message of a refused conditional set: "ECONFLICT: KEY is at version
/// NOW, not WANTED".
std::string conflict_line(const std::string& key, uint64_t now,
                          uint64_t wanted);

} // namespace ds
