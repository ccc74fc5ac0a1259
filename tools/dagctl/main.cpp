// dagctl: the remote console of a dagshard node.
#include <chrono>
#include <cstdlib>
#include <future>
#include <iostream>
#include <thread>

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <caf/openssl/all.hpp>

#include "client/client.hpp"
#include "tools/dagctl/commands.hpp"

namespace {

constexpr auto connect_deadline = std::chrono::seconds(2);

struct console_config : caf::actor_system_config {
  explicit console_config(const ds::dagctl::invocation& inv) {
    load<caf::io::middleman>();
    if (!inv.tls_cert.empty()) {
      openssl_certificate = inv.tls_cert;
      openssl_key = inv.tls_key;
      openssl_cafile = inv.tls_ca;
      load<caf::openssl::manager>();
    }
    ds::add_ns_message_types(*this);
    set("scheduler.max-threads", 2);
    set("middleman.heartbeat-interval",
        caf::timespan{std::chrono::milliseconds(500)});
    set("middleman.connection-timeout", caf::timespan{std::chrono::seconds(2)});
  }
};

} // namespace

int main(int argc, char** argv) {
  ds::dagctl::invocation inv;
  if (auto rc = ds::dagctl::parse_args(argc, argv, inv, std::cout, std::cerr);
      rc >= 0)
    return rc;
  std::string host;
  uint16_t port = 0;
  if (!ds::parse_host_port(inv.node, host, port)) {
    std::cerr << "dagctl: --node wants HOST:PORT, got '" << inv.node << "'\n";
    return ds::cli::usage_error;
  }
  console_config cfg{inv};
  bool tls = !inv.tls_cert.empty();
  caf::actor_system sys{cfg};
  // CAF's connect blocks and cannot be cancelled: run it on a thread and give
  // up after the deadline.
  auto result = std::make_shared<std::promise<std::optional<ds::client>>>();
  auto connect_err = std::make_shared<std::string>();
  auto fut = result->get_future();
  std::thread([&sys, host, port, result, connect_err, tls] {
    result->set_value(ds::client::connect(sys, host, port, *connect_err, tls));
  }).detach();
  if (fut.wait_for(connect_deadline) != std::future_status::ready) {
    std::cerr << "dagctl: cannot reach node " << inv.node
              << ": no answer within " << connect_deadline.count() << " s"
              << std::endl;
    std::_Exit(2);
  }
  auto cl = fut.get();
  if (!cl) {
    std::cerr << "dagctl: cannot reach node " << inv.node << ": "
              << *connect_err << std::endl;
    return 2;
  }
  return ds::dagctl::run(*cl, inv, std::cout, std::cerr);
}
