#include "client/console.hpp"

#include <cstdlib>
#include <future>
#include <memory>
#include <thread>

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <caf/openssl/all.hpp>

namespace ds {

console_config::console_config(const tls_files& tls, bool idle) {
  load<caf::io::middleman>();
  if (tls.enabled()) {
    openssl_certificate = tls.cert;
    openssl_key = tls.key;
    openssl_cafile = tls.ca;
    load<caf::openssl::manager>();
  }
  add_ns_message_types(*this);
  set("scheduler.max-threads", 2);
  if (idle) {
    // Replies are deserialized on the multiplexer thread (one hand-off
    // less per call, as in dagbench).
    set("scheduler.policy", caf::atom("sharing"));
    set("middleman.workers", size_t{0});
    // Heartbeats keep the node from dropping a silent link (cluster nodes
    // time out silent links); a node silent itself (the embedded default
    // sends none) must not make us drop the link.
    set("middleman.heartbeat-interval",
        caf::timespan{std::chrono::milliseconds(200)});
    set("middleman.connection-timeout", caf::timespan{std::chrono::hours(24)});
    return;
  }
  set("middleman.heartbeat-interval",
      caf::timespan{std::chrono::milliseconds(500)});
  set("middleman.connection-timeout", caf::timespan{std::chrono::seconds(2)});
}

std::optional<client>
connect_within(caf::actor_system& sys, const std::string& host, uint16_t port,
               bool tls, std::chrono::milliseconds deadline, std::string& err) {
  struct outcome {
    std::promise<std::optional<client>> result;
    std::string err;
  };
  auto o = std::make_shared<outcome>();
  auto fut = o->result.get_future();
  std::thread([&sys, host, port, o, tls] {
    o->result.set_value(client::connect(sys, host, port, o->err, tls));
  }).detach();
  if (fut.wait_for(deadline) != std::future_status::ready) {
    auto ms = deadline.count();
    err =
        "no answer within " + (ms % 1000 == 0 ? std::to_string(ms / 1000) + " s"
                                              : std::to_string(ms) + " ms");
    return std::nullopt;
  }
  auto cl = fut.get();
  if (!cl)
    err = o->err;
  return cl;
}

bool parse_part(const std::string& s, hash_range& out) {
  auto colon = s.find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == s.size())
    return false;
  char* end = nullptr;
  auto bits = std::strtoull(s.c_str(), &end, 10);
  if (end != s.c_str() + colon || bits < 1 || bits > 32)
    return false;
  auto index = std::strtoull(s.c_str() + colon + 1, &end, 10);
  if (*end != '\0' || s[colon + 1] == '-' || index >= (uint64_t{1} << bits))
    return false;
  uint64_t span = ~uint64_t{0} >> bits;
  out.lo = index << (64 - bits);
  out.hi = out.lo | span;
  return true;
}

} // namespace ds
