// dagbench paths: path lookups over directories three levels deep, the
// share of shard operations on the root's home shard, and the latency of a
// depth-4 path beside a depth-1 path. dagbench dircache: the memory and
// speed of a router's directory-lookup cache on its own.
#include <malloc.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <iostream>
#include <random>

#include "model/meta/placement.hpp"
#include "model/namespace/dir_cache.hpp"
#include "tools/dagbench/commands.hpp"
#include "tools/dagbench/workload/hdr_histogram.hpp"

namespace ds::bench {

namespace {

using clock_type = std::chrono::steady_clock;
using json = nlohmann::json;

/// Shard operations served so far, by global shard id.
std::vector<uint64_t> shard_ops(client& cl) {
  auto info = cl.shards();
  std::vector<uint64_t> ops(info.size());
  for (auto& s : info)
    if (s.shard < ops.size())
      ops[s.shard] = s.stats.ops;
  return ops;
}

/// Times `n` stats of `path` through `cl`, in ns.
workload::hdr_histogram time_stats(client& cl, const std::string& path,
                                   uint64_t n, uint64_t& errors) {
  workload::hdr_histogram h;
  for (uint64_t i = 0; i < n; ++i) {
    auto t0 = clock_type::now();
    auto rep = cl.call(path_request{path_op::stat, path, 0, {}, 0});
    auto dt = std::chrono::duration_cast<std::chrono::nanoseconds>(
        clock_type::now() - t0);
    errors += rep.code != errc::ok;
    h.record(static_cast<int64_t>(dt.count()));
  }
  return h;
}

/// Makes /TAG-i/j/k/f for i, j, k < n; returns the files' paths.
std::vector<std::string> make_tree(client& cl, const std::string& tag,
                                   uint64_t n) {
  std::vector<std::string> leaves;
  auto must = [](const ns_reply& r, const std::string& p) {
    if (r.code != errc::ok && r.code != errc::eexist)
      throw std::runtime_error(std::string{to_string(r.code)} + ": " + p);
  };
  for (uint64_t i = 0; i < n; ++i) {
    auto a = "/" + tag + "-" + std::to_string(i);
    must(cl.call(path_request{path_op::mkdir, a, 0, {}, 0}), a);
    for (uint64_t j = 0; j < n; ++j) {
      auto b = a + "/" + std::to_string(j);
      must(cl.call(path_request{path_op::mkdir, b, 0, {}, 0}), b);
      for (uint64_t k = 0; k < n; ++k) {
        auto c = b + "/" + std::to_string(k);
        must(cl.call(path_request{path_op::mkdir, c, 0, {}, 0}), c);
        must(cl.call(path_request{path_op::create, c + "/f", 0, {}, 0}),
             c + "/f");
        leaves.push_back(c + "/f");
      }
    }
  }
  return leaves;
}

json latency_json(const workload::hdr_histogram& h) {
  return {{"p50_us", double(h.percentile(50)) / 1e3},
          {"p99_us", double(h.percentile(99)) / 1e3},
          {"count", h.count()}};
}

} // namespace

int run_paths(caf::actor_system& sys, std::vector<client>& clis,
              const std::vector<gateway_actor>& gws, const args_map& a, bool js,
              json& out) {
  auto dirs = num(a, "dirs", 1000);
  auto lookups = num(a, "lookups", 20000);
  auto samples = num(a, "samples", 2000);
  std::mt19937_64 rng{num(a, "seed", 1)};
  auto n = static_cast<uint64_t>(std::ceil(std::cbrt(double(dirs)) - 1e-9));
  auto tag =
      "pb" + std::to_string(::time(nullptr)) + "-" + std::to_string(::getpid());
  auto leaves = make_tree(clis[0], tag, n);
  auto shallow = "/" + tag + "-f";
  clis[0].call(path_request{path_op::create, shallow, 0, {}, 0});
  uint64_t errors = 0;
  for (auto& cl : clis) // every router's cache warm
    for (auto& p : leaves)
      errors +=
          cl.call(path_request{path_op::stat, p, 0, {}, 0}).code != errc::ok;
  auto before = shard_ops(clis[0]);
  workload::hdr_histogram lat;
  auto t0 = clock_type::now();
  for (uint64_t i = 0; i < lookups; ++i) {
    auto& p = leaves[rng() % leaves.size()];
    auto s = clock_type::now();
    errors += clis[i % clis.size()]
                  .call(path_request{path_op::stat, p, 0, {}, 0})
                  .code != errc::ok;
    lat.record(static_cast<int64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(clock_type::now() -
                                                             s)
            .count()));
  }
  double secs = std::chrono::duration<double>(clock_type::now() - t0).count();
  auto after = shard_ops(clis[0]);
  uint64_t total = 0, busiest = 0;
  std::vector<uint64_t> delta(after.size());
  for (size_t i = 0; i < after.size(); ++i) {
    delta[i] = after[i] - (i < before.size() ? before[i] : 0);
    total += delta[i];
    busiest = std::max(busiest, delta[i]);
  }
  auto root = hash_ring{static_cast<uint32_t>(after.size())}.home(root_ino);
  double root_share = total ? double(delta[root]) / double(total) : 0;
  auto d1 = time_stats(clis[0], shallow, samples, errors);
  auto d4 = time_stats(clis[0], leaves[0], samples, errors);
  auto routers = collect_routers(sys, gws);
  out["leaf_dirs"] = leaves.size();
  out["lookups"] = lookups;
  out["errors"] = errors;
  out["lookups_per_s"] = double(lookups) / secs;
  out["lookup_latency"] = latency_json(lat);
  out["shard_ops"] = total;
  out["shard_ops_per_lookup"] = double(total) / double(lookups);
  out["root_home_shard"] = root;
  out["root_home_share"] = root_share;
  out["busiest_share"] = total ? double(busiest) / double(total) : 0;
  out["per_shard_ops"] = delta;
  out["depth1"] = latency_json(d1);
  out["depth4"] = latency_json(d4);
  out["router"] = router_json(routers);
  if (!js)
    std::cout << "paths: " << lookups << " stats of depth-4 paths over "
              << leaves.size() << " directories 3 levels deep, " << clis.size()
              << " node(s): " << double(lookups) / secs << " lookups/s, p50 "
              << double(lat.percentile(50)) / 1e3 << " us, " << errors
              << " errors\n"
              << "shard operations: " << total << " ("
              << double(total) / double(lookups)
              << " per lookup); the root's home shard " << root << " served "
              << 100.0 * root_share << "%, the busiest shard "
              << (total ? 100.0 * double(busiest) / double(total) : 0) << "%\n"
              << "latency of one stat, one at a time: depth 1 p50 "
              << double(d1.percentile(50)) / 1e3 << " us, depth 4 p50 "
              << double(d4.percentile(50)) / 1e3 << " us\n"
              << router_line(routers) << "\n";
  return errors == 0 ? 0 : 1;
}

