#include "tools/dagbench/replay.hpp"

#include <algorithm>
#include <chrono>
#include <future>
#include <memory>

#include <caf/all.hpp>

namespace ds::bench {

namespace {

using clock_type = std::chrono::steady_clock;
using tick_atom = caf::atom_constant<caf::atom("rpTick")>;
using sample_atom = caf::atom_constant<caf::atom("rpSample")>;

struct run {
  const std::vector<workload::event>* events = nullptr;
  std::vector<gateway_actor> gws;
  double speed = 1;
  std::size_t next = 0;
  std::size_t answered = 0;
  clock_type::time_point start;
  replay_result result;
  std::vector<uint64_t> last_counts;
  uint64_t last_splits = 0;
  uint64_t last_moves = 0;
  uint64_t last_moved = 0;
  bool have_last = false;
  int64_t last_sample_ns = 0;
  bool sampling = true;
  std::function<void(uint64_t, uint64_t)> progress;
  int64_t last_progress_ns = 0;
  std::promise<void> done;
};

int64_t now_ns(const run& r) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             clock_type::now() - r.start)
      .count();
}

int64_t due_ns(const run& r, const workload::event& e) {
  return static_cast<int64_t>(double(e.time_us) * 1000.0 / r.speed);
}

replay_second& second_of(run& r, int64_t due) {
  auto s = static_cast<std::size_t>(std::max<int64_t>(0, due) / 1'000'000'000);
  if (r.result.per_second.size() <= s)
    r.result.per_second.resize(s + 1);
  return r.result.per_second[s];
}

void sample(caf::event_based_actor* self, const std::shared_ptr<run>& r,
            bool last = false);

// After the last answer, one more sample books the splits and moves made
// since the previous one (a move that ends in the run's last second counts),
// then the run ends.
void finish_if_done(caf::event_based_actor* self,
                    const std::shared_ptr<run>& r) {
  if (r->answered < r->events->size() || !r->sampling)
    return;
  r->result.seconds = double(now_ns(*r)) / 1e9;
  r->sampling = false;
  sample(self, r, true);
}

// Books one answer: latency by operation, overall and for second `when_ns`.
void record_answer(run& r, const std::string& op, int64_t lat, int64_t when_ns,
                   bool ok) {
  r.result.latency_ns[op].record(lat);
  r.result.all_ns.record(lat);
  auto& sec = second_of(r, when_ns);
  sec.latency_ns.record(lat);
  ++sec.ops;
  ++r.result.ops;
  if (!ok) {
    ++sec.errors;
    ++r.result.errors;
  }
  ++r.answered;
}

void send_due(caf::event_based_actor* self, const std::shared_ptr<run>& r) {
  auto now = now_ns(*r);
  const auto& evs = *r->events;
  while (r->next < evs.size() && due_ns(*r, evs[r->next]) <= now) {
    const auto& e = evs[r->next];
    auto due = due_ns(*r, e);
    r->result.send_lag_ns.record(std::max<int64_t>(1, now - due));
    std::string op = workload::to_string(e.op);
    auto& gw = r->gws[e.client % r->gws.size()];
    auto on_done = [self, r, due, op](bool ok) {
      // Open loop: latency from the due time, filed under the due second.
      record_answer(*r, op, std::max<int64_t>(1, now_ns(*r) - due), due, ok);
      finish_if_done(self, r);
    };
    self->request(gw, std::chrono::seconds(30), path_atom::value, to_request(e))
        .then([on_done](ns_reply& rep) { on_done(rep.code == errc::ok); },
              [on_done](caf::error&) { on_done(false); });
    ++r->next;
  }
  if (r->progress && now - r->last_progress_ns > 1'000'000'000) {
    r->last_progress_ns = now;
    r->progress(r->next, evs.size());
  }
  if (r->next < evs.size()) {
    auto wait = std::clamp<int64_t>(due_ns(*r, evs[r->next]) - now_ns(*r), 0,
                                    1'000'000);
    self->delayed_send(self, std::chrono::nanoseconds(wait), tick_atom::value);
  }
}

void sample(caf::event_based_actor* self, const std::shared_ptr<run>& r,
            bool last) {
  auto end = [self, r, last] {
    if (last) {
      r->done.set_value();
      self->quit();
    } else if (r->sampling) {
      self->delayed_send(self, std::chrono::seconds(1), sample_atom::value);
    }
  };
  self->request(r->gws.front(), std::chrono::seconds(5), shards_atom::value)
      .then(
          [r, last, end](std::vector<shard_info>& xs) {
            // Rates over the time between two answers (an answer can be
            // delayed behind queued requests), filed under the second that
            // holds the middle of that span.
            int64_t at = now_ns(*r);
            std::vector<uint64_t> counts;
            uint64_t splits = 0, moves = 0, moved = 0;
            for (auto& x : xs) {
              counts.push_back(x.stats.ops);
              splits += x.stats.splits;
              moves += x.stats.moves_in;
              moved += x.stats.moved_in;
            }
            if (r->have_last && counts.size() == r->last_counts.size()) {
              int64_t span = at - r->last_sample_ns;
              if (span < 200'000'000 && !last)
                return end(); // too close to the previous answer
              auto& sec = second_of(*r, r->last_sample_ns + span / 2);
              // A last span too short for a rate books its events only.
              if (span >= 200'000'000) {
                sec.shard_ops.resize(counts.size());
                for (std::size_t i = 0; i < counts.size(); ++i)
                  sec.shard_ops[i] = static_cast<uint64_t>(
                      double(counts[i] - r->last_counts[i]) * 1e9 /
                      double(span));
              }
              sec.splits += splits - r->last_splits;
              sec.migrations += moves - r->last_moves;
              sec.entries_moved += moved - r->last_moved;
            }
            r->last_counts = std::move(counts);
            r->last_splits = splits;
            r->last_moves = moves;
            r->last_moved = moved;
            r->last_sample_ns = at;
            r->have_last = true;
            end();
          },
          [end](caf::error&) { end(); });
}

uint64_t run_setup(caf::actor_system& sys,
                   const std::vector<gateway_actor>& gws,
                   const std::vector<workload::event>& setup) {
  caf::scoped_actor self{sys};
  uint64_t n = 0;
  for (auto& e : setup)
    self->request(gws.front(), std::chrono::seconds(30), path_atom::value,
                  to_request(e))
        .receive([&](ns_reply&) { ++n; },
                 [&](caf::error& err) {
                   throw std::runtime_error("setup " + e.path + ": " +
                                            sys.render(err));
                 });
  return n;
}

// One closed-loop client: sends the next unclaimed event when its previous
// one is answered.
void closed_next(caf::event_based_actor* self, const std::shared_ptr<run>& r,
                 std::size_t client) {
  const auto& evs = *r->events;
  if (r->next >= evs.size())
    return;
  const auto& e = evs[r->next++];
  std::string op = workload::to_string(e.op);
  int64_t sent = now_ns(*r);
  auto& gw = r->gws[client % r->gws.size()];
  auto on_done = [self, r, client, sent, op](bool ok) {
    // Closed loop: latency from the send, filed under the answer's second.
    int64_t at = now_ns(*r);
    record_answer(*r, op, std::max<int64_t>(1, at - sent), at, ok);
    if (r->progress && at - r->last_progress_ns > 1'000'000'000) {
      r->last_progress_ns = at;
      r->progress(r->answered, r->events->size());
    }
    finish_if_done(self, r);
    if (r->answered < r->events->size())
      closed_next(self, r, client);
  };
  self->request(gw, std::chrono::seconds(30), path_atom::value, to_request(e))
      .then([on_done](ns_reply& rep) { on_done(rep.code == errc::ok); },
            [on_done](caf::error&) { on_done(false); });
}

// Runs the setup, then the events from one actor whose behaviour `begin`
// makes (it starts the sending and the sampling); waits for the last answer.
template <class Begin>
replay_result
drive(caf::actor_system& sys, const std::vector<gateway_actor>& gws,
      const std::vector<workload::event>& setup,
      const std::vector<workload::event>& events,
      const std::function<void(uint64_t, uint64_t)>& progress, Begin begin) {
  replay_result result;
  result.setup_ops = run_setup(sys, gws, setup);
  if (events.empty())
    return result;
  auto r = std::make_shared<run>();
  r->events = &events;
  r->gws = gws;
  r->progress = progress;
  r->result.setup_ops = result.setup_ops;
  auto fut = r->done.get_future();
  sys.spawn([r, begin](caf::event_based_actor* self) -> caf::behavior {
    r->start = clock_type::now();
    sample(self, r);
    return begin(self, r);
  });
  fut.wait();
  return std::move(r->result);
}

} // namespace

