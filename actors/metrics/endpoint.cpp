#include "actors/metrics/endpoint.hpp"

#include <sstream>

#include <CivetServer.h>
#include <prometheus/text_serializer.h>

namespace ds {

namespace {

void reply(mg_connection* conn, int status, const char* content_type,
           const std::string& body) {
  mg_printf(conn,
            "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
            "Connection: close\r\n\r\n",
            status, status == 200 ? "OK" : "Service Unavailable", content_type,
            body.size());
  mg_write(conn, body.data(), body.size());
}

constexpr const char* text = "text/plain; charset=utf-8";

struct metrics_handler : CivetHandler {
  const node_collector* collector = nullptr;
  bool handleGet(CivetServer*, mg_connection* conn) override {
    std::ostringstream out;
    prometheus::TextSerializer{}.Serialize(out, collector->Collect());
    reply(conn, 200, "text/plain; version=0.0.4; charset=utf-8", out.str());
    return true;
  }
};

struct health_handler : CivetHandler {
  const node_collector* collector = nullptr;
  bool handleGet(CivetServer*, mg_connection* conn) override {
    auto v = collector->health();
    reply(conn, v.ok ? 200 : 503, text, v.ok ? "ok\n" : v.reason + "\n");
    return true;
  }
};

struct ready_handler : CivetHandler {
  const metrics_endpoint* endpoint = nullptr;
  bool handleGet(CivetServer*, mg_connection* conn) override {
    bool ok = endpoint->ready() && endpoint->collector().peers_greeted();
    reply(conn, ok ? 200 : 503, text, ok ? "ready\n" : "starting\n");
    return true;
  }
};

} // namespace

struct metrics_endpoint::handlers {
  metrics_handler metrics;
  health_handler health;
  ready_handler ready;
};

metrics_endpoint::metrics_endpoint(caf::actor_system& sys,
                                   const node_handles& node,
                                   const node_options& opts)
    : collector_(std::make_shared<node_collector>(sys, node, opts.node_id)),
      handlers_(std::make_unique<handlers>()) {
  handlers_->metrics.collector = collector_.get();
  handlers_->health.collector = collector_.get();
  handlers_->ready.endpoint = this;
  auto where = opts.metrics_bind + ":" + std::to_string(opts.metrics_port);
  try {
    // Two threads: scrapes and probes are rare, and each waits on actors.
    server_ = std::make_unique<CivetServer>(
        std::vector<std::string>{"listening_ports", where, "num_threads", "2"});
  } catch (const CivetException& e) {
    throw node_error("cannot serve metrics on " + where + ": " + e.what());
  }
  server_->addHandler("/metrics$", handlers_->metrics);
  server_->addHandler("/health$", handlers_->health);
  server_->addHandler("/ready$", handlers_->ready);
  auto ports = server_->getListeningPorts();
  port_ = ports.empty() ? opts.metrics_port : static_cast<uint16_t>(ports[0]);
}

metrics_endpoint::~metrics_endpoint() {
  // Stop serving before the handlers and the node they ask go away.
  if (server_)
    server_->close();
}

} // namespace ds
