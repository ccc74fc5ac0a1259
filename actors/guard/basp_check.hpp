// The BASP guard's rules: a check of the byte stream that a client sends to
// a node's published port, fed as the bytes arrive and before CAF's BASP
// broker sees them. Pure: no CAF, no sockets (the wire layout below is CAF
// 0.17's, checked against what its nodes and consoles send).
//
// Why it exists: CAF 0.17.6 takes a handshake header with an empty payload
// as valid and then reads the missing payload through a null pointer (the
// node dies of SIGSEGV from one 32-byte header), and it allocates and
// zero-fills whatever payload size a header claims, up to 4 GiB, before
// reading any of it. docs/ARCHITECTURE.md ("The BASP guard") has the story.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

namespace ds::guard {

/// A BASP header: operation (1 byte), two padding bytes, flags (1),
/// payload length (4), operation data (8), source and destination actor
/// (8 each); integers big-endian.
constexpr size_t header_bytes = 32;

/// A client handshake's payload is the client's node id as CAF 0.17 writes
/// it: the implementation atom "default" (8 bytes), the process id (4) and
/// the 20-byte host id.
constexpr size_t node_id_bytes = 32;

/// The atom_value of "default", CAF's class id of a host-and-process node id.
constexpr uint64_t default_node_id_class = 0x00003e9aab9bac79ull;

/// Why a connection was refused; `none` while its bytes are well-formed.
enum class refusal : uint8_t {
  none,
  unknown_operation, ///< operation byte above 6 (heartbeat)
  no_handshake,      ///< the first frame is not a client handshake
  server_handshake,  ///< a server handshake sent to a server
  bad_header,        ///< fields that CAF requires for this operation
  bad_handshake,     ///< a handshake payload that is not a node id
  own_node_id,       ///< a handshake that claims to be this node
  oversized,         ///< payload length above the node's cap
  handshake_timeout, ///< no handshake within the node's handshake-timeout
  client_handshake,  ///< a client handshake sent to a client
  forged_source,     ///< a console's frame that names another node as source
  tls_handshake,     ///< the TLS handshake failed (no certificate of the CA)
  certificate,       ///< a certificate that does not fit what it claims
  backlog,           ///< a peer that does not read what the node sends it
};

/// Number of refusal kinds, `none` included.
constexpr size_t refusal_kinds = 14;

/// Which end of the connection this node is: `accepted` on its published
/// port (the peer must open with a client handshake), `outgoing` when it
/// connected (the peer must open with a server handshake).
enum class conn_side : uint8_t { accepted, outgoing };

/// A short name for logs and metric labels ("oversized", ...).
const char* to_string(refusal r);

/// The checked stream of one accepted connection.
class basp_check {
public:
  /// `max_payload`: the most bytes one message may carry (bytes, > 0).
  /// `own_node`: this node's id as a client handshake carries it (32 bytes),
  /// or empty to skip that check.
  basp_check(uint32_t max_payload, std::string own_node,
             conn_side side = conn_side::accepted);

  /// From now on, a frame that names a source node in its payload (routed,
  /// monitor and down messages) must name the node of the handshake: the
  /// connection of a console, which speaks for itself only.
  void speak_for_self_only() { strict_source_ = true; }

  /// Feeds the next `n` bytes received. Returns the refusal, if any; once
  /// refused, every later call returns the same.
  refusal feed(const char* data, size_t n);

  /// Whole frames accepted so far.
  uint64_t frames() const { return frames_; }

  /// A well-formed handshake (client's, or server's when outgoing) has
  /// arrived.
  bool greeted() const { return greeted_; }

  /// The node id that the handshake stated (32 bytes, as serialized);
  /// empty before it.
  const std::string& node() const { return node_id_; }

private:
  refusal check_header();
  refusal check_handshake_payload() const;
  refusal check_lead();

  uint32_t max_payload_;
  std::string own_node_;
  conn_side side_;
  bool strict_source_ = false;
  std::string node_id_;
  std::array<uint8_t, header_bytes> header_{};
  size_t header_have_ = 0;
  /// Payload bytes still to come for the current frame.
  uint64_t payload_left_ = 0;
  /// The current frame starts with a node id (a handshake; with strict
  /// sources, a routed, monitor or down message): its first bytes are kept
  /// here and checked once whole.
  enum class lead : uint8_t { none, handshake, source } lead_ = lead::none;
  std::array<uint8_t, node_id_bytes> node_{};
  size_t node_have_ = 0;
  bool greeted_ = false;
  uint64_t frames_ = 0;
  refusal verdict_ = refusal::none;
};

} // namespace ds::guard
