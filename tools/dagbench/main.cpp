// dagbench: measures a dagshard node. See docs/BENCHMARKS.md and --help.
#include <cstdlib>
#include <iostream>
#include <optional>

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include "actors/node.hpp"
#include "tools/dagbench/commands.hpp"

namespace {

using namespace ds;
using json = nlohmann::json;
using bench::args_map;
using bench::num;

constexpr const char* usage =
    "usage: dagbench [--json] [--quiet] COMMAND [options]\n"
    "  basic   creates into one directory, into many, then random lookups\n"
    "          --node HOST:PORT[,HOST:PORT...]  running nodes (default: an\n"
    "                             in-process node); clients are spread over "
    "them\n"
    "          --clients N        concurrent clients (1)\n"
    "          --shards N         shards of the in-process node (4)\n"
    "          --sync MODE        full|normal|off for the in-process node "
    "(full)\n"
    "          --files N          files per create phase (200000)\n"
    "          --dirs N           directories of the many-directories phase "
    "(1000)\n"
    "          --lookups N        lookups (1000000)\n"
    "          --batch N          requests per message (1000)\n"
    "          --outstanding N    messages in flight (8)\n"
    "          --seed N           seed of the lookup order (1)\n"
    "          --prefix PATH      directory to work in (/dagbench-TIME-PID)\n"
    "          --spread BITS      after the first phase, move the 2^BITS\n"
    "                             parts of its directory over all shards\n"
    "  fill    --node HOST:PORT --dir PATH --files N: creates N files in PATH\n"
    "          [--outstanding N] [--batch N] [--ack-log FILE]: N writers; "
    "every\n"
    "          acknowledged name is appended to FILE as its answer arrives;\n"
    "          [--until-file F]: N is a minimum, creates go on until F exists\n"
    "  verify  --node HOST:PORT --dir PATH --ack-log FILE: every name in FILE\n"
    "          exists (exit 1 and the missing names otherwise)\n"
    "  open    open-loop load at a fixed rate; latency from each request's\n"
    "          due time (no coordinated omission); per-shard load per second\n"
    "          --node, --shards, --sync as for basic; --rate OPS/S (20000)\n"
    "          --seconds N (10) --dirs N (100) --files N (100000)\n"
    "          --lookup-percent P (90: the rest are creates) --seed N (1)\n"
    "  kv      settings set/get, one request in flight per client:\n"
    "          --node HOST:PORT[,...] (or an in-process node) or\n"
    "          --etcd http://HOST:PORT[,...] (etcd's v3 JSON gateway);\n"
    "          --clients N (16) --ops N (20000) --read-percent P (0) --keys N\n"
    "          --session 1|0: dagshard's clients share a session per node\n"
    "          that sends the sets made meanwhile together (1), or each set\n"
    "          is its own message (0); --in-flight N: batches per session (4)\n"
    "  record  --out FILE: writes a workload (below) as a trace "
    "(docs/TRACES.md)\n"
    "  replay  --trace FILE [--speed X]: replays a trace open loop\n"
    "  run     replays a workload (below) without writing it\n"
    "  compare the same workload (below, or --trace FILE) against each\n"
    "          sharding policy on a fresh in-process node, side by side:\n"
    "          --policies home,hash (home: no spreading; hash: every\n"
    "          directory's 2^B parts placed by hashing, --spread-bits B (2))\n"
    "          --shards N (4) --sync MODE --speed X --report FILE.html\n"
    "          replay/run: --node or an in-process node (--shards, --sync);\n"
    "          --csv FILE (per-second series), --report FILE.html (charts)\n"
    "          --closed N: N closed-loop clients instead of open-loop "
    "arrivals\n"
    "          workloads: --workload uniform|zipf|storm|diurnal|flash|mixed\n"
    "          --seconds N (10) --rate OPS/S (10000) --clients N (16)\n"
    "          --seed N (1) --dirs N --files N (per directory) --zipf S (1.1)\n"
    "          --find FILE (a namespace from `find DIR` output)\n"
    "          --period S, --amplitude A (diurnal) --peak-rate R (flash)\n"
    "  placement [--shards N] [--keys N] [--capacity-factor C]: balance and\n"
    "          movement of consistent hashing with and without bounded loads\n"
    "  paths   stats of depth-4 paths over --dirs N (1000) directories three\n"
    "          levels deep, each router's cache warmed first: --lookups N\n"
    "          (20000), --samples N (2000) for depth 1 vs depth 4 latency;\n"
    "          --node as for basic; the root's home shard's share of shard\n"
    "          operations\n"
    "  dircache --entries N (1000000) --name-bytes B (8): memory per entry\n"
    "          and time per find of a router's directory-lookup cache\n"
    "  in-process nodes (basic, open, kv, replay, run, paths, compare):\n"
    "          --dir-cache N  the routers' directory-lookup cache (65536;\n"
    "                         0: none)\n";

struct bench_config : caf::actor_system_config {
  bench_config() {
    load<caf::io::middleman>();
    add_ns_message_types(*this);
    set("scheduler.max-threads", 2);
    set("scheduler.policy", caf::atom("sharing"));
    // Replies are deserialized on the multiplexer thread, not handed to a
    // worker first (one thread hand-off less per answer).
    set("middleman.workers", size_t{0});
    // Nodes drop a connection that stays silent for their connection
    // timeout (1 s in configs/cluster-3): keep ours alive between phases.
    set("middleman.heartbeat-interval",
        caf::timespan{std::chrono::milliseconds(200)});
  }
};

/// Runs a command that fills a JSON report, printed with --json; an
/// exception is a message and exit status 1.
template <class F> int json_command(bool js, F run) {
  try {
    json out;
    auto rc = run(out);
    if (js)
      std::cout << out.dump(2) << std::endl;
    return rc;
  } catch (const std::exception& e) {
    std::cerr << "dagbench: " << e.what() << "\n";
    return 1;
  }
}

} // namespace

