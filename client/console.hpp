// What the consoles (dagctl, dagsh) share before they have a client: the
// actor system's configuration and a connect with a deadline.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include <caf/actor_system_config.hpp>

#include "client/client.hpp"

namespace ds {

/// Certificate, key and CA of a console's mutual TLS; all empty: plain.
struct tls_files {
  std::string cert;
  std::string key;
  std::string ca;
  bool enabled() const { return !cert.empty(); }
};

/// A console's actor system: the middleman (with OpenSSL when `tls` is
/// enabled), the namespace's message types, two scheduler threads. A
/// one-shot console (dagctl) sends heartbeats so that a silent node is
/// noticed within about 2 s; a console that sits idle between calls
/// (dagsh, `idle = true`) keeps its link alive with heartbeats but never
/// drops it for the node's silence, relying on each call's deadline and on
/// the link's close instead.
struct console_config : caf::actor_system_config {
  explicit console_config(const tls_files& tls, bool idle = false);
};

/// How long a console waits for a node to answer its connect.
constexpr auto connect_deadline = std::chrono::seconds(2);

/// Connects to host:port, giving up after `deadline`. CAF's connect blocks
/// and cannot be cancelled, so it runs on a detached thread that keeps a
/// reference to `sys`: after a timeout the caller must leave the process
/// with std::_Exit rather than destroy `sys`. No client and a message in
/// `err` when the node cannot be reached.
std::optional<client>
connect_within(caf::actor_system& sys, const std::string& host, uint16_t port,
               bool tls, std::chrono::milliseconds deadline, std::string& err);

/// Parses "BITS:INDEX", the INDEX-th of the 2^BITS equal parts of the hash
/// space (1 <= BITS <= 32, INDEX < 2^BITS); false for anything else.
bool parse_part(const std::string& s, hash_range& out);

} // namespace ds
