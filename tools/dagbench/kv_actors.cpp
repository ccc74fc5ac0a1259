// dagbench kv against dagshard with event-based clients: each client is an
// actor with one operation in flight, as each of etcd's benchmark clients is
// a goroutine, rather than a thread that sleeps between answers.
#include "tools/dagbench/kv_actors.hpp"

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <random>

#include <caf/all.hpp>

namespace ds::bench {

namespace {

using clock_type = std::chrono::steady_clock;

/// What the clients share: the operations left and what they measured.
struct kv_run {
  std::atomic<uint64_t> next{0};
  std::atomic<uint64_t> done{0}; ///< operations answered
  uint64_t ops = 0;
  uint64_t read_percent = 0;
  uint64_t keys = 0;
  std::mutex mtx;
  kv_result all;
};

struct kv_actor_state {
  std::shared_ptr<kv_run> run;
  /// The session, or the gateway itself: both answer sets and gets alike.
  caf::actor target;
  std::mt19937_64 rng;
  std::string value = std::string(64, 'v');
  std::vector<double> lat;
  uint64_t errors = 0;
  clock_type::time_point t0;
};

void issue(caf::stateful_actor<kv_actor_state>* self);

void answered(caf::stateful_actor<kv_actor_state>* self, bool ok) {
  auto& st = self->state;
  st.lat.push_back(
      std::chrono::duration<double, std::micro>(clock_type::now() - st.t0)
          .count());
  st.errors += !ok;
  ++st.run->done;
  issue(self);
}

void issue(caf::stateful_actor<kv_actor_state>* self) {
  auto& st = self->state;
  auto& run = *st.run;
  if (run.next.fetch_add(1) >= run.ops) {
    std::lock_guard<std::mutex> guard{run.mtx};
    run.all.latency_us.insert(run.all.latency_us.end(), st.lat.begin(),
                              st.lat.end());
    run.all.errors += st.errors;
    self->quit();
    return;
  }
  auto key = "bench.k" + std::to_string(st.rng() % run.keys);
  st.value[0] = static_cast<char>('a' + st.rng() % 26);
  bool read = st.rng() % 100 < run.read_percent;
  st.t0 = clock_type::now();
  // No request timeout (a clock entry per operation); the caller's wait
  // for the run ends the run instead if an answer never comes.
  auto fail = [self](caf::error&) { answered(self, false); };
  if (read) {
    self->request(st.target, caf::infinite, cfg_get_atom::value, key)
        .then([self](config_entry&) { answered(self, true); }, fail);
    return;
  }
  meta_command cmd = config_set{std::move(key), st.value};
  self->request(st.target, caf::infinite, meta_atom::value, std::move(cmd))
      .then([self](meta_result& r) { answered(self, r.code == errc::ok); },
            fail);
}

caf::behavior kv_actor(caf::stateful_actor<kv_actor_state>* self,
                       std::shared_ptr<kv_run> run, gateway_actor gw,
                       settings_session_actor session, uint64_t seed) {
  auto& st = self->state;
  st.run = std::move(run);
  st.target = session ? caf::actor_cast<caf::actor>(session)
                      : caf::actor_cast<caf::actor>(gw);
  st.rng.seed(seed);
  issue(self);
  return {[](caf::unit_t) {}};
}

} // namespace

kv_result run_kv_actors(const std::vector<client>& clis,
                        const std::vector<settings_session_actor>& sessions,
                        uint64_t clients, uint64_t ops, uint64_t read_percent,
                        uint64_t keys, uint64_t seed) {
  auto& sys = clis.front().system();
  auto run = std::make_shared<kv_run>();
  run->ops = ops;
  run->read_percent = read_percent;
  run->keys = keys;
  caf::scoped_actor waiter{sys};
  std::vector<caf::actor> actors;
  auto start = clock_type::now();
  for (uint64_t c = 0; c < clients; ++c) {
    auto& cl = clis[c % clis.size()];
    auto a = sys.spawn(kv_actor, run, cl.gateway(),
                       sessions.empty() ? settings_session_actor{}
                                        : sessions[c % sessions.size()],
                       seed + c);
    waiter->monitor(a);
    actors.push_back(a);
  }
  // Each client ends when the operations run out. A whole timeout of the
  // clients without a single answer ends the run: the clients still
  // waiting count as failed.
  auto timeout = clis.front().timeout();
  size_t ended = 0;
  bool stuck = false;
  uint64_t seen = 0;
  while (ended < actors.size() && !stuck)
    waiter->receive([&](caf::down_msg&) { ++ended; },
                    caf::after(timeout) >>
                        [&] {
                          auto now = run->done.load();
                          stuck = now == seen;
                          seen = now;
                        });
  kv_result out;
  {
    std::lock_guard<std::mutex> guard{run->mtx};
    out = run->all;
  }
  out.seconds =
      std::chrono::duration<double>(clock_type::now() - start).count();
  out.ops = out.latency_us.size();
  if (stuck) {
    for (auto& a : actors)
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    out.errors += actors.size() - ended; // their operation got no answer
  }
  return out;
}

} // namespace ds::bench
