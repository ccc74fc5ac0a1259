// The node's HTTP port for operators (dagshard.metrics-port): Prometheus
// metrics, health for load balancers and probes, readiness for start-up.
//   GET /metrics  the text format of node_collector
//   GET /health   200 "ok" when the node serves its shards and its metadata
//                 replica knows a leader; 503 and the reason otherwise
//   GET /ready    200 once start-up (stores loaded, peers greeted) is over;
//                 503 before
// Served by civetweb (the server prometheus-cpp's own exposer uses) on its
// own threads; every answer asks the node's actors with a deadline.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "actors/metrics/collector.hpp"

class CivetServer;

namespace ds {

class metrics_endpoint {
public:
  /// Listens on bind:port (port 0: any free one); throws node_error.
  metrics_endpoint(caf::actor_system& sys, const node_handles& node,
                   const node_options& opts);
  ~metrics_endpoint();

  /// The port it listens on.
  uint16_t port() const { return port_; }

  /// Start-up is over: /ready answers 200 from now on.
  void set_ready() { ready_ = true; }
  bool ready() const { return ready_; }

  const node_collector& collector() const { return *collector_; }

private:
  struct handlers;
  std::shared_ptr<node_collector> collector_;
  std::unique_ptr<handlers> handlers_;
  std::unique_ptr<CivetServer> server_;
  std::atomic<bool> ready_{false};
  uint16_t port_ = 0;
};

} // namespace ds
