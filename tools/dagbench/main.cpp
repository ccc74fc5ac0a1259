// dagbench: measures a dagshard node. See docs/BENCHMARKS.md.
//   dagbench basic [--node HOST:PORT] [options]   create and lookup phases
//   dagbench fill --node HOST:PORT --dir PATH --files N
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iostream>
#include <mutex>
#include <thread>
#include <map>
#include <random>

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include <nlohmann/json.hpp>

#include "actors/client.hpp"
#include "actors/node.hpp"
#include "tools/dagbench/driver.hpp"
#include "tools/dagbench/open_loop.hpp"

namespace {

using namespace ds;
using json = nlohmann::json;

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
    "  fill    --node HOST:PORT --dir PATH --files N: creates N files in PATH\n"
  "          [--outstanding N] [--batch N] [--ack-log FILE]: N writers; every\n"
  "          acknowledged name is appended to FILE as its answer arrives\n"
  "  verify  --node HOST:PORT --dir PATH --ack-log FILE: every name in FILE\n"
  "          exists (exit 1 and the missing names otherwise)\n"
    "  open    open-loop load at a fixed rate; latency from each request's\n"
  "          due time (no coordinated omission); per-shard load per second\n"
  "          --node, --shards, --sync as for basic; --rate OPS/S (20000)\n"
  "          --seconds N (10) --dirs N (100) --files N (100000)\n"
  "          --lookup-percent P (90: the rest are creates) --seed N (1)\n"
  "  placement [--shards N] [--keys N] [--capacity-factor C]: balance and\n"
    "          movement of consistent hashing with and without bounded loads\n";

struct bench_config : caf::actor_system_config {
  bench_config() {
    load<caf::io::middleman>();
    add_ns_message_types(*this);
    set("scheduler.max-threads", 2);
  }
};

using args_map = std::map<std::string, std::string>;

uint64_t num(const args_map& a, const std::string& k, uint64_t dflt) {
  auto i = a.find(k);
  if (i == a.end())
    return dflt;
  char* end = nullptr;
  auto v = std::strtoull(i->second.c_str(), &end, 10);
  if (i->second.empty() || *end != '\0' || v == 0)
    throw std::invalid_argument("--" + k + " wants a positive integer, got '" +
                                i->second + "'");
  return v;
}

ns_request req(ns_op op, inode_id dir, std::string name) {
  ns_request r;
  r.op = op;
  r.dir = dir;
  r.name = std::move(name);
  return r;
}

/// Creates `path` and its parents as directories; returns its inode.
inode_id make_dirs(client& cl, const std::string& path) {
  std::string cur;
  size_t pos = 1;
  while (pos <= path.size()) {
    auto next = path.find('/', pos);
    if (next == std::string::npos)
      next = path.size();
    cur = path.substr(0, next);
    path_request r;
    r.op = path_op::mkdir;
    r.path = cur;
    auto rep = cl.call(r);
    if (rep.code != errc::ok && rep.code != errc::eexist)
      throw std::runtime_error("mkdir " + cur + ": " +
                               std::string{to_string(rep.code)});
    pos = next + 1;
  }
  path_request st;
  st.op = path_op::stat;
  st.path = path;
  auto rep = cl.call(st);
  if (rep.code != errc::ok || rep.a.kind != entry_kind::dir)
    throw std::runtime_error(path + " is not a directory");
  return rep.a.ino;
}

std::vector<std::vector<ns_request>> chunk(std::vector<ns_request> all,
                                           size_t batch) {
  std::vector<std::vector<ns_request>> out;
  for (size_t i = 0; i < all.size(); i += batch) {
    auto end = std::min(all.size(), i + batch);
    out.emplace_back(std::make_move_iterator(all.begin() + i),
                     std::make_move_iterator(all.begin() + end));
  }
  return out;
}

json phase_json(const std::string& name, const bench::phase_result& r) {
  return json{{"phase", name},
              {"ops", r.ops},
              {"errors", r.errors},
              {"seconds", r.seconds},
              {"ops_per_s", r.rate()},
              {"p50_us", r.percentile_us(0.5)},
              {"p99_us", r.percentile_us(0.99)},
              {"p999_us", r.percentile_us(0.999)}};
}

void print_phase(const std::string& name, const bench::phase_result& r) {
  std::printf(
      "%-18s %10llu ops %8.2f s %12.0f ops/s   p50 %9.1f us  p99 %9.1f "
      "us  p999 %9.1f us%s\n",
      name.c_str(), static_cast<unsigned long long>(r.ops), r.seconds, r.rate(),
      r.percentile_us(0.5), r.percentile_us(0.99), r.percentile_us(0.999),
      r.errors ? ("  (" + std::to_string(r.errors) + " errors)").c_str() : "");
  std::fflush(stdout);
}

} // namespace

