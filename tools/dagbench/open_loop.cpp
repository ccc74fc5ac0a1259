#include "tools/dagbench/open_loop.hpp"

#include <algorithm>
#include <future>
#include <memory>
#include <optional>

#include <caf/all.hpp>

namespace ds::bench {

namespace {

using clock_type = std::chrono::steady_clock;
using tick_atom = caf::atom_constant<caf::atom("olTick")>;
using sample_atom = caf::atom_constant<caf::atom("olSample")>;

struct run_state {
  std::vector<timed_request> reqs;
  size_t next = 0; ///< first request not yet sent
  size_t answered = 0;
  int64_t tick_us = 1000;
  clock_type::time_point start;
  open_loop_result result;
  std::vector<uint64_t> last_counts; ///< per shard, at the previous sample
  std::optional<uint64_t> last_splits;
  bool sampling = true;
  std::promise<void> finished;
};

int64_t now_us(const run_state& r) {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             clock_type::now() - r.start)
      .count();
}

void send_due(caf::event_based_actor* self, const gateway_actor& gw,
              const std::shared_ptr<run_state>& r) {
  auto now = now_us(*r);
  std::vector<ns_request> batch;
  std::vector<int64_t> due;
  std::vector<ns_op> ops;
  while (r->next < r->reqs.size() && r->reqs[r->next].due_us <= now) {
    ops.push_back(r->reqs[r->next].req.op);
    batch.push_back(std::move(r->reqs[r->next].req));
    due.push_back(r->reqs[r->next].due_us);
    r->result.send_lag_us.push_back(
        static_cast<double>(now - r->reqs[r->next].due_us));
    ++r->next;
  }
  if (!batch.empty()) {
    auto on_done = [self, r, due, ops](const std::vector<ns_reply>* reps) {
      auto t = now_us(*r);
      for (size_t i = 0; i < due.size(); ++i) {
        auto lat = static_cast<double>(t - due[i]);
        r->result.latency_us.push_back(lat);
        r->result.latency_by_op_us[to_string(ops[i])].push_back(lat);
        if (!reps || (*reps)[i].code != errc::ok)
          ++r->result.errors;
      }
      r->result.ops += due.size();
      r->answered += due.size();
      if (r->answered == r->reqs.size()) {
        r->result.seconds = static_cast<double>(t) / 1e6;
        r->sampling = false;
        r->finished.set_value();
        self->quit();
      }
    };
    self->request(gw, std::chrono::seconds(60), ns_atom::value,
                  std::move(batch))
        .then([on_done](std::vector<ns_reply>& reps) { on_done(&reps); },
              [on_done](caf::error&) { on_done(nullptr); });
  }
  if (r->next < r->reqs.size()) {
    // Sleep until the next request is due, at most one tick.
    auto wait = std::clamp<int64_t>(r->reqs[r->next].due_us - now_us(*r), 0,
                                    r->tick_us);
    self->delayed_send(self, std::chrono::microseconds(wait), tick_atom::value);
  }
}

void sample(caf::event_based_actor* self, const gateway_actor& gw,
            const std::shared_ptr<run_state>& r) {
  self->request(gw, std::chrono::seconds(5), shards_atom::value)
      .then(
          [r](std::vector<shard_info>& xs) {
            std::vector<uint64_t> counts;
            uint64_t splits = 0;
            for (auto& x : xs) {
              counts.push_back(x.stats.ops);
              splits += x.stats.splits;
            }
            if (r->last_splits)
              r->result.splits_per_second.push_back(splits - *r->last_splits);
            r->last_splits = splits;
            if (!r->last_counts.empty() &&
                r->last_counts.size() == counts.size()) {
              std::vector<uint64_t> delta(counts.size());
              for (size_t i = 0; i < counts.size(); ++i)
                delta[i] = counts[i] - r->last_counts[i];
              r->result.shard_ops_per_second.push_back(std::move(delta));
            }
            r->last_counts = std::move(counts);
          },
          [](caf::error&) {});
  if (r->sampling)
    self->delayed_send(self, std::chrono::seconds(1), sample_atom::value);
}

} // namespace

double open_loop_result::percentile(std::vector<double> v, double q) {
  if (v.empty())
    return 0;
  auto k = static_cast<size_t>(q * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k),
                   v.end());
  return v[k];
}

std::vector<double> open_loop_result::imbalance() const {
  std::vector<double> out;
  for (auto& sec : shard_ops_per_second) {
    uint64_t total = 0;
    uint64_t mx = 0;
    for (auto x : sec) {
      total += x;
      mx = std::max(mx, x);
    }
    out.push_back(total == 0 ? 1.0
                             : static_cast<double>(mx) /
                                   (static_cast<double>(total) /
                                    static_cast<double>(sec.size())));
  }
  return out;
}

open_loop_result run_open_loop(caf::actor_system& sys, const gateway_actor& gw,
                               std::vector<timed_request> reqs,
                               int64_t tick_us) {
  if (reqs.empty())
    return {};
  auto r = std::make_shared<run_state>();
  r->reqs = std::move(reqs);
  r->tick_us = std::max<int64_t>(tick_us, 100);
  r->result.latency_us.reserve(r->reqs.size());
  auto fut = r->finished.get_future();
  sys.spawn([gw, r](caf::event_based_actor* self) -> caf::behavior {
    r->start = clock_type::now();
    sample(self, gw, r);
    send_due(self, gw, r);
    return {
        [self, gw, r](tick_atom) { send_due(self, gw, r); },
        [self, gw, r](sample_atom) {
          if (r->sampling)
            sample(self, gw, r);
        },
    };
  });
  fut.wait();
  return std::move(r->result);
}

bool parse_rate_profile(const std::string& text, rate_profile& out) {
  out.clear();
  size_t pos = 0;
  while (pos < text.size()) {
    auto comma = text.find(',', pos);
    auto seg = text.substr(pos, comma == std::string::npos ? std::string::npos
                                                           : comma - pos);
    auto colon = seg.find(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == seg.size() ||
        seg.find_first_not_of("0123456789:") != std::string::npos ||
        seg.size() > 20)
      return false;
    auto rate = std::stoull(seg.substr(0, colon));
    auto secs = std::stoull(seg.substr(colon + 1));
    if (rate == 0 || secs == 0 || rate > 10'000'000 || secs > 86'400)
      return false;
    out.emplace_back(rate, secs);
    if (comma == std::string::npos)
      break;
    pos = comma + 1;
  }
  return !out.empty();
}

std::vector<int64_t> due_times(const rate_profile& profile) {
  std::vector<int64_t> out;
  int64_t start = 0;
  for (auto& [rate, secs] : profile) {
    for (uint64_t i = 0; i < rate * secs; ++i)
      out.push_back(start + static_cast<int64_t>(i * 1'000'000 / rate));
    start += static_cast<int64_t>(secs) * 1'000'000;
  }
  return out;
}

} // namespace ds::bench
