// dagshardd: runs one dagshard node.
//   dagshardd                                   the embedded default
//   dagshardd --config-file=configs/embedded.ini
//   dagshardd --dagshard.port=5000 --dagshard.data-dir="/srv/ds"
// Stops cleanly on SIGINT or SIGTERM.
#include <pthread.h>
#include <signal.h>

#include <iostream>
#include <memory>

#include <systemd/sd-daemon.h>

#include <caf/all.hpp>

#include "actors/metrics/endpoint.hpp"
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
  std::unique_ptr<ds::metrics_endpoint> metrics;
  try {
    node = ds::start_node(sys, opts, true);
    if (opts.metrics_port != 0)
      metrics = std::make_unique<ds::metrics_endpoint>(sys, node, opts);
  } catch (const std::exception& e) {
    std::cerr << "dagshardd: cannot start: " << e.what() << std::endl;
    if (node.gateway)
      ds::stop_node(sys, node);
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
  if (metrics) {
    std::cout << "dagshardd: metrics on http://" << opts.metrics_bind << ":"
              << metrics->port() << "/metrics" << std::endl;
    metrics->set_ready();
  }
  // systemd's Type=notify: the stores are loaded and the port is open.
  sd_notify(0, "READY=1");
  int sig = 0;
  sigwait(&stop_signals, &sig);
  sd_notify(0, "STOPPING=1");
  std::cout << "dagshardd: stopping on "
            << (sig == SIGINT ? "SIGINT" : "SIGTERM") << std::endl;
  metrics.reset(); // no scrape may ask a stopped node
  ds::stop_node(sys, node);
  std::cout << "dagshardd: stopped" << std::endl;
  return 0;
}
