// dagbench's workloads: closed-loop phases and open-loop load.
#include <unistd.h>

#include <caf/all.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <random>
#include <sstream>
#include <thread>

#include "client/reply_json.hpp"
#include "tools/common/cli.hpp"
#include "tools/dagbench/commands.hpp"
#include "tools/dagbench/driver.hpp"
#include "tools/dagbench/open_loop.hpp"

namespace ds::bench {

namespace {

using json = nlohmann::json;

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

/// Moves the 2^bits parts of `path` round-robin over every shard of the
/// cluster, one after the other; reports the time and the entries moved.
void spread_dir(client& cl, const std::string& path, uint64_t bits, bool js,
                json& out) {
  auto before = cl.shards();
  if (before.empty())
    throw std::runtime_error("spread: the node did not answer");
  auto n = static_cast<uint32_t>(before.size());
  auto t0 = std::chrono::steady_clock::now();
  uint64_t parts = uint64_t{1} << bits;
  for (uint64_t i = 0; i < parts; ++i) {
    hash_range r;
    r.lo = i << (64 - bits);
    r.hi = r.lo | (~uint64_t{0} >> bits);
    auto m = cl.move(path, r, static_cast<uint32_t>(i % n));
    if (m.code != errc::ok && m.code != errc::eexist)
      throw std::runtime_error("spread: moving part " + std::to_string(i) +
                               ": " + std::string{to_string(m.code)});
  }
  double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
          .count();
  uint64_t moved = 0;
  for (auto& x : cl.shards())
    moved += x.stats.moved_in;
  for (auto& x : before)
    moved -= x.stats.moved_in;
  out["spread"] =
      json{{"parts", parts}, {"seconds", secs}, {"entries_moved", moved}};
  if (!js)
    std::cout << "spread " << path << ": " << parts << " parts over " << n
              << " shards in " << secs << " s, " << moved << " entries moved\n";
}

/// The routers' counters of every node driven.
void report_routers(caf::actor_system& sys,
                    const std::vector<gateway_actor>& gws, bool js, json& out) {
  auto sum = collect_routers(sys, gws);
  out["router"] = router_json(sum);
  if (!js)
    std::cout << router_line(sum) << "\n";
}

} // namespace

router_stats collect_routers(caf::actor_system& sys,
                             const std::vector<gateway_actor>& gws) {
  router_stats sum;
  for (auto& gw : gws) {
    client c{sys, gw};
    errc code = errc::ok;
    auto s = c.router(code);
    if (code != errc::ok)
      continue;
    sum.routed += s.routed;
    sum.cache_hits += s.cache_hits;
    sum.cache_misses += s.cache_misses;
    sum.wrong_shard += s.wrong_shard;
    sum.refreshes += s.refreshes;
    sum.retries += s.retries;
    sum.pushes += s.pushes;
    sum.dir_hits += s.dir_hits;
    sum.dir_misses += s.dir_misses;
    sum.dir_stale += s.dir_stale;
    sum.dir_evictions += s.dir_evictions;
    sum.dir_entries += s.dir_entries;
  }
  return sum;
}

json router_json(const router_stats& s) {
  double first =
      s.routed == 0 ? 1.0 : 1.0 - double(s.wrong_shard) / double(s.routed);
  auto j = to_json(s);
  j["first_try_rate"] = first;
  return j;
}

std::string router_line(const router_stats& s) {
  double first =
      s.routed == 0 ? 1.0 : 1.0 - double(s.wrong_shard) / double(s.routed);
  std::ostringstream o;
  o << "routers: " << s.routed << " requests routed, " << s.cache_hits
    << " by a cached placement, " << s.cache_misses << " to the home for want "
    << "of one, " << s.wrong_shard << " EWRONGSHARD (first try right "
    << 100.0 * first << "%), " << s.refreshes << " refreshes, " << s.pushes
    << " pushes; directory cache: " << s.dir_hits << " hits, " << s.dir_misses
    << " misses, " << s.dir_stale << " stale, " << s.dir_evictions
    << " evictions, " << s.dir_entries << " entries";
  return o.str();
}

int run_basic(caf::actor_system& sys, client& cl,
              const std::vector<gateway_actor>& gws, const args_map& a, bool js,
              json& out, bool quiet) {
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
  // Each phase draws a bar on a terminal while it runs (not with --json or
  // --quiet).
  auto phase = [&](const char* name, std::vector<ns_request> reqs) {
    cli::progress bar(name, reqs.size(), !js && !quiet);
    auto r = bench::run_phase(
        sys, gws, chunk(std::move(reqs), batch), outstanding, clients,
        [&bar](uint64_t done, uint64_t total) { bar.update(done, total); });
    bar.finish();
    report(name, r);
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
    all.push_back(
        make_request(ns_op::create, one, "file-" + std::to_string(i)));
    names.emplace_back(one, all.back().name);
  }
  phase("create-one-dir", std::move(all));
  if (a.count("spread")) {
    auto bits = num(a, "spread", 2);
    if (bits < 1 || bits > 16)
      throw std::invalid_argument("--spread wants 1..16 (bits)");
    spread_dir(cl, base + "/one", bits, js, out);
  }
  auto many = make_dirs(cl, base + "/many");
  auto dir_inos = make_subdirs(cl, many, dirs, batch);
  for (uint64_t i = 0; i < files; ++i) {
    auto d = dir_inos[i % dir_inos.size()];
    all.push_back(make_request(ns_op::create, d, "file-" + std::to_string(i)));
    names.emplace_back(d, all.back().name);
  }
  phase("create-many-dirs", std::move(all));
  std::mt19937_64 rng{seed};
  for (uint64_t i = 0; i < lookups; ++i) {
    auto& n = names[rng() % names.size()];
    all.push_back(make_request(ns_op::lookup, n.first, n.second));
  }
  phase("lookup-random", std::move(all));
  report_routers(sys, gws, js, out);
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
  auto base = "/dagbench-open-" + std::to_string(::time(nullptr)) + "-" +
              std::to_string(::getpid());
  auto root = make_dirs(cl, base);
  // Populate closed-loop first: the open-loop phase looks these up.
  auto inos = make_subdirs(cl, root, dirs);
  std::vector<ns_request> fill;
  for (uint64_t i = 0; i < files; ++i)
    fill.push_back(make_request(ns_op::create, inos[i % inos.size()],
                                "f" + std::to_string(i)));
  for (auto& b : chunk(std::move(fill), 1000))
    cl.batch(std::move(b));
  // The schedule: evenly spaced requests at `rate` per second, or following
  // a piecewise profile (--profile 10000:5,80000:2,10000:5).
  rate_profile profile{{rate, seconds}};
  if (a.count("profile") && !parse_rate_profile(a.at("profile"), profile))
    throw std::invalid_argument(
        "--profile wants RATE:SECONDS[,RATE:SECONDS...], e.g. 10000:5,80000:2");
  std::mt19937_64 rng{seed};
  std::vector<bench::timed_request> plan;
  auto dues = due_times(profile);
  plan.reserve(dues.size());
  for (size_t i = 0; i < dues.size(); ++i) {
    bench::timed_request t;
    t.due_us = dues[i];
    if (rng() % 100 < lookup_percent) {
      auto k = rng() % files;
      t.req = make_request(ns_op::lookup, inos[k % inos.size()],
                           "f" + std::to_string(k));
    } else {
      t.req = make_request(ns_op::create, inos[rng() % inos.size()],
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
  out["splits_per_second"] = r.splits_per_second;
  out["profile"] = profile;
  for (auto& [op, lat] : r.latency_by_op_us)
    out["by_op"][op] =
        json{{"ops", lat.size()},
             {"p50_us", open_loop_result::percentile(lat, 0.5)},
             {"p99_us", open_loop_result::percentile(lat, 0.99)},
             {"p999_us", open_loop_result::percentile(lat, 0.999)}};
  out["shard_ops_per_second"] = r.shard_ops_per_second;
  out["imbalance_per_second"] = imb;
  if (!js) {
    std::string shape;
    for (auto& [rt, secs] : profile)
      shape += (shape.empty() ? "" : ", ") + std::to_string(rt) + "/s for " +
               std::to_string(secs) + " s";
    std::printf("open loop at %s (%llu%% lookups): %llu ops in %.2f s, %llu "
                "errors\n",
                shape.c_str(), static_cast<unsigned long long>(lookup_percent),
                static_cast<unsigned long long>(r.ops), r.seconds,
                static_cast<unsigned long long>(r.errors));
    std::printf("latency from due time: p50 %.1f us  p99 %.1f us  p999 %.1f "
                "us  max %.1f us\n",
                r.percentile_us(0.5), r.percentile_us(0.99),
                r.percentile_us(0.999), r.percentile_us(1.0));
    for (auto& [op, lat] : r.latency_by_op_us)
      std::printf("  %-8s %9zu ops  p50 %9.1f us  p99 %9.1f us  p999 %9.1f "
                  "us\n",
                  op.c_str(), lat.size(),
                  open_loop_result::percentile(lat, 0.5),
                  open_loop_result::percentile(lat, 0.99),
                  open_loop_result::percentile(lat, 0.999));
    std::printf("of which the generator's own send lag: p50 %.1f us  p99 "
                "%.1f us\n",
                r.send_lag_percentile_us(0.5), r.send_lag_percentile_us(0.99));
    std::printf("shard load imbalance (max/mean per second): mean %.2f, "
                "worst %.2f over %zu samples\n",
                imb_mean, imb_max, imb.size());
  }
  return r.errors == 0 ? 0 : 1;
}

} // namespace ds::bench
