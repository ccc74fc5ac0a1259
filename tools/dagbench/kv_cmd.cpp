// dagbench kv against dagshard's settings or etcd: the command, and
// dagshard's client for the thread-per-client driver.
#include <caf/all.hpp>

#include <atomic>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "client/settings_session.hpp"
#include "tools/dagbench/commands.hpp"
#include "tools/dagbench/kv_actors.hpp"
#include "tools/dagbench/kv_bench.hpp"

namespace ds::bench {

namespace {

/// dagshard's settings as a key-value store. One blocking actor per client
/// thread, kept for the whole run (as etcd's client keeps its connection).
/// It waits for each answer with its own timed wait rather than a request
/// timeout, which would cost a round trip through the actor system's clock
/// thread for every operation.
/// With a session, requests go through it (the client library's coalescing
/// of concurrent callers); without, each is its own message to the node.
class settings_client : public kv_client {
public:
  settings_client(client cl, settings_session_actor session)
      : cl_(std::move(cl)),
        target_(session ? caf::actor_cast<caf::actor>(session)
                        : caf::actor_cast<caf::actor>(cl_.gateway())),
        self_(cl_.system()) {}
  bool put(const std::string& key, const std::string& value) override {
    meta_command cmd = config_set{key, value};
    bool ok = false;
    await(self_->request(target_, caf::infinite, meta_atom::value, cmd).id(),
          [&](meta_result& r) { ok = r.code == errc::ok; });
    return ok;
  }
  bool get(const std::string& key) override {
    bool ok = false;
    await(self_->request(target_, caf::infinite, cfg_get_atom::value, key).id(),
          [&](config_entry&) { ok = true; });
    return ok;
  }

private:
  template <class F> void await(caf::message_id id, F on_reply) {
    caf::blocking_actor::accept_one_cond rc;
    self_->varargs_receive(
        rc, id, on_reply, [](caf::error&) {},
        caf::after(cl_.timeout()) >> [] {});
  }

  client cl_;
  caf::actor target_; ///< the session, or the gateway itself
  caf::scoped_actor self_;
};

} // namespace

int run_kv(std::vector<client> clis, const std::vector<std::string>& etcd,
           const args_map& a, bool js, nlohmann::json& out) {
  auto clients = num(a, "clients", 16);
  auto ops = num(a, "ops", 20000);
  auto keys = num(a, "keys", 1000);
  auto seed = num(a, "seed", 1);
  uint64_t read_percent =
      a.count("read-percent") ? std::stoull(a.at("read-percent")) : 0;
  if (read_percent > 100)
    throw std::invalid_argument("--read-percent wants 0..100");
  // One session per node, shared by the clients that talk to it.
  uint64_t session = a.count("session") ? std::stoull(a.at("session")) : 1;
  auto in_flight = num(a, "in-flight", 4);
  if (session > 1 || in_flight == 0)
    throw std::invalid_argument(
        "--session wants 0 or 1, --in-flight 1 or more");
  std::vector<settings_session_actor> sessions;
  if (session == 1 && etcd.empty())
    for (auto& cl : clis)
      sessions.push_back(spawn_settings_session(
          cl.system(), cl.gateway(),
          settings_session_options{cl.timeout(), in_flight}));
  std::atomic<size_t> made{0};
  auto make = [&]() -> std::unique_ptr<kv_client> {
    auto i = made++;
    if (!etcd.empty())
      return make_etcd_client(etcd[i % etcd.size()]);
    auto& cl = clis[i % clis.size()];
    return std::make_unique<settings_client>(
        cl, sessions.empty() ? settings_session_actor{}
                             : sessions[i % sessions.size()]);
  };
  auto as = a.count("clients-as") ? a.at("clients-as") : "actors";
  if (as != "actors" && as != "threads")
    throw std::invalid_argument("--clients-as wants actors or threads");
  // "actors": event-driven clients on both sides (dagshard's as actors,
  // etcd's as connections driven by one thread); "threads": a thread each.
  auto r = as == "threads"
               ? bench::run_kv(make, clients, ops, read_percent, keys, seed)
           : etcd.empty() ? bench::run_kv_actors(clis, sessions, clients, ops,
                                                 read_percent, keys, seed)
                          : bench::run_kv_etcd_multi(etcd, clients, ops,
                                                     read_percent, keys, seed);
  for (auto& s : sessions)
    caf::anon_send_exit(s, caf::exit_reason::user_shutdown);
  auto target = etcd.empty() ? "dagshard" : "etcd";
  out = nlohmann::json{{"target", target},
                       {"clients", clients},
                       {"ops", r.ops},
                       {"errors", r.errors},
                       {"read_percent", read_percent},
                       {"seconds", r.seconds},
                       {"ops_per_s", r.rate()},
                       {"p50_us", r.percentile_us(0.5)},
                       {"p99_us", r.percentile_us(0.99)},
                       {"p999_us", r.percentile_us(0.999)}};
  if (!js)
    std::printf("%-9s %3llu clients %8llu ops %4llu%% reads %10.0f ops/s   p50 "
                "%8.1f us  p99 %8.1f us  p999 %8.1f us  errors %llu\n",
                target, static_cast<unsigned long long>(clients),
                static_cast<unsigned long long>(r.ops),
                static_cast<unsigned long long>(read_percent), r.rate(),
                r.percentile_us(0.5), r.percentile_us(0.99),
                r.percentile_us(0.999),
                static_cast<unsigned long long>(r.errors));
  return r.errors == 0 ? 0 : 1;
}

} // namespace ds::bench
