// Drives cluster settings through every node of a running cluster from many
// clients, records each operation's call and return times and result, and
// checks the history for linearizability (per key, Wing & Gong). A set whose
// answer did not come (timeout, node killed) may or may not have taken
// effect. Ends with a read of every key through every node, so every
// acknowledged set must still be visible. Used by tests/e2e/raft_test.sh
// while nodes are killed and restarted. Odd-numbered clients go through
// settings sessions shared per node (the client library's batching), even
// ones send each request alone, so both paths are in the same history.
//
// Usage: kv_history NODE[,NODE...] CLIENTS SECONDS KEYS SEED
// Exit: 0 linearizable, 1 not (the offending key is printed), 2 usage/setup.
#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include <atomic>
#include <chrono>
#include <iostream>
#include <mutex>
#include <random>
#include <sstream>
#include <thread>

#include "client/client.hpp"
#include "client/settings_session.hpp"
#include "messages/ns.hpp"
#include "tests/support/linearizability.hpp"

using namespace ds;

namespace {

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

struct endpoint {
  std::string host;
  uint16_t port;
};

std::optional<client> connect_any(caf::actor_system& sys,
                                  const std::vector<endpoint>& eps,
                                  size_t start) {
  for (size_t k = 0; k < eps.size(); ++k) {
    auto& e = eps[(start + k) % eps.size()];
    std::string err;
    if (auto c = client::connect(sys, e.host, e.port, err))
      return c;
  }
  return std::nullopt;
}

/// A client and its settings session, shared by the workers that reach
/// the same node; replaced when an operation through it fails.
struct shared_session {
  std::optional<client> cl;
  settings_session_actor session;
};

/// Sets or reads through a session from a worker thread.
struct session_ops {
  caf::actor_system& sys;
  std::mutex mu;
  std::vector<endpoint> eps;
  std::vector<shared_session> by_node;

  /// The session of node `n` (connecting first if needed), or null.
  settings_session_actor get(size_t n, caf::timespan& timeout) {
    std::lock_guard<std::mutex> g(mu);
    auto& s = by_node[n];
    if (!s.session) {
      std::string err;
      s.cl = client::connect(sys, eps[n].host, eps[n].port, err);
      if (!s.cl)
        return {};
      s.session =
          spawn_settings_session(sys, s.cl->gateway(), {s.cl->timeout(), 4});
    }
    timeout = s.cl->timeout();
    return s.session;
  }
  /// Drops node `n`'s session if it is still `used`.
  void drop(size_t n, const settings_session_actor& used) {
    std::lock_guard<std::mutex> g(mu);
    auto& s = by_node[n];
    if (s.session == used) {
      caf::anon_send_exit(s.session, caf::exit_reason::user_shutdown);
      s = shared_session{};
    }
  }
};

} // namespace