int main(int argc, char** argv) {
  bool js = false;
  bool quiet = false;
  std::string cmd;
  args_map a;
  for (int i = 1; i < argc; ++i) {
    std::string s = argv[i];
    if (s == "--json")
      js = true;
    else if (s == "--quiet")
      quiet = true;
    else if (s == "-h" || s == "--help") {
      std::cout << usage;
      return 0;
    } else if (s.rfind("--", 0) == 0 && i + 1 < argc)
      a[s.substr(2)] = argv[++i];
    else if (cmd.empty() && s.rfind("--", 0) != 0)
      cmd = s;
    else {
      std::cerr << "dagbench: unexpected argument " << s << "\n" << usage;
      return 1;
    }
  }
  if (cmd == "placement") {
    try {
      auto n = static_cast<uint32_t>(num(a, "shards", 12));
      if (n < 2)
        throw std::invalid_argument("--shards wants at least 2");
      double c =
          a.count("capacity-factor") ? std::stod(a["capacity-factor"]) : 1.25;
      if (!(c > 1))
        throw std::invalid_argument("--capacity-factor wants a number above 1");
      auto report = bench::placement_report(n, c, num(a, "keys", 100000), !js);
      if (js)
        std::cout << report.dump(2) << std::endl;
      return 0;
    } catch (const std::exception& e) {
      std::cerr << "dagbench: " << e.what() << "\n";
      return 1;
    }
  }
  if (cmd == "compare") {
    if (a.count("node")) {
      std::cerr << "dagbench: compare runs its own in-process nodes (one per "
                   "policy); --node is not accepted\n";
      return 1;
    }
    return json_command(js, [&](json& out) {
      bench_config cfg;
      caf::actor_system sys{cfg};
      return bench::run_compare(sys, a, js, out);
    });
  }
  if (cmd == "dircache")
    return json_command(
        js, [&](json& out) { return bench::run_dircache(a, js, out); });
  if (cmd == "record") {
    try {
      return bench::run_record(a);
    } catch (const std::exception& e) {
      std::cerr << "dagbench: " << e.what() << "\n";
      return 1;
    }
  }
  if (cmd == "kv" && a.count("etcd")) {
    // etcd needs no actor system: plain HTTP/JSON.
    try {
      std::vector<std::string> eps;
      std::string list = a["etcd"];
      for (size_t pos = 0; pos <= list.size();) {
        auto comma = list.find(',', pos);
        eps.push_back(list.substr(
            pos, comma == std::string::npos ? std::string::npos : comma - pos));
        if (comma == std::string::npos)
          break;
        pos = comma + 1;
      }
      json out;
      auto rc = bench::run_kv({}, eps, a, js, out);
      if (js)
        std::cout << out.dump(2) << std::endl;
      return rc;
    } catch (const std::exception& e) {
      std::cerr << "dagbench: " << e.what() << "\n";
      return 1;
    }
  }
  if (cmd != "basic" && cmd != "fill" && cmd != "open" && cmd != "verify" &&
      cmd != "kv" && cmd != "replay" && cmd != "run" && cmd != "paths") {
    std::cerr << "dagbench: unknown command '" << cmd << "'\n" << usage;
    return 1;
  }
  bench_config cfg;
  caf::actor_system sys{cfg};
  node_handles node;
  std::string tmp;
  try {
    std::optional<client> cl;
    std::vector<client> clis;
    std::vector<gateway_actor> gws;
    if (a.count("node")) {
      // One or more nodes, comma separated: clients are spread over them.
      std::string list = a["node"];
      size_t pos = 0;
      while (pos <= list.size()) {
        auto comma = list.find(',', pos);
        auto item = list.substr(
            pos, comma == std::string::npos ? std::string::npos : comma - pos);
        std::string host, err;
        uint16_t port = 0;
        if (!parse_host_port(item, host, port))
          throw std::invalid_argument("--node wants HOST:PORT[,HOST:PORT...]");
        auto c = client::connect(sys, host, port, err);
        if (!c) {
          std::cerr << "dagbench: cannot reach " << item << ": " << err << "\n";
          return 2;
        }
        gws.push_back(c->gateway());
        clis.push_back(*c);
        if (!cl)
          cl = std::move(c);
        if (comma == std::string::npos)
          break;
        pos = comma + 1;
      }
    } else if (cmd == "basic" || cmd == "open" || cmd == "kv" ||
               cmd == "replay" || cmd == "run" || cmd == "paths") {
      node_options opts;
      char tmpl[] = "/tmp/dagbench-XXXXXX";
      tmp = ::mkdtemp(tmpl);
      opts.data_dir = tmp;
      opts.shards = static_cast<uint32_t>(num(a, "shards", 4));
      opts.dir_cache_entries =
          bench::dir_cache_option(a, opts.dir_cache_entries);
      if (a.count("sync") && !parse_sync_mode(a["sync"], opts.sync))
        throw std::invalid_argument("--sync wants full, normal or off");
      node = start_node(sys, opts, false);
      cl.emplace(sys, node.gateway, std::chrono::seconds(60));
      gws.push_back(node.gateway);
      clis.push_back(*cl);
    } else {
      throw std::invalid_argument(cmd + " needs --node");
    }
    json out;
    if (cmd == "replay" && !a.count("trace"))
      throw std::invalid_argument("replay needs --trace FILE");
    int rc =
        cmd == "kv"       ? bench::run_kv(clis, {}, a, js, out)
        : cmd == "basic"  ? bench::run_basic(sys, *cl, gws, a, js, out)
        : cmd == "open"   ? bench::run_open(sys, *cl, a, js, out)
        : cmd == "verify" ? bench::run_verify(*cl, a)
        : cmd == "replay"
            ? bench::run_replay(sys, gws, bench::read_trace(a["trace"]), a, js,
                                out)
        : cmd == "run"
            ? bench::run_replay(sys, gws, bench::make_workload(a), a, js, out)
        : cmd == "paths" ? bench::run_paths(sys, clis, gws, a, js, out)
                         : bench::run_fill(*cl, a, quiet);
    if (js)
      std::cout << out.dump(2) << std::endl;
    if (node.gateway)
      stop_node(sys, node);
    if (!tmp.empty())
      std::system(("rm -rf '" + tmp + "'").c_str());
    return rc;
  } catch (const std::exception& e) {
    std::cerr << "dagbench: " << e.what() << "\n";
    if (node.gateway)
      stop_node(sys, node);
    return 1;
  }
}