int run_basic(caf::actor_system& sys, client& cl,
              const std::vector<gateway_actor>& gws, const args_map& a, bool js,
              json& out);

namespace ds::bench {
nlohmann::json placement_report(uint32_t n, double c, uint64_t keys,
                                bool print);
}
int run_fill(client& cl, const args_map& a, bool quiet);
int run_verify(client& cl, const args_map& a);
int run_open(caf::actor_system& sys, client& cl, const args_map& a, bool js,
             json& out);

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
  if (cmd != "basic" && cmd != "fill" && cmd != "open" && cmd != "verify") {
    std::cerr << "dagbench: unknown command '" << cmd << "'\n" << usage;
    return 1;
  }
  bench_config cfg;
  caf::actor_system sys{cfg};
  node_handles node;
  std::string tmp;
  try {
    std::optional<client> cl;
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
        if (!cl)
          cl = std::move(c);
        if (comma == std::string::npos)
          break;
        pos = comma + 1;
      }
    } else if (cmd == "basic" || cmd == "open") {
      node_options opts;
      char tmpl[] = "/tmp/dagbench-XXXXXX";
      tmp = ::mkdtemp(tmpl);
      opts.data_dir = tmp;
      opts.shards = static_cast<uint32_t>(num(a, "shards", 4));
      if (a.count("sync") && !parse_sync_mode(a["sync"], opts.sync))
        throw std::invalid_argument("--sync wants full, normal or off");
      node = start_node(sys, opts, false);
      cl.emplace(sys, node.gateway, std::chrono::seconds(60));
      gws.push_back(node.gateway);
    } else {
      throw std::invalid_argument(cmd + " needs --node");
    }
    json out;
    int rc = cmd == "basic"  ? run_basic(sys, *cl, gws, a, js, out)
             : cmd == "open" ? run_open(sys, *cl, a, js, out)
             : cmd == "verify" ? run_verify(*cl, a)
                             : run_fill(*cl, a, quiet);
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

int run_fill(client& cl, const args_map& a, bool quiet) {
  auto it = a.find("dir");
  if (it == a.end())
    throw std::invalid_argument("fill needs --dir PATH");
  auto files = num(a, "files", 1000);
  auto threads = num(a, "outstanding", 1);
  auto batch = num(a, "batch", 1000);
  auto dir = make_dirs(cl, it->second);
  // Each acknowledged name goes to the log (flushed after every batch) as
  // soon as its answer arrives: the log is the list of promises the node made.
  std::ofstream log;
  if (a.count("ack-log")) {
    log.open(a.at("ack-log"), std::ios::app);
    if (!log)
      throw std::runtime_error("cannot write " + a.at("ack-log"));
  }
  std::mutex mtx;
  std::atomic<uint64_t> ok{0};
  std::atomic<uint64_t> next{0};
  auto worker = [&] {
    while (true) {
      auto first = next.fetch_add(batch);
      if (first >= files)
        return;
      std::vector<ns_request> b;
      for (auto i = first; i < std::min(files, first + batch); ++i)
        b.push_back(req(ns_op::create, dir, "file-" + std::to_string(i)));
      auto names = b;
      auto reps = cl.batch(std::move(b));
      std::lock_guard<std::mutex> guard{mtx};
      for (size_t k = 0; k < reps.size(); ++k)
        if (reps[k].code == errc::ok) {
          ++ok;
          if (log)
            log << names[k].name << "\n";
        }
      if (log)
        log.flush();
    }
  };
  std::vector<std::thread> pool;
  for (uint64_t t = 0; t < threads; ++t)
    pool.emplace_back(worker);
  for (auto& t : pool)
    t.join();
  if (!quiet)
    std::cout << "dagbench: created " << ok << " of " << files << " files in "
              << it->second << "\n";
  else
    std::cout << "created " << ok << " files in " << it->second << "\n";
  return ok == files ? 0 : 1;
}

