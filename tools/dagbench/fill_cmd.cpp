// dagbench fill and verify: creates with several writers, each acknowledged
// name logged, with readers looking up what was acknowledged; then a check
// that every logged name exists. The multi-process crash tests run them.
#include <atomic>
#include <chrono>
#include <ctime>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include "tools/dagbench/commands.hpp"

namespace ds::bench {

namespace {

/// The wall-clock time as HH:MM:SS.mmm (UTC), to match a refusal with the
/// nodes' logs.
std::string wall_time() {
  auto now = std::chrono::system_clock::now();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                now.time_since_epoch())
                .count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%02d:%02d:%02d.%03d", tm.tm_hour, tm.tm_min,
                tm.tm_sec, static_cast<int>(ms % 1000));
  return buf;
}

/// What the writers and readers of one fill share.
struct fill_state {
  std::mutex mtx;
  std::vector<std::string> acked;          ///< names acknowledged so far
  std::map<errc, uint64_t> refused;        ///< create answers other than ok
  std::map<errc, uint64_t> lookup_refused; ///< lookup answers other than ok
  uint64_t lookups = 0;
  uint64_t shown = 0; ///< refusals printed with their time
  std::atomic<uint64_t> ok{0};
  std::atomic<uint64_t> sent{0};
  std::atomic<uint64_t> next{0};
  std::atomic<bool> writing{true};

  /// Prints the first refusals with their time (the rest are only counted).
  void show(const char* op, const std::string& name, errc code) {
    if (shown++ < 50)
      std::cout << wall_time() << " " << op << " " << name << " refused "
                << to_string(code) << std::endl;
  }
};

} // namespace

int run_fill(client& cl, const args_map& a, bool quiet) {
  auto it = a.find("dir");
  if (it == a.end())
    throw std::invalid_argument("fill needs --dir PATH");
  auto files = num(a, "files", 1000);
  auto threads = num(a, "outstanding", 1);
  auto batch = num(a, "batch", 1000);
  auto readers = a.count("readers") ? num(a, "readers", 1) : 0;
  auto seed = num(a, "seed", 1);
  // With --until-file, --files is a minimum: the writers go on until the
  // file exists, so that a test's load outlasts what it runs beside it.
  std::string until = a.count("until-file") ? a.at("until-file") : "";
  auto dir = make_dirs(cl, it->second);
  // Each acknowledged name goes to the log (flushed after every batch) as
  // soon as its answer arrives: the log is the list of promises the node made.
  std::ofstream log;
  if (a.count("ack-log")) {
    log.open(a.at("ack-log"), std::ios::app);
    if (!log)
      throw std::runtime_error("cannot write " + a.at("ack-log"));
  }
  fill_state st;
  auto writer = [&] {
    while (true) {
      auto first = st.next.fetch_add(batch);
      if (first >= files && (until.empty() || std::ifstream{until}.good()))
        return;
      auto end = until.empty() ? std::min(files, first + batch) : first + batch;
      std::vector<ns_request> b;
      for (auto i = first; i < end; ++i)
        b.push_back(
            make_request(ns_op::create, dir, "file-" + std::to_string(i)));
      auto names = b;
      st.sent += b.size();
      auto reps = cl.batch(std::move(b));
      std::lock_guard<std::mutex> guard{st.mtx};
      for (size_t k = 0; k < reps.size(); ++k)
        if (reps[k].code == errc::ok) {
          ++st.ok;
          st.acked.push_back(names[k].name);
          if (log)
            log << names[k].name << "\n";
        } else {
          ++st.refused[reps[k].code];
          st.show("create", names[k].name, reps[k].code);
        }
      if (log)
        log.flush();
    }
  };
  // Readers look up names already acknowledged, `batch` at a time: every
  // one must be found.
  auto reader = [&](uint64_t r) {
    std::mt19937_64 rng{seed * 7919 + r};
    while (st.writing) {
      std::vector<ns_request> b;
      {
        std::lock_guard<std::mutex> guard{st.mtx};
        for (uint64_t k = 0; k < batch && !st.acked.empty(); ++k)
          b.push_back(make_request(ns_op::lookup, dir,
                                   st.acked[rng() % st.acked.size()]));
      }
      if (b.empty()) {
        std::this_thread::yield();
        continue;
      }
      auto names = b;
      auto reps = cl.batch(std::move(b));
      std::lock_guard<std::mutex> guard{st.mtx};
      st.lookups += names.size();
      for (size_t k = 0; k < names.size(); ++k) {
        auto code = k < reps.size() ? reps[k].code : errc::eunavailable;
        if (code != errc::ok) {
          ++st.lookup_refused[code];
          st.show("lookup", names[k].name, code);
        }
      }
    }
  };
  std::vector<std::thread> pool, readers_pool;
  for (uint64_t t = 0; t < threads; ++t)
    pool.emplace_back(writer);
  for (uint64_t r = 0; r < readers; ++r)
    readers_pool.emplace_back(reader, r);
  for (auto& t : pool)
    t.join();
  st.writing = false;
  for (auto& t : readers_pool)
    t.join();
  if (!quiet)
    std::cout << "dagbench: created " << st.ok << " of " << st.sent
              << " files in " << it->second << "\n";
  else
    std::cout << "created " << st.ok << " files in " << it->second << "\n";
  // Why the others were not: one "refused CODE N" line per error code.
  for (auto& [code, n] : st.refused)
    std::cout << "refused " << to_string(code) << " " << n << "\n";
  uint64_t lookup_failed = 0;
  if (readers > 0) {
    std::cout << "looked up " << st.lookups << " acknowledged names\n";
    for (auto& [code, n] : st.lookup_refused) {
      std::cout << "lookup refused " << to_string(code) << " " << n << "\n";
      lookup_failed += n;
    }
  }
  return st.ok == st.sent && lookup_failed == 0 ? 0 : 1;
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
    all.push_back(
        make_request(ns_op::lookup, d.a.ino, text.substr(pos, nl - pos)));
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

} // namespace ds::bench
