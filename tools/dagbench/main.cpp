// dagbench: measures a dagshard node. See docs/BENCHMARKS.md and --help.
// main dispatches from one table of commands: each names its flags (their
// help is declared once, below) and how it runs.
#include <cstdlib>
#include <functional>
#include <iostream>
#include <map>
#include <optional>

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <caf/openssl/all.hpp>

#include "actors/node.hpp"
#include "tools/common/cli.hpp"
#include "tools/dagbench/commands.hpp"

namespace {

using namespace ds;
using json = nlohmann::json;
using bench::args_map;
using bench::num;

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

/// The flags every command shares.
struct global_flags {
  bool json = false;
  bool quiet = false;
};

/// The nodes a command talks to: running ones (--node) or one in-process.
struct targets {
  std::optional<client> cl;
  std::vector<client> clis;
  std::vector<gateway_actor> gws;
};

std::vector<std::string> split_commas(const std::string& list) {
  std::vector<std::string> out;
  for (size_t pos = 0; pos <= list.size();) {
    auto comma = list.find(',', pos);
    out.push_back(list.substr(
        pos, comma == std::string::npos ? std::string::npos : comma - pos));
    if (comma == std::string::npos)
      break;
    pos = comma + 1;
  }
  return out;
}

// Connects to every --node; false (after a message) if one is unreachable.
bool connect_all(caf::actor_system& sys, const std::string& list, targets& t,
                 bool tls) {
  for (auto& item : split_commas(list)) {
    std::string host, err;
    uint16_t port = 0;
    if (!parse_host_port(item, host, port))
      throw std::invalid_argument("--node wants HOST:PORT[,HOST:PORT...]");
    auto c = client::connect(sys, host, port, err, tls);
    if (!c) {
      std::cerr << "dagbench: cannot reach " << item << ": " << err << "\n";
      return false;
    }
    t.gws.push_back(c->gateway());
    t.clis.push_back(*c);
    if (!t.cl)
      t.cl = std::move(c);
  }
  return true;
}

using node_runner = std::function<int(
    caf::actor_system&, targets&, const args_map&, const global_flags&, json&)>;

// Runs `run` against --node, or an in-process node when `in_process`.
int with_nodes(const args_map& a, const global_flags& g, bool in_process,
               const std::string& name, const node_runner& run) {
  bench_config cfg;
  // Mutual TLS to the nodes: a console's certificate of their CA.
  auto tls_flags = a.count("tls-cert") + a.count("tls-key") + a.count("tls-ca");
  if (tls_flags != 0 && tls_flags != 3)
    throw std::invalid_argument(
        "--tls-cert, --tls-key and --tls-ca go together");
  bool tls = tls_flags == 3;
  if (tls) {
    if (!a.count("node"))
      throw std::invalid_argument("--tls-* need --node");
    cfg.openssl_certificate = a.at("tls-cert");
    cfg.openssl_key = a.at("tls-key");
    cfg.openssl_cafile = a.at("tls-ca");
    cfg.load<caf::openssl::manager>();
  }
  caf::actor_system sys{cfg};
  node_handles node;
  std::string tmp;
  auto cleanup = [&] {
    if (node.gateway)
      stop_node(sys, node);
    if (!tmp.empty())
      std::system(("rm -rf '" + tmp + "'").c_str());
  };
  try {
    targets t;
    if (a.count("node")) {
      if (!connect_all(sys, a.at("node"), t, tls))
        return 2;
    } else if (in_process) {
      node_options opts;
      char tmpl[] = "/tmp/dagbench-XXXXXX";
      tmp = ::mkdtemp(tmpl);
      opts.data_dir = tmp;
      opts.shards = static_cast<uint32_t>(num(a, "shards", 4));
      opts.dir_cache_entries =
          bench::dir_cache_option(a, opts.dir_cache_entries);
      opts.psm_count = bench::psm_count_option(a, opts.psm_count);
      if (a.count("sync") && !parse_sync_mode(a.at("sync"), opts.sync))
        throw std::invalid_argument("--sync wants full, normal or off");
      node = start_node(sys, opts, false);
      t.cl.emplace(sys, node.gateway, std::chrono::seconds(60));
      t.gws.push_back(node.gateway);
      t.clis.push_back(*t.cl);
    } else {
      throw std::invalid_argument(name + " needs --node");
    }
    json out;
    int rc = run(sys, t, a, g, out);
    if (g.json)
      std::cout << out.dump(2) << std::endl;
    cleanup();
    return rc;
  } catch (const std::exception& e) {
    std::cerr << "dagbench: " << e.what() << "\n";
    cleanup();
    return 1;
  }
}

int placement(const args_map& a, const global_flags& g) {
  auto n = static_cast<uint32_t>(num(a, "shards", 12));
  if (n < 2)
    throw std::invalid_argument("--shards wants at least 2");
  double c =
      a.count("capacity-factor") ? std::stod(a.at("capacity-factor")) : 1.25;
  if (!(c > 1))
    throw std::invalid_argument("--capacity-factor wants a number above 1");
  auto report = bench::placement_report(n, c, num(a, "keys", 100000), !g.json);
  if (g.json)
    std::cout << report.dump(2) << std::endl;
  return 0;
}

int compare(const args_map& a, const global_flags& g) {
  if (a.count("node"))
    throw std::invalid_argument("compare runs its own in-process nodes (one "
                                "per policy); --node is not accepted");
  bench_config cfg;
  caf::actor_system sys{cfg};
  json out;
  auto rc = bench::run_compare(sys, a, g.json, out);
  if (g.json)
    std::cout << out.dump(2) << std::endl;
  return rc;
}

int kv(const args_map& a, const global_flags& g) {
  if (!a.count("etcd"))
    return with_nodes(a, g, true, "kv",
                      [](auto&, targets& t, auto& a, auto& g, json& out) {
                        return bench::run_kv(t.clis, {}, a, g.json, out);
                      });
  // etcd needs no actor system: plain HTTP/JSON.
  json out;
  auto rc = bench::run_kv({}, split_commas(a.at("etcd")), a, g.json, out);
  if (g.json)
    std::cout << out.dump(2) << std::endl;
  return rc;
}

// Every flag's help, declared once; commands list the flags they take.
// Values are checked by the command that reads them (bench::num ...).
const std::map<std::string, const char*> option_help = {
    {"node", "running nodes; clients are spread over them (default: an "
             "in-process node)"},
    {"shards", "shards of the in-process node (4)"},
    {"tls-cert", "mutual TLS to --node: a console's certificate"},
    {"tls-key", "mutual TLS to --node: its key"},
    {"tls-ca", "mutual TLS to --node: the nodes' CA"},
    {"sync", "full|normal|off for the in-process node (full)"},
    {"clients", "concurrent clients (basic: 1, kv and workloads: 16)"},
    {"files", "files (per create phase, per directory of a workload)"},
    {"dirs", "directories"},
    {"lookups", "lookups (1000000)"},
    {"batch", "requests per message (1000)"},
    {"outstanding", "messages in flight, or writers (8)"},
    {"seed", "seed of the random choices (1)"},
    {"prefix", "directory to work in (/dagbench-TIME-PID)"},
    {"spread", "after the first phase, move the 2^BITS parts of its "
               "directory over all shards"},
    {"dir", "the directory to fill or verify (move: /movebench)"},
    {"to", "move: the shard that takes the part (another node's)"},
    {"chunk", "move: entries per chunk of the copy (the node's 4096)"},
    {"moves", "move: moves of the part, to --to and back in turn, forced "
              "past the quiet time (1)"},
    {"gap", "move: milliseconds between moves (500)"},
    {"dir-cache", "in-process nodes: the routers' directory-lookup cache "
                  "(65536; 0: none)"},
    {"psm-count", "in-process node: shards count accesses for the PSM "
                  "(true; false: measure without)"},
    {"samples", "stats sampled per depth for latency (2000)"},
    {"entries", "cache entries (1000000)"},
    {"name-bytes", "bytes per name (8)"},
    {"path", "the path to stat"},
    {"count", "how many (1000)"},
    {"ack-log", "file of acknowledged names, one per line"},
    {"until-file", "--files is a minimum: creates go on until this file "
                   "exists"},
    {"readers", "fill: threads that look up acknowledged names, --batch at "
                "a time, while it creates (none)"},
    {"rate", "arrivals per second (open: 20000, workloads: 10000; move: "
             "none, closed loop)"},
    {"seconds", "duration (10)"},
    {"lookup-percent", "share of lookups; the rest are creates (90)"},
    {"profile", "piecewise rate RATE:SECONDS[,RATE:SECONDS...]"},
    {"etcd", "etcd's v3 JSON gateways instead of dagshard nodes"},
    {"ops", "operations (20000)"},
    {"read-percent", "share of gets (0)"},
    {"keys", "distinct keys"},
    {"session", "1: clients share a session per node that batches their "
                "requests; 0: one message per request (1)"},
    {"in-flight", "batches in flight per session (4)"},
    {"clients-as", "actors (default) or threads"},
    {"out", "the trace file to write (docs/TRACES.md)"},
    {"trace", "a trace file to replay"},
    {"speed", "replay speed factor (1)"},
    {"csv", "per-second series as CSV"},
    {"report", "charts as one HTML page"},
    {"closed", "N closed-loop clients instead of open-loop arrivals"},
    {"workload", "uniform|zipf|storm|diurnal|flash|batch|bursts|mixed (zipf)"},
    {"zipf", "Zipf exponent (1.1)"},
    {"find", "a namespace from `find DIR` output"},
    {"period", "daily workloads: seconds per compressed day"},
    {"days", "daily workloads: days generated; all but the last are history "
             "(1)"},
    {"burst-seconds", "batch, bursts: seconds per burst (period / 6)"},
    {"amplitude", "diurnal amplitude (0.8)"},
    {"peak-rate", "flash crowd's peak rate; batch, bursts: the burst's rate "
                  "on top of the background (1500)"},
    {"policies", "sharding policies side by side: home, hash, predictive, "
                 "reactive-capacity, reactive-load, static, off (home,hash)"},
    {"history", "compare --trace: the trace's first seconds are history, "
                "imported into the PSM and not replayed"},
    {"shard-capacity", "EMULATED ops/s each shard serves, the rest queue (0: "
                       "none); reports say when it was on"},
    {"slot", "compare: the PSM's slot in seconds (1)"},
    {"horizon", "compare: slots the PSM forecasts (a day)"},
    {"psm-period", "compare: seconds between the PSM's forecasts and "
                   "plannings (2)"},
    {"threshold", "compare: psm.threshold, ops/s (0.6 x --shard-capacity, "
                  "else 1000)"},
    {"shard-target", "compare: psm.shard-target, ops/s (0.8 x "
                     "--shard-capacity, else 0: none)"},
    {"lead", "compare: seconds between the history's import and the day "
             "(10)"},
    {"objective-ms", "compare: the latency objective of violation seconds "
                     "(20)"},
    {"spread-bits", "hash policy: 2^B parts per directory (2)"},
    {"capacity-factor", "bounded-load placement factor above 1 (1.25)"},
};

std::string option_type(const std::string& k) {
  static const std::map<std::string, const char*> types = {
      {"node", "HOST:PORT[,...]"},
      {"tls-cert", "FILE"},
      {"tls-key", "FILE"},
      {"tls-ca", "FILE"},
      {"etcd", "URL[,...]"},
      {"sync", "MODE"},
      {"prefix", "PATH"},
      {"dir", "PATH"},
      {"path", "PATH"},
      {"ack-log", "FILE"},
      {"until-file", "FILE"},
      {"out", "FILE"},
      {"trace", "FILE"},
      {"csv", "FILE"},
      {"report", "FILE"},
      {"find", "FILE"},
      {"profile", "PROFILE"},
      {"workload", "NAME"},
      {"policies", "LIST"},
      {"clients-as", "KIND"},
  };
  auto i = types.find(k);
  return i == types.end() ? "N" : i->second;
}

struct command {
  const char* name;
  const char* what;
  std::vector<const char*> options;
  std::function<int(const args_map&, const global_flags&)> run;
};

std::vector<const char*> with_workload(std::vector<const char*> xs) {
  for (auto k : {"workload", "seconds", "rate", "clients", "seed", "dirs",
                 "files", "zipf", "find", "period", "amplitude", "peak-rate",
                 "days", "burst-seconds"})
    xs.push_back(k);
  return xs;
}

// A command that runs against --node or an in-process node.
auto on_nodes(const char* name, bool in_process, node_runner run) {
  return [name, in_process, run](const args_map& a, const global_flags& g) {
    return with_nodes(a, g, in_process, name, run);
  };
}

const std::vector<command> commands = {
    {"basic",
     "creates into one directory, into many, then random lookups",
     {"node", "tls-cert", "tls-key", "tls-ca", "shards", "sync", "dir-cache",
      "psm-count", "clients", "files", "dirs", "lookups", "batch",
      "outstanding", "seed", "prefix", "spread"},
     on_nodes("basic", true,
              [](auto& sys, targets& t, auto& a, auto& g, json& out) {
                return bench::run_basic(sys, *t.cl, t.gws, a, g.json, out,
                                        g.quiet);
              })},
    {"fill",
     "creates --files files in --dir with several writers, logging "
     "each acknowledged name",
     {"node", "tls-cert", "tls-key", "tls-ca", "dir", "files", "outstanding",
      "batch", "ack-log", "until-file", "readers", "seed"},
     on_nodes("fill", false,
              [](auto&, targets& t, auto& a, auto& g, json&) {
                return bench::run_fill(*t.cl, a, g.quiet);
              })},
    {"move",
     "fills --dir with --files files, then moves its upper half to another "
     "shard (--to) while --clients send single creates and lookups to it; "
     "their latencies before and during the move",
     {"node", "shards", "sync", "psm-count", "dir", "files", "clients", "to",
      "chunk", "seconds", "seed", "rate", "moves", "gap"},
     on_nodes("move", true,
              [](auto&, targets& t, auto& a, auto& g, json& out) {
                return bench::run_move(*t.cl, a, g.json, out, g.quiet);
              })},
    {"stat",
     "--count single stats of --path, one at a time: the baseline of "
     "dagsh's call loop",
     {"node", "path", "count"},
     on_nodes("stat", false,
              [](auto&, targets& t, auto& a, auto& g, json& out) {
                return bench::run_stat(*t.cl, a, g.json, out);
              })},
    {"paths",
     "stats of depth-4 paths over --dirs directories three levels deep, "
     "each router's cache warmed first; depth 1 vs depth 4 latency and the "
     "root's home shard's share of shard operations",
     {"node", "shards", "sync", "dirs", "lookups", "samples", "dir-cache"},
     on_nodes("paths", true,
              [](auto& sys, targets& t, auto& a, auto& g, json& out) {
                return bench::run_paths(sys, t.clis, t.gws, a, g.json, out);
              })},
    {"dircache",
     "memory per entry and time per find of a router's directory-lookup "
     "cache",
     {"entries", "name-bytes"},
     [](const args_map& a, const global_flags& g) {
       json out;
       auto rc = bench::run_dircache(a, g.json, out);
       if (g.json)
         std::cout << out.dump(2) << std::endl;
       return rc;
     }},
    {"verify",
     "every name in --ack-log exists in --dir (exit 1 and the "
     "missing names otherwise)",
     {"node", "tls-cert", "tls-key", "tls-ca", "dir", "ack-log"},
     on_nodes("verify", false,
              [](auto&, targets& t, auto& a, auto&, json&) {
                return bench::run_verify(*t.cl, a);
              })},
    {"open",
     "open-loop load at a fixed rate; latency from each request's due "
     "time (no coordinated omission)",
     {"node", "shards", "sync", "dir-cache", "rate", "seconds", "dirs", "files",
      "lookup-percent", "seed", "profile"},
     on_nodes("open", true,
              [](auto& sys, targets& t, auto& a, auto& g, json& out) {
                return bench::run_open(sys, *t.cl, a, g.json, out);
              })},
    {"kv",
     "settings set/get with one request in flight per client, against "
     "dagshard or etcd",
     {"node", "etcd", "shards", "sync", "dir-cache", "clients", "ops",
      "read-percent", "keys", "seed", "session", "in-flight", "clients-as"},
     kv},
    {"record", "writes a workload as a trace (docs/TRACES.md)",
     with_workload({"out"}),
     [](const args_map& a, const global_flags&) {
       return bench::run_record(a);
     }},
    {"replay",
     "replays a trace open loop",
     {"node", "shards", "sync", "dir-cache", "trace", "speed", "csv", "report",
      "closed"},
     on_nodes("replay", true,
              [](auto& sys, targets& t, auto& a, auto& g, json& out) {
                if (!a.count("trace"))
                  throw std::invalid_argument("replay needs --trace FILE");
                return bench::run_replay(sys, t.gws,
                                         bench::read_trace(a.at("trace")), a,
                                         g.json, out);
              })},
    {"run", "replays a workload without writing it",
     with_workload({"node", "shards", "sync", "dir-cache", "speed", "csv",
                    "report", "closed"}),
     on_nodes("run", true,
              [](auto& sys, targets& t, auto& a, auto& g, json& out) {
                return bench::run_replay(sys, t.gws, bench::make_workload(a), a,
                                         g.json, out);
              })},
    {"compare",
     "the same workload (or --trace) against each sharding policy "
     "on a fresh in-process node, side by side",
     with_workload({"policies", "spread-bits", "shards", "sync", "dir-cache",
                    "speed", "report", "trace", "history", "shard-capacity",
                    "slot", "horizon", "psm-period", "threshold", "lead",
                    "objective-ms"}),
     compare},
    {"placement",
     "balance and movement of consistent hashing with and "
     "without bounded loads",
     {"shards", "keys", "capacity-factor"},
     placement},
};

} // namespace

int main(int argc, char** argv) {
  CLI::App app{"measures a dagshard node (see docs/BENCHMARKS.md)", "dagbench"};
  app.fallthrough(); // --json, --quiet may follow the command
  global_flags g;
  app.add_flag("--json", g.json, "print the results as JSON");
  app.add_flag("--quiet", g.quiet, "no progress output");
  cli::add_doc_flags(app);
  args_map a;
  for (auto& c : commands) {
    auto sub = app.add_subcommand(c.name, c.what);
    for (auto key : c.options) {
      auto k = std::string{key};
      sub->add_option_function<std::string>(
             "--" + k, [&a, k](const std::string& v) { a[k] = v; },
             option_help.at(k))
          ->type_name(option_type(k));
    }
  }
  if (auto rc = cli::parse(app, argc, argv, std::cout, std::cerr); rc >= 0)
    return rc;
  for (auto& c : commands) {
    if (!app.got_subcommand(c.name))
      continue;
    try {
      return c.run(a, g);
    } catch (const std::exception& e) {
      std::cerr << "dagbench: " << e.what() << "\n";
      return 1;
    }
  }
  std::cerr << "dagbench: a command is required\nRun 'dagbench --help' for "
               "more information.\n";
  return cli::usage_error;
}
