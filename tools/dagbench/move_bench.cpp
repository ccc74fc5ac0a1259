// dagbench move: what a move of a large part costs the requests to it. A
// directory is filled, clients send single creates and lookups into it, and
// meanwhile its upper half (the part) moves to another shard. Latencies of
// requests to the part before the move and while it runs are compared.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <iostream>
#include <random>
#include <thread>

#include "model/namespace/name.hpp"
#include "tools/dagbench/commands.hpp"
#include "tools/dagbench/workload/hdr_histogram.hpp"

namespace ds::bench {

namespace {

using json = nlohmann::json;
using steady = std::chrono::steady_clock;

const hash_range upper{uint64_t{1} << 63, ~uint64_t{0}};

struct sample {
  int64_t start_ns = 0; ///< since the load began
  int64_t took_ns = 0;
  bool write = false;
  bool in_part = false;
  bool ok = false;
};

/// Latency figures of one group of requests (µs).
struct figures {
  workload::hdr_histogram h{1, 3600000000000, 3};
  uint64_t failed = 0;
  json to_json() const {
    auto us = [&](double q) { return h.percentile(q) / 1000.0; };
    return json{{"count", h.count()},  {"failed", failed},
                {"p50_us", us(50)},    {"p99_us", us(99)},
                {"p999_us", us(99.9)}, {"max_us", h.max() / 1000.0}};
  }
};

std::string fmt(const figures& f) {
  char buf[160];
  std::snprintf(buf, sizeof buf,
                "%8llu ops  p50 %8.0f us  p99 %8.0f us  p99.9 %8.0f us  max "
                "%8.0f us  failed %llu",
                static_cast<unsigned long long>(f.h.count()),
                f.h.percentile(50) / 1000.0, f.h.percentile(99) / 1000.0,
                f.h.percentile(99.9) / 1000.0, f.h.max() / 1000.0,
                static_cast<unsigned long long>(f.failed));
  return buf;
}

/// Fills `dir` with files file-0 .. file-(n-1), a thousand per batch.
void fill(client& cl, inode_id dir, uint64_t n, uint64_t writers) {
  std::atomic<uint64_t> next{0};
  std::atomic<uint64_t> failed{0};
  auto work = [&] {
    for (;;) {
      auto first = next.fetch_add(1000);
      if (first >= n)
        return;
      std::vector<ns_request> b;
      for (auto i = first; i < std::min(n, first + 1000); ++i)
        b.push_back(
            make_request(ns_op::create, dir, "file-" + std::to_string(i)));
      for (auto& r : cl.batch(std::move(b)))
        failed += r.code != errc::ok;
    }
  };
  std::vector<std::thread> pool;
  for (uint64_t t = 0; t < writers; ++t)
    pool.emplace_back(work);
  for (auto& t : pool)
    t.join();
  if (failed > 0)
    throw std::runtime_error("filling the directory failed " +
                             std::to_string(failed.load()) + " times");
}

} // namespace

int run_move(client& cl, const args_map& a, bool js, json& out, bool quiet) {
  auto files = num(a, "files", 100'000);
  // With --rate, the load is open loop: requests fall due at that rate,
  // spread over the clients, whatever the answers; a request's latency runs
  // from when it fell due, so a client held up by a slow answer counts the
  // delay of the requests it sends late. Without, each client sends its
  // next request when the last is answered (closed loop).
  auto rate = a.count("rate") ? num(a, "rate", 0) : 0;
  auto clients = num(a, "clients", rate ? 64 : 4);
  auto chunk = num(a, "chunk", 0);
  auto before_s = num(a, "seconds", 2);
  auto seed = num(a, "seed", 1);
  // --moves K: the part moves K times, to `to` and back in turn (forced past
  // the quiet time), --gap ms apart, so that a small part's short moves
  // gather enough writes for their percentiles.
  auto moves = std::max<uint64_t>(1, num(a, "moves", 1));
  auto gap_ms = num(a, "gap", 500);
  std::string path = a.count("dir") ? a.at("dir") : "/movebench";
  auto dir = make_dirs(cl, path);
  fill(cl, dir, files, 4);
  auto shards = cl.shards();
  if (shards.size() < 2)
    throw std::runtime_error("a move needs at least two shards");
  auto n = static_cast<uint32_t>(shards.size());
  auto home = cl.locate(path + "/file-0").shard; // the home holds it all
  auto to = static_cast<uint32_t>(
      a.count("to") ? num(a, "to", 0) : (home + (n >= 8 ? n / 3 : 1)) % n);
  if (!quiet && !js) {
    std::cout << "filled " << path << " with " << files
              << " files; moving its upper half from shard " << home
              << " to shard " << to << " under " << clients
              << " clients of single requests";
    if (rate)
      std::cout << ", " << rate << " due per second in all (open loop)";
    std::cout << "\n";
  }

  std::atomic<bool> stop{false};
  auto t0 = steady::now();
  auto since = [&](steady::time_point t) {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(t - t0).count();
  };
  std::vector<std::vector<sample>> logs(clients);
  auto work = [&](uint64_t c) {
    std::mt19937_64 rng{seed * 1000 + c};
    for (uint64_t i = 0; !stop; ++i) {
      bool write = i % 2 == 0;
      auto name = write ? "w" + std::to_string(c) + "-" + std::to_string(i)
                        : "file-" + std::to_string(rng() % files);
      auto start = steady::now();
      if (rate) {
        // Request i of client c falls due at (i * clients + c) / rate s.
        auto due = t0 + std::chrono::nanoseconds(static_cast<int64_t>(
                            (i * clients + c) * 1e9 / double(rate)));
        if (due > start)
          std::this_thread::sleep_until(due);
        start = due;
      }
      auto r = cl.batch(
          {make_request(write ? ns_op::create : ns_op::lookup, dir, name)});
      auto end = steady::now();
      logs[c].push_back(sample{since(start), (end - start).count(), write,
                               upper.contains(name_hash(name)),
                               r.size() == 1 && r[0].code == errc::ok});
    }
  };
  std::vector<std::thread> pool;
  for (uint64_t c = 0; c < clients; ++c)
    pool.emplace_back(work, c);
  std::this_thread::sleep_for(std::chrono::seconds(before_s));
  // [start, end] of each move, since t0, in order.
  std::vector<std::pair<int64_t, int64_t>> spans;
  std::vector<double> move_ms;
  meta_result m;
  for (uint64_t k = 0; k < moves; ++k) {
    if (k > 0)
      std::this_thread::sleep_for(std::chrono::milliseconds(gap_ms));
    auto s = since(steady::now());
    m = cl.move(path, upper, k % 2 == 0 ? to : home, moves > 1,
                static_cast<uint32_t>(chunk));
    auto e = since(steady::now());
    spans.emplace_back(s, e);
    move_ms.push_back((e - s) / 1e6);
    if (m.code != errc::ok)
      break;
  }
  std::this_thread::sleep_for(std::chrono::seconds(before_s));
  stop = true;
  for (auto& t : pool)
    t.join();

  // Requests to the part, by when they started: before the first move,
  // during one.
  auto in_move = [&](int64_t t) {
    auto it =
        std::upper_bound(spans.begin(), spans.end(), t,
                         [](int64_t v, const std::pair<int64_t, int64_t>& sp) {
                           return v < sp.first;
                         });
    return it != spans.begin() && t <= std::prev(it)->second;
  };
  auto move_start = spans.front().first;
  figures wb, wd, rb, rd, other;
  for (auto& log : logs)
    for (auto& s : log) {
      bool during = in_move(s.start_ns);
      bool before = s.start_ns < move_start;
      auto& f = !s.in_part ? other
                : s.write  ? (before   ? wb
                              : during ? wd
                                       : other)
                : before   ? rb
                : during   ? rd
                           : other;
      f.h.record(std::max<int64_t>(1, s.took_ns));
      f.failed += !s.ok;
    }
  uint64_t failed =
      wb.failed + wd.failed + rb.failed + rd.failed + other.failed;
  auto sorted_ms = move_ms;
  std::sort(sorted_ms.begin(), sorted_ms.end());
  auto median_ms = sorted_ms[sorted_ms.size() / 2];
  if (js) {
    out = json{{"files", files},
               {"clients", clients},
               {"rate", rate},
               {"from", home},
               {"to", to},
               {"move", to_string(m.code)},
               {"moves", move_ms.size()},
               {"move_ms", median_ms},
               {"moves_ms", move_ms},
               {"writes_before", wb.to_json()},
               {"writes_during", wd.to_json()},
               {"reads_before", rb.to_json()},
               {"reads_during", rd.to_json()},
               {"failed", failed}};
  } else {
    std::cout << "move: " << to_string(m.code);
    if (move_ms.size() == 1)
      std::cout << " in " << move_ms[0] << " ms\n";
    else
      std::cout << ", " << move_ms.size() << " moves, median " << median_ms
                << " ms, min " << sorted_ms.front() << " ms, max "
                << sorted_ms.back() << " ms\n";
    std::cout << "writes to the part, before: " << fmt(wb) << "\n"
              << "writes to the part, during: " << fmt(wd) << "\n"
              << "reads of the part,  before: " << fmt(rb) << "\n"
              << "reads of the part,  during: " << fmt(rd) << "\n"
              << "failed requests in all: " << failed << "\n";
  }
  return m.code == errc::ok && failed == 0 ? 0 : 1;
}

} // namespace ds::bench
