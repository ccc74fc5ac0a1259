#include "tools/dagbench/driver.hpp"

#include <algorithm>
#include <atomic>
#include <future>
#include <memory>

#include <caf/all.hpp>

namespace ds::bench {

namespace {

using clock_type = std::chrono::steady_clock;

struct job {
  std::vector<std::vector<ns_request>> batches;
  size_t next = 0;
  size_t done = 0;
  phase_result result;
  clock_type::time_point start;
  std::promise<void> finished;
  /// Requests answered by every client of the phase (read by progress).
  std::shared_ptr<std::atomic<uint64_t>> answered;
};

void send_next(caf::event_based_actor* self, const gateway_actor& gw,
               const std::shared_ptr<job>& j) {
  if (j->next == j->batches.size())
    return;
  auto& b = j->batches[j->next++];
  auto n = static_cast<uint32_t>(b.size());
  auto sent = clock_type::now();
  auto on_done = [self, gw, j, n, sent](const std::vector<ns_reply>* reps) {
    auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                  clock_type::now() - sent)
                  .count();
    j->result.batch_latencies.emplace_back(ns, n);
    j->result.ops += n;
    *j->answered += n;
    if (!reps)
      j->result.errors += n;
    else
      for (auto& r : *reps)
        j->result.errors += r.code != errc::ok;
    if (++j->done == j->batches.size()) {
      j->result.seconds =
          std::chrono::duration<double>(clock_type::now() - j->start).count();
      j->finished.set_value();
      self->quit();
      return;
    }
    send_next(self, gw, j);
  };
  self->request(gw, std::chrono::seconds(60), ns_atom::value, std::move(b))
      .then([on_done](std::vector<ns_reply>& reps) { on_done(&reps); },
            [on_done](caf::error&) { on_done(nullptr); });
}

} // namespace

double phase_result::percentile_us(double q) const {
  if (batch_latencies.empty())
    return 0;
  auto v = batch_latencies;
  std::sort(v.begin(), v.end());
  uint64_t total = 0;
  for (auto& x : v)
    total += x.second;
  auto rank = static_cast<uint64_t>(q * static_cast<double>(total));
  uint64_t seen = 0;
  for (auto& x : v) {
    seen += x.second;
    if (seen > rank)
      return static_cast<double>(x.first) / 1000.0;
  }
  return static_cast<double>(v.back().first) / 1000.0;
}

phase_result
run_phase(caf::actor_system& sys, const std::vector<gateway_actor>& gws,
          std::vector<std::vector<ns_request>> batches, size_t outstanding,
          size_t clients,
          const std::function<void(uint64_t, uint64_t)>& progress) {
  clients = std::max<size_t>(clients, 1);
  auto answered = std::make_shared<std::atomic<uint64_t>>(0);
  uint64_t total = 0;
  std::vector<std::shared_ptr<job>> jobs;
  for (size_t c = 0; c < clients; ++c) {
    jobs.push_back(std::make_shared<job>());
    jobs.back()->answered = answered;
  }
  for (size_t i = 0; i < batches.size(); ++i) {
    total += batches[i].size();
    jobs[i % clients]->batches.push_back(std::move(batches[i]));
  }
  std::vector<std::future<void>> done;
  auto start = clock_type::now();
  for (size_t c = 0; c < clients; ++c) {
    auto j = jobs[c];
    if (j->batches.empty())
      continue;
    done.push_back(j->finished.get_future());
    auto gw = gws[c % gws.size()];
    sys.spawn([gw, j, outstanding](caf::event_based_actor* self) {
      j->start = clock_type::now();
      for (size_t i = 0; i < std::max<size_t>(outstanding, 1); ++i)
        send_next(self, gw, j);
    });
  }
  for (auto& f : done)
    while (f.wait_for(std::chrono::milliseconds(100)) !=
           std::future_status::ready)
      if (progress)
        progress(answered->load(), total);
  if (progress)
    progress(answered->load(), total);
  phase_result all;
  all.seconds =
      std::chrono::duration<double>(clock_type::now() - start).count();
  for (auto& j : jobs) {
    all.ops += j->result.ops;
    all.errors += j->result.errors;
    all.batch_latencies.insert(all.batch_latencies.end(),
                               j->result.batch_latencies.begin(),
                               j->result.batch_latencies.end());
  }
  return all;
}

} // namespace ds::bench
