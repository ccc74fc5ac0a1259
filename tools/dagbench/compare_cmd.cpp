// dagbench compare: one workload against several sharding policies, each on
// a fresh in-process node, side by side in one summary and one report.
//
// Policies:
//   home  every directory stays on its home shard; DAG nodes split on
//         capacity only (no spreading)
//   hash  static hashing of every DAG node: after the setup, every
//         directory's 2^BITS parts are placed by hashing (directory, part)
//         over the shards, through the migration protocol
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>

#include "client/client.hpp"
#include "actors/node.hpp"
#include "model/meta/placement.hpp"
#include "tools/dagbench/commands.hpp"
#include "tools/dagbench/replay.hpp"
#include "tools/dagbench/report.hpp"

namespace ds::bench {

namespace {

struct spread_result {
  uint64_t moves = 0;
  uint64_t entries = 0;
  double seconds = 0;
};

/// Places every part of every directory the setup made by hashing.
spread_result spread_all(client& cl, uint32_t shards,
                         const std::vector<workload::event>& setup,
                         uint64_t bits) {
  spread_result out;
  auto t0 = std::chrono::steady_clock::now();
  hash_ring ring{shards};
  uint64_t before = 0;
  for (auto& x : cl.shards())
    before += x.stats.moved_in;
  for (auto& e : setup) {
    if (e.op != workload::op_kind::mkdir)
      continue;
    path_request st;
    st.op = path_op::stat;
    st.path = e.path;
    auto d = cl.call(st);
    if (d.code != errc::ok)
      throw std::runtime_error("compare: " + e.path + ": " +
                               std::string{to_string(d.code)});
    for (uint64_t i = 0; i < (uint64_t{1} << bits); ++i) {
      hash_range r;
      r.lo = i << (64 - bits);
      r.hi = r.lo | (~uint64_t{0} >> bits);
      auto to = spread_shard(ring, d.a.ino, i);
      auto m = cl.move(e.path, r, to);
      if (m.code == errc::ok)
        ++out.moves;
      else if (m.code != errc::eexist)
        throw std::runtime_error("compare: moving a part of " + e.path + ": " +
                                 std::string{to_string(m.code)});
    }
  }
  for (auto& x : cl.shards())
    out.entries += x.stats.moved_in;
  out.entries -= before;
  out.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
          .count();
  return out;
}

} // namespace

int run_compare(caf::actor_system& sys, const args_map& a, bool js,
                nlohmann::json& out) {
  auto w = a.count("trace") ? read_trace(a.at("trace")) : make_workload(a);
  auto shards = static_cast<uint32_t>(num(a, "shards", 4));
  auto bits = num(a, "spread-bits", 2);
  if (bits < 1 || bits > 12)
    throw std::invalid_argument("--spread-bits wants 1..12");
  std::vector<std::string> policies{"home", "hash"};
  if (a.count("policies")) {
    policies.clear();
    std::string list = a.at("policies");
    size_t pos = 0;
    while (pos <= list.size()) {
      auto comma = list.find(',', pos);
      auto p =
          list.substr(pos, comma == std::string::npos ? comma : comma - pos);
      if (p != "home" && p != "hash")
        throw std::invalid_argument("unknown policy '" + p + "' (home, hash)");
      policies.push_back(p);
      if (comma == std::string::npos)
        break;
      pos = comma + 1;
    }
  }
  double speed = a.count("speed") ? std::stod(a.at("speed")) : 1.0;
  if (!(speed > 0))
    throw std::invalid_argument("--speed wants a number above 0");
  std::vector<labelled_run> runs;
  out["runs"] = nlohmann::json::array();
  int rc = 0;
  for (auto& policy : policies) {
    node_options opts;
    char tmpl[] = "/tmp/dagbench-XXXXXX";
    std::string tmp = ::mkdtemp(tmpl);
    opts.data_dir = tmp;
    opts.shards = shards;
    opts.dir_cache_entries = dir_cache_option(a, opts.dir_cache_entries);
    if (a.count("sync") && !parse_sync_mode(a.at("sync"), opts.sync))
      throw std::invalid_argument("--sync wants full, normal or off");
    auto node = start_node(sys, opts, false);
    client cl{sys, node.gateway, std::chrono::seconds(60)};
    std::vector<gateway_actor> gws{node.gateway};
    auto quiet = [](uint64_t, uint64_t) {};
    replay(sys, gws, w.setup, {}, speed, quiet); // the setup only
    spread_result sp;
    if (policy == "hash")
      sp = spread_all(cl, shards, w.setup, bits);
    labelled_run run{policy == "home"
                         ? "policy home: no spreading"
                         : "policy hash: " + std::to_string(1 << bits) +
                               " parts per directory placed by "
                               "hashing",
                     replay(sys, gws, {}, w.events, speed, quiet)};
    if (policy == "hash")
      run.label += " (" + std::to_string(sp.moves) + " moves, " +
                   std::to_string(sp.entries) + " entries moved, " +
                   std::to_string(sp.seconds).substr(0, 5) + " s)";
    run.result.routers = collect_routers(sys, gws);
    stop_node(sys, node);
    std::system(("rm -rf '" + tmp + "'").c_str());
    auto j = to_json(run);
    j["policy"] = policy;
    j["moves"] = sp.moves;
    j["entries_moved"] = sp.entries;
    out["runs"].push_back(j);
    if (!js)
      print_summary(std::cout, run);
    rc = rc != 0 || run.result.errors != 0 ? 1 : 0;
    runs.push_back(std::move(run));
  }
  if (a.count("report")) {
    std::ofstream f(a.at("report"));
    write_html(f, "dagbench compare: " + w.label, runs);
  }
  return rc;
}

} // namespace ds::bench
