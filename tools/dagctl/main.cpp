// dagctl: the remote console of a dagshard node.
#include <cstdlib>
#include <iostream>

#include <caf/actor_system.hpp>

#include "client/client.hpp"
#include "client/console.hpp"
#include "tools/dagctl/commands.hpp"

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
  ds::console_config cfg{ds::tls_files{inv.tls_cert, inv.tls_key, inv.tls_ca}};
  caf::actor_system sys{cfg};
  std::string connect_err;
  auto cl = ds::connect_within(sys, host, port, !inv.tls_cert.empty(),
                               ds::connect_deadline, connect_err);
  if (!cl) {
    std::cerr << "dagctl: cannot reach node " << inv.node << ": " << connect_err
              << std::endl;
    // A connect that timed out still runs on its thread: leave at once.
    std::_Exit(2);
  }
  auto rc = ds::dagctl::run(*cl, inv, std::cout, std::cerr);
  if (inv.command == "health") {
    // It connected to every member: a connect to a silent one may still
    // run on its thread (see connect_within), so leave without waiting.
    std::cout.flush();
    std::cerr.flush();
    std::_Exit(rc);
  }
  return rc;
}