int run_dircache(const args_map& a, bool js, json& out) {
  auto entries = num(a, "entries", 1000000);
  auto name_bytes = num(a, "name-bytes", 8);
  auto name = [&](uint64_t i) {
    auto s = std::to_string(i);
    return s.size() >= name_bytes ? s.substr(0, name_bytes)
                                  : std::string(name_bytes - s.size(), '0') + s;
  };
  auto heap = [] { return mallinfo2().uordblks; };
  auto base = heap();
  dir_cache c{entries};
  for (uint64_t i = 0; i < entries; ++i) // 64 names per directory
    c.insert(1000 + i / 64, name(i % 64 + 64 * (i / 64)), i + 1);
  auto used = heap() - base;
  // CPU time of this process: the figure holds on a shared, loaded machine.
  auto cpu_ns = [] {
    timespec ts{};
    ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return double(ts.tv_sec) * 1e9 + double(ts.tv_nsec);
  };
  std::mt19937_64 rng{1};
  uint64_t found = 0;
  uint64_t finds = std::max<uint64_t>(entries, 1000000);
  auto t0 = cpu_ns();
  for (uint64_t k = 0; k < finds; ++k) {
    auto i = rng() % entries;
    found += c.find(1000 + i / 64, name(i)) != 0;
  }
  double ns = (cpu_ns() - t0) / double(finds);
  double per_entry = double(used) / double(entries);
  out["entries"] = entries;
  out["name_bytes"] = name_bytes;
  out["heap_bytes"] = used;
  out["bytes_per_entry"] = per_entry;
  out["ns_per_find"] = ns; // includes making the name
  out["finds"] = finds;
  out["found"] = found;
  if (!js)
    std::cout << "dircache: " << entries << " entries, names of " << name_bytes
              << " bytes: " << used << " bytes of heap, " << per_entry
              << " bytes per entry; " << ns
              << " ns of CPU per find (making the name included), " << found
              << " of " << finds << " found\n";
  return found == finds ? 0 : 1;
}

} // namespace ds::bench
