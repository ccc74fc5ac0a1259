// The BASP guard in front of a node's port and on its own connections to
// peers: a middleman actor of our own whose acceptor and connect hand every
// socket to a stream that runs basp_check over the bytes as they are read
// (after TLS, when the node has it), before CAF's BASP broker consumes them,
// and closes the connection at the first refused byte (the broker then sees
// an ordinary closed connection). Everything after the check is CAF's own:
// the same BASP broker serves guarded and other connections.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>

#include <caf/expected.hpp>
#include <caf/fwd.hpp>
#include <caf/io/middleman_actor.hpp>

#include "actors/guard/basp_check.hpp"

namespace ds::guard {

/// What the guard counts; read by the metrics endpoint (relaxed atomics).
struct guard_meters {
  std::atomic<uint64_t> accepted{0}; ///< connections accepted
  /// Connections closed by the guard, by refusal (index: the enum value).
  std::array<std::atomic<uint64_t>, refusal_kinds> refused{};
  /// Refusals since the last one logged (logs are rate-limited).
  std::atomic<uint64_t> unlogged{0};
  /// When a refusal was last logged (ms of the steady clock; 0: never).
  std::atomic<int64_t> last_log_ms{0};
};

class tls_context;
struct peer_certificate;

/// A TLS connection's BASP handshake stated node id `node` (32 bytes, as
/// serialized) under certificate `cert`: true binds the two for as long as
/// the connection lasts; false refuses the connection (runs on the
/// multiplexer's thread, before CAF sees the handshake).
using greet_hook =
    std::function<bool(const std::string& node, const peer_certificate& cert)>;
/// The connection that bound `node` is gone.
using close_hook = std::function<void(const std::string& node)>;

/// The guard's settings for one node.
struct guard_options {
  uint32_t max_payload = 64u << 20; ///< bytes of one message at most
  /// A connection without a handshake by then is shut down.
  std::chrono::milliseconds handshake_timeout{10'000};
  std::shared_ptr<guard_meters> meters = std::make_shared<guard_meters>();
  /// Mutual TLS on every connection (null: plaintext).
  std::shared_ptr<tls_context> tls;
  greet_hook on_greet; ///< TLS only
  close_hook on_close; ///< TLS only
};

/// At most one log line per this many ms about refused connections.
constexpr int64_t log_interval_ms = 1000;

/// Counts a refusal and logs it unless one was logged within the last
/// log_interval_ms (the next line says how many were not logged).
void note_refusal(guard_meters& m, refusal why, const std::string& peer);

/// Spawns the guarded middleman actor beside CAF's own; it shares the
/// node's BASP broker. Stop it with stop_guarded_middleman().
caf::io::middleman_actor spawn_guarded_middleman(caf::actor_system& sys,
                                                 guard_options opts);

/// Publishes `whom`, whose interface is `sigs` (actor_system's
/// message_types), on addr:port through the guarded middleman (port 0: any
/// free port). Returns the port, or CAF's error.
caf::expected<uint16_t> publish_guarded(caf::actor_system& sys,
                                        const caf::io::middleman_actor& mm,
                                        const caf::strong_actor_ptr& whom,
                                        std::set<std::string> sigs,
                                        uint16_t port, const std::string& addr);

/// Closes the port (unless 0) and ends the guarded middleman actor.
void stop_guarded_middleman(caf::actor_system& sys,
                            caf::io::middleman_actor& mm,
                            const caf::actor_addr& whom, uint16_t port);

} // namespace ds::guard
