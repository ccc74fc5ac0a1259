// dagshardd: runs one dagshard node.
//   dagshardd                                   the embedded default
//   dagshardd --config-file=configs/embedded.ini
//   dagshardd --dagshard.port=5000 --dagshard.data-dir="/srv/ds"
// Stops cleanly on SIGINT or SIGTERM.
#include <pthread.h>
#include <signal.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <thread>

#include <systemd/sd-daemon.h>

#include <caf/all.hpp>

#include "actors/log.hpp"
#include "actors/metrics/endpoint.hpp"
#include "actors/node.hpp"

namespace {

/// How long the actor system may take to stop after the node has.
constexpr std::chrono::seconds shutdown_watchdog{5};

} // namespace

int main(int argc, char** argv) {
  using ds::log_event;
  using ds::log_level;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      std::cout << ds::node_help();
      return 0;
    }
    if (a == "--man") {
      std::cout << ds::node_man_page();
      return 0;
    }
  }
  ds::node_config cfg;
  if (auto err = cfg.load_and_check(argc, argv); !err.empty()) {
    log_event(log_level::error, "config", "bad configuration: " + err);
    return 2;
  }
  if (cfg.cli_helptext_printed)
    return 0;
  auto& opts = cfg.options();
  ds::setup_logging(opts.log_format, opts.log_level);
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
    log_event(log_level::error, "node",
              std::string{"cannot start: "} + e.what());
    if (node.gateway)
      ds::stop_node(sys, node);
    return 1;
  }
  // The configuration refused this unless dagshard.plaintext-ok is set.
  if (!opts.tls && !ds::is_loopback_address(opts.bind))
    log_event(log_level::warn, "node",
              "plaintext on " + opts.bind +
                  " (dagshard.plaintext-ok): no authentication, anyone who "
                  "can reach this port can read and change the namespace");
  auto address = opts.bind + ":" + std::to_string(node.port);
  log_event(log_level::info, "node", "serving on " + address,
            {{"node_id", opts.node_id},
             {"shards", opts.shards},
             {"data_dir", opts.data_dir},
             {"peers", opts.peers.size()}});
  if (metrics) {
    log_event(log_level::info, "metrics",
              "metrics on http://" + opts.metrics_bind + ":" +
                  std::to_string(metrics->port()) + "/metrics");
    metrics->set_ready();
  }
  // systemd's Type=notify: the stores are loaded and the port is open.
  sd_notify(0, "READY=1");
  int sig = 0;
  sigwait(&stop_signals, &sig);
  sd_notify(0, "STOPPING=1");
  log_event(log_level::info, "node", "stopping",
            {{"signal", sig == SIGINT ? "SIGINT" : "SIGTERM"}});
  metrics.reset(); // no scrape may ask a stopped node
  ds::stop_node(sys, node);
  log_event(log_level::info, "node", "stopped");
  // Every store is closed and the data folder released. Should the actor
  // system's own shutdown (run when main returns) wait on an actor that
  // never ends, the process exits anyway, saying so, rather than hang until
  // a supervisor kills it.
  std::thread{[] {
    std::this_thread::sleep_for(shutdown_watchdog);
    log_event(log_level::error, "node",
              "the actor system did not finish stopping within 5 s; exiting "
              "without it (every store was closed before)");
    std::_Exit(0);
  }}.detach();
  return 0;
}