replay_result
replay_closed(caf::actor_system& sys, const std::vector<gateway_actor>& gws,
              const std::vector<workload::event>& setup,
              const std::vector<workload::event>& events, uint32_t clients,
              const std::function<void(uint64_t, uint64_t)>& progress) {
  return drive(sys, gws, setup, events, progress,
               [clients](auto* self, auto& r) {
                 for (uint32_t c = 0; c < std::max<uint32_t>(1, clients); ++c)
                   closed_next(self, r, c);
                 return caf::behavior{[self, r](sample_atom) {
                   if (r->sampling)
                     sample(self, r);
                 }};
               });
}

double replay_second::imbalance() const {
  uint64_t total = 0, mx = 0;
  for (auto x : shard_ops) {
    total += x;
    mx = std::max(mx, x);
  }
  if (shard_ops.empty() || total == 0)
    return 1.0;
  return double(mx) / (double(total) / double(shard_ops.size()));
}

path_request to_request(const workload::event& e) {
  path_request req;
  req.path = e.path;
  switch (e.op) {
  case workload::op_kind::lookup:
  case workload::op_kind::stat:
    req.op = path_op::stat;
    break;
  case workload::op_kind::create:
    req.op = path_op::create;
    break;
  case workload::op_kind::remove:
    req.op = path_op::unlink;
    break;
  case workload::op_kind::mkdir:
    req.op = path_op::mkdir;
    break;
  case workload::op_kind::readdir:
    req.op = path_op::readdir;
    req.max_entries = 256;
    break;
  }
  return req;
}

replay_result replay(caf::actor_system& sys,
                     const std::vector<gateway_actor>& gws,
                     const std::vector<workload::event>& setup,
                     const std::vector<workload::event>& events, double speed,
                     const std::function<void(uint64_t, uint64_t)>& progress) {
  return drive(sys, gws, setup, events, progress, [speed](auto* self, auto& r) {
    r->speed = speed;
    send_due(self, r);
    return caf::behavior{
        [self, r](tick_atom) { send_due(self, r); },
        [self, r](sample_atom) {
          if (r->sampling)
            sample(self, r);
        },
    };
  });
}

} // namespace ds::bench