int run_verify(client& cl, const args_map& a) {
  if (!a.count("dir") || !a.count("ack-log"))
    throw std::invalid_argument("verify needs --dir PATH --ack-log FILE");
  path_request st;
  st.op = path_op::stat;
  st.path = a.at("dir");
  auto d = cl.call(st);
  if (d.code != errc::ok)
    throw std::runtime_error(st.path + ": " + std::string{to_string(d.code)});
  std::ifstream in{a.at("ack-log"), std::ios::binary};
  std::string text{std::istreambuf_iterator<char>(in), {}};
  std::vector<ns_request> all;
  // A final line without its newline was cut off while being written (the
  // writer was killed): it is no acknowledgement.
  size_t pos = 0;
  for (auto nl = text.find('\n'); nl != std::string::npos;
       pos = nl + 1, nl = text.find('\n', pos))
    all.push_back(req(ns_op::lookup, d.a.ino, text.substr(pos, nl - pos)));
  auto total = all.size();
  uint64_t missing = 0;
  for (auto& b : chunk(std::move(all), 1000)) {
    auto names = b;
    auto reps = cl.batch(std::move(b));
    for (size_t k = 0; k < reps.size(); ++k)
      if (reps[k].code != errc::ok) {
        if (missing < 10)
          std::cerr << "dagbench: acknowledged but missing: " << names[k].name
                    << " (" << to_string(reps[k].code) << ")\n";
        ++missing;
      }
  }
  std::cout << "verified " << total - missing << " of " << total
            << " acknowledged entries\n";
  return missing == 0 ? 0 : 1;
}

int run_basic(caf::actor_system& sys, client& cl,
              const std::vector<gateway_actor>& gws, const args_map& a, bool js,
              json& out) {
  auto files = num(a, "files", 200000);
  auto dirs = num(a, "dirs", 1000);
  auto lookups = num(a, "lookups", 1000000);
  auto batch = num(a, "batch", 1000);
  auto outstanding = num(a, "outstanding", 8);
  auto seed = num(a, "seed", 1);
  auto clients = num(a, "clients", 1);
  out["config"] = json{{"files", files},
                       {"dirs", dirs},
                       {"lookups", lookups},
                       {"batch", batch},
                       {"outstanding", outstanding},
                       {"clients", clients},
                       {"nodes", gws.size()}};
  out["phases"] = json::array();
  auto report = [&](const std::string& name, const bench::phase_result& r) {
    out["phases"].push_back(phase_json(name, r));
    if (!js)
      print_phase(name, r);
  };
  // Each run works below a directory of its own, so runs against one node
  // never collide.
  auto base = a.count("prefix")
                  ? a.at("prefix")
                  : "/dagbench-" + std::to_string(::time(nullptr)) + "-" +
                        std::to_string(::getpid());
  out["config"]["prefix"] = base;
  auto one = make_dirs(cl, base + "/one");
  std::vector<ns_request> all;
  std::vector<std::pair<inode_id, std::string>> names;
  for (uint64_t i = 0; i < files; ++i) {
    all.push_back(req(ns_op::create, one, "file-" + std::to_string(i)));
    names.emplace_back(one, all.back().name);
  }
  report("create-one-dir",
         bench::run_phase(sys, gws, chunk(std::move(all), batch), outstanding,
                          clients));
  auto many = make_dirs(cl, base + "/many");
  std::vector<ns_request> mk;
  for (uint64_t d = 0; d < dirs; ++d)
    mk.push_back(req(ns_op::mkdir, many, "d" + std::to_string(d)));
  std::vector<inode_id> dir_inos;
  for (auto& b : chunk(std::move(mk), batch))
    for (auto& r : cl.batch(std::move(b))) {
      if (r.code != errc::ok)
        throw std::runtime_error("mkdir in " + base + "/many failed: " +
                                 std::string{to_string(r.code)});
      dir_inos.push_back(r.a.ino);
    }
  for (uint64_t i = 0; i < files; ++i) {
    auto d = dir_inos[i % dir_inos.size()];
    all.push_back(req(ns_op::create, d, "file-" + std::to_string(i)));
    names.emplace_back(d, all.back().name);
  }
  report("create-many-dirs",
         bench::run_phase(sys, gws, chunk(std::move(all), batch), outstanding,
                          clients));
  std::mt19937_64 rng{seed};
  for (uint64_t i = 0; i < lookups; ++i) {
    auto& n = names[rng() % names.size()];
    all.push_back(req(ns_op::lookup, n.first, n.second));
  }
  report("lookup-random",
         bench::run_phase(sys, gws, chunk(std::move(all), batch), outstanding,
                          clients));
  return 0;
}