int main(int argc, char** argv) {
  if (argc != 6) {
    std::cerr << "usage: kv_history NODE[,NODE...] CLIENTS SECONDS KEYS SEED\n";
    return 2;
  }
  std::vector<endpoint> eps;
  std::stringstream ss(argv[1]);
  for (std::string item; std::getline(ss, item, ',');) {
    auto colon = item.rfind(':');
    eps.push_back({item.substr(0, colon),
                   static_cast<uint16_t>(std::stoi(item.substr(colon + 1)))});
  }
  int clients = std::stoi(argv[2]);
  int seconds = std::stoi(argv[3]);
  int keys = std::stoi(argv[4]);
  uint64_t seed = std::stoull(argv[5]);
  caf::actor_system_config cfg;
  add_ns_message_types(cfg);
  cfg.load<caf::io::middleman>();
  cfg.set("scheduler.max-threads", 2);
  cfg.set("middleman.heartbeat-interval",
          caf::timespan{std::chrono::milliseconds(500)});
  cfg.set("middleman.connection-timeout",
          caf::timespan{std::chrono::seconds(2)});
  caf::actor_system sys{cfg};

  session_ops sessions{sys, {}, eps, std::vector<shared_session>(eps.size())};
  std::mutex mu;
  std::vector<lin::op> history;
  std::atomic<uint64_t> acked{0}, failed{0}, reads{0};
  auto deadline = now_ns() + int64_t{seconds} * 1'000'000'000;
  auto worker = [&](int id) {
    std::mt19937_64 rng(seed * 1000 + id);
    std::optional<client> cl;
    uint64_t seq = 0;
    bool via_session = id % 2 == 1;
    size_t node = rng() % eps.size();
    caf::scoped_actor self{sys};
    while (now_ns() < deadline) {
      settings_session_actor ses;
      caf::timespan timeout{0};
      if (via_session ? !(ses = sessions.get(node, timeout))
                      : !cl && !(cl = connect_any(sys, eps, node))) {
        node = rng() % eps.size();
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        continue;
      }
      // Through the session, a failure drops it and the next operation
      // goes to another node, as a direct client's does.
      auto failed_here = [&] {
        if (via_session)
          sessions.drop(node, ses);
        else
          cl.reset();
        node = rng() % eps.size();
      };
      lin::op o;
      o.key = "k" + std::to_string(rng() % keys);
      bool write = rng() % 2 == 0;
      o.call = now_ns();
      if (write) {
        o.kind = lin::op::write;
        o.value = std::to_string(id) + "." + std::to_string(++seq);
        meta_result r{errc::eunavailable, 0, 0};
        if (via_session) {
          meta_command c = config_set{o.key, o.value};
          self->request(ses, timeout, meta_atom::value, c)
              .receive([&](meta_result& x) { r = x; }, [](caf::error&) {});
        } else {
          r = cl->config_set(o.key, o.value);
        }
        o.ret = now_ns();
        if (r.code == errc::ok) {
          ++acked;
        } else {
          o.answered = false; // may still take effect
          o.ret = std::numeric_limits<int64_t>::max();
          ++failed;
          failed_here(); // try another node next time
        }
      } else {
        o.kind = lin::op::read;
        errc code = errc::ok;
        config_entry e;
        if (via_session)
          self->request(ses, timeout, cfg_get_atom::value, o.key)
              .receive([&](config_entry& x) { e = std::move(x); },
                       [&](caf::error&) { code = errc::eunavailable; });
        else
          e = cl->config_get(o.key, code);
        o.ret = now_ns();
        if (code != errc::ok) {
          failed_here();
          continue; // a failed read has no effect
        }
        ++reads;
        if (e.version != 0)
          o.result = e.value;
      }
      std::lock_guard<std::mutex> g(mu);
      history.push_back(std::move(o));
    }
  };
  std::vector<std::thread> ts;
  for (int i = 0; i < clients; ++i)
    ts.emplace_back(worker, i);
  for (auto& t : ts)
    t.join();
  for (auto& s : sessions.by_node)
    if (s.session)
      caf::anon_send_exit(s.session, caf::exit_reason::user_shutdown);
  // Final reads through every node: every acknowledged set must be there.
  for (size_t n = 0; n < eps.size(); ++n) {
    std::optional<client> cl;
    for (int attempt = 0; attempt < 50 && !cl; ++attempt) {
      std::string err;
      cl = client::connect(sys, eps[n].host, eps[n].port, err);
      if (!cl)
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    if (!cl) {
      std::cerr << "kv_history: node " << n << " unreachable at the end\n";
      return 2;
    }
    for (int k = 0; k < keys; ++k) {
      lin::op o;
      o.kind = lin::op::read;
      o.key = "k" + std::to_string(k);
      errc code = errc::eunavailable;
      config_entry e;
      for (int attempt = 0; attempt < 20 && code != errc::ok; ++attempt) {
        o.call = now_ns();
        e = cl->config_get(o.key, code);
        o.ret = now_ns();
      }
      if (code != errc::ok) {
        std::cerr << "kv_history: final read of " << o.key << " failed\n";
        return 2;
      }
      if (e.version != 0)
        o.result = e.value;
      history.push_back(std::move(o));
    }
  }
  auto v = lin::check(history);
  std::cout << "operations " << history.size() << ", acknowledged sets "
            << acked << ", sets without answer " << failed << ", reads "
            << reads << "\n";
  if (v.gave_up) {
    std::cout << "linearizability: search gave up on key " << v.key << "\n";
    return 2;
  }
  if (!v.linearizable) {
    std::cout << "NOT linearizable: key " << v.key << ": " << v.detail << "\n";
    return 1;
  }
  std::cout << "linearizable\n";
  return acked > 0 ? 0 : 2;
}
