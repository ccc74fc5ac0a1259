// dagshardd: runs one dagshard node.
//   dagshardd                                   the embedded default
//   dagshardd --config-file=configs/embedded.ini
//   dagshardd --dagshard.port=5000 --dagshard.data-dir="/srv/ds"
// Stops cleanly on SIGINT or SIGTERM.
#include <pthread.h>
#include <signal.h>

#include <iostream>

#include <caf/all.hpp>

#include "actors/node.hpp"

namespace {

bool is_loopback(const std::string& addr) {
  return addr.rfind("127.", 0) == 0 || addr == "localhost" || addr == "::1";
}

} // namespace

int main(int argc, char** argv) {
  ds::node_config cfg;
  if (auto err = cfg.load_and_check(argc, argv); !err.empty()) {
    std::cerr << "dagshardd: bad configuration: " << err << std::endl;
    return 2;
  }
  if (cfg.cli_helptext_printed)
    return 0;
  auto& opts = cfg.options();
  // Block the stop signals in every thread; main waits for them below.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  caf::actor_system sys{cfg};
  ds::node_handles node;
  try {
    node = ds::start_node(sys, opts, true);
  } catch (const std::exception& e) {
    std::cerr << "dagshardd: cannot start: " << e.what() << std::endl;
    return 1;
  }
  if (!is_loopback(opts.bind))
    std::cout << "dagshardd: WARNING: listening on " << opts.bind
              << " without authentication; anyone who can reach this port "
                 "can change the namespace"
              << std::endl;
  std::cout << "dagshardd: serving on " << opts.bind << ":" << node.port
            << " with " << opts.shards << " shards, data in " << opts.data_dir
            << std::endl;
  int sig = 0;
  sigwait(&stop_signals, &sig);
  std::cout << "dagshardd: stopping on "
            << (sig == SIGINT ? "SIGINT" : "SIGTERM") << std::endl;
  ds::stop_node(sys, node);
  std::cout << "dagshardd: stopped" << std::endl;
  return 0;
}