int run_open(caf::actor_system& sys, client& cl, const args_map& a, bool js,
             json& out) {
  auto rate = num(a, "rate", 20000);
  auto seconds = num(a, "seconds", 10);
  auto dirs = num(a, "dirs", 100);
  auto files = num(a, "files", 100000);
  auto lookup_percent = num(a, "lookup-percent", 90);
  auto seed = num(a, "seed", 1);
  if (lookup_percent > 100)
    throw std::invalid_argument("--lookup-percent wants 1..100");
  auto base = "/dagbench-open-" + std::to_string(::time(nullptr)) + "-"
              + std::to_string(::getpid());
  auto root = make_dirs(cl, base);
  // Populate closed-loop first: the open-loop phase looks these up.
  std::vector<ns_request> mk;
  for (uint64_t d = 0; d < dirs; ++d)
    mk.push_back(req(ns_op::mkdir, root, "d" + std::to_string(d)));
  std::vector<inode_id> inos;
  for (auto& r : cl.batch(std::move(mk))) {
    if (r.code != errc::ok)
      throw std::runtime_error("mkdir failed: "
                               + std::string{to_string(r.code)});
    inos.push_back(r.a.ino);
  }
  std::vector<ns_request> fill;
  for (uint64_t i = 0; i < files; ++i)
    fill.push_back(
      req(ns_op::create, inos[i % inos.size()], "f" + std::to_string(i)));
  for (auto& b : chunk(std::move(fill), 1000))
    cl.batch(std::move(b));
  // The schedule: evenly spaced requests at `rate` per second.
  std::mt19937_64 rng{seed};
  std::vector<bench::timed_request> plan;
  auto total = rate * seconds;
  plan.reserve(total);
  for (uint64_t i = 0; i < total; ++i) {
    bench::timed_request t;
    t.due_us = static_cast<int64_t>(i * 1000000 / rate);
    if (rng() % 100 < lookup_percent) {
      auto k = rng() % files;
      t.req = req(ns_op::lookup, inos[k % inos.size()],
                  "f" + std::to_string(k));
    } else {
      t.req = req(ns_op::create, inos[rng() % inos.size()],
                  "n" + std::to_string(i));
    }
    plan.push_back(std::move(t));
  }
  auto r = bench::run_open_loop(sys, cl.gateway(), std::move(plan));
  auto imb = r.imbalance();
  double imb_max = 0;
  double imb_mean = 0;
  for (auto x : imb) {
    imb_max = std::max(imb_max, x);
    imb_mean += x / static_cast<double>(imb.size());
  }
  out["config"] = json{{"rate", rate},
                       {"seconds", seconds},
                       {"dirs", dirs},
                       {"files", files},
                       {"lookup_percent", lookup_percent}};
  out["result"] = json{{"ops", r.ops},
                       {"errors", r.errors},
                       {"seconds", r.seconds},
                       {"ops_per_s", r.seconds > 0 ? r.ops / r.seconds : 0},
                       {"p50_us", r.percentile_us(0.5)},
                       {"p99_us", r.percentile_us(0.99)},
                       {"p999_us", r.percentile_us(0.999)},
                       {"max_us", r.percentile_us(1.0)},
                       {"send_lag_p50_us", r.send_lag_percentile_us(0.5)},
                       {"send_lag_p99_us", r.send_lag_percentile_us(0.99)}};
  out["shard_ops_per_second"] = r.shard_ops_per_second;
  out["imbalance_per_second"] = imb;
  if (!js) {
    std::printf("open loop at %llu ops/s for %llu s (%llu%% lookups): %llu "
                "ops in %.2f s, %llu errors\n",
                static_cast<unsigned long long>(rate),
                static_cast<unsigned long long>(seconds),
                static_cast<unsigned long long>(lookup_percent),
                static_cast<unsigned long long>(r.ops), r.seconds,
                static_cast<unsigned long long>(r.errors));
    std::printf("latency from due time: p50 %.1f us  p99 %.1f us  p999 %.1f "
                "us  max %.1f us\n",
                r.percentile_us(0.5), r.percentile_us(0.99),
                r.percentile_us(0.999), r.percentile_us(1.0));
    std::printf("of which the generator's own send lag: p50 %.1f us  p99 "
                "%.1f us\n",
                r.send_lag_percentile_us(0.5), r.send_lag_percentile_us(0.99));
    std::printf("shard load imbalance (max/mean per second): mean %.2f, "
                "worst %.2f over %zu samples\n",
                imb_mean, imb_max, imb.size());
  }
  return r.errors == 0 ? 0 : 1;
}
