// dagbench's commands, apart from its command line (main.cpp).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <caf/actor_system.hpp>

#include <nlohmann/json.hpp>

#include "client/client.hpp"
#include "tools/dagbench/workload/trace.hpp"

namespace ds::bench {

using args_map = std::map<std::string, std::string>;

/// The positive integer option `k`, or `dflt`; throws std::invalid_argument.
uint64_t num(const args_map& a, const std::string& k, uint64_t dflt);

/// --dir-cache N (0 allowed: no cache) for in-process nodes, or `dflt`.
size_t dir_cache_option(const args_map& a, size_t dflt);
/// --psm-count (true or false), or dflt; throws std::invalid_argument.
bool psm_count_option(const args_map& a, bool dflt);

/// Creates `path` and its parents as directories; returns its inode.
inode_id make_dirs(client& cl, const std::string& path);

/// Creates directories d0..d(n-1) in `root`; returns their inodes.
std::vector<inode_id> make_subdirs(client& cl, inode_id root, uint64_t n,
                                   uint64_t batch = 1000);

/// Cuts `all` into batches of at most `batch` requests.
std::vector<std::vector<ns_request>> chunk(std::vector<ns_request> all,
                                           size_t batch);

/// Closed-loop create and lookup phases over the gateways `gws`; each draws
/// a progress bar on a terminal unless `js` or `quiet`.
int run_basic(caf::actor_system& sys, client& cl,
              const std::vector<gateway_actor>& gws, const args_map& a, bool js,
              nlohmann::json& out, bool quiet = false);

/// Open-loop load at a fixed rate.
int run_open(caf::actor_system& sys, client& cl, const args_map& a, bool js,
             nlohmann::json& out);

/// A move of a large part under single creates and lookups to it: their
/// latencies before the move and while it runs (move_bench.cpp).
int run_move(client& cl, const args_map& a, bool js, nlohmann::json& out,
             bool quiet);

/// Creates files with several writers, logging each acknowledgement.
int run_fill(client& cl, const args_map& a, bool quiet);

/// Single stats of one path, one at a time (--path P --count N).
int run_stat(client& cl, const args_map& a, bool js, nlohmann::json& out);

/// Checks that every name in an acknowledgement log exists.
int run_verify(client& cl, const args_map& a);

/// Settings set/get through dagshard nodes (`clis`, used round-robin) or,
/// with `etcd_endpoints` non-empty, the same workload against etcd.
int run_kv(std::vector<client> clis, const std::vector<std::string>& etcd,
           const args_map& a, bool js, nlohmann::json& out);

/// A workload: its setup operations and its timed events.
struct generated {
  std::string label;
  std::vector<workload::event> setup;
  std::vector<workload::event> events;
  /// Events before this time (µs) are history: `compare` imports them into
  /// the PSM's history and replays the rest. 0: no history.
  int64_t history_us = 0;
};

/// The workload named by --workload and its options (see --help).
generated make_workload(const args_map& a);
/// Reads a trace; leading time-0 mkdir/create operations are its setup.
generated read_trace(const std::string& path);
/// Writes a generated workload to --out FILE.
int run_record(const args_map& a);
/// Replays `w` open loop against `gws`; --speed, --csv, --report.
int run_replay(caf::actor_system& sys, const std::vector<gateway_actor>& gws,
               const generated& w, const args_map& a, bool js,
               nlohmann::json& out);

/// Path lookups over directories three levels deep, through every client:
/// the root's home shard's share of shard operations, depth 1 and 4 latency.
int run_paths(caf::actor_system& sys, std::vector<client>& clis,
              const std::vector<gateway_actor>& gws, const args_map& a, bool js,
              nlohmann::json& out);

/// Memory per entry and time per find of a directory-lookup cache.
int run_dircache(const args_map& a, bool js, nlohmann::json& out);

/// The routers' counters of the nodes behind `gws`, summed.
router_stats collect_routers(caf::actor_system& sys,
                             const std::vector<gateway_actor>& gws);
nlohmann::json router_json(const router_stats& s);
std::string router_line(const router_stats& s);

/// The same workload against each sharding policy (--policies home,hash),
/// each on a fresh in-process node; --report puts them in one page.
int run_compare(caf::actor_system& sys, const args_map& a, bool js,
                nlohmann::json& out);

/// Balance and movement of the placement functions.
nlohmann::json placement_report(uint32_t n, double c, uint64_t keys,
                                bool print);

} // namespace ds::bench
