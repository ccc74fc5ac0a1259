// The wire encoding (msgpack) of Raft messages between metadata replicas,
// and of the envelopes that carry shard groups' messages between nodes.
// Bytes from the network are untrusted: the decoder throws wire_error on
// anything malformed and never returns a half-filled message.
#pragma once

#include <stdexcept>
#include <string>

#include "model/raft/multi.hpp"
#include "model/raft/types.hpp"

namespace ds {

/// Bytes from another node that do not decode.
struct wire_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::string encode_raft_message(const raft::message& m);
/// Throws wire_error.
raft::message decode_raft_message(const std::string& bytes);

/// The messages of many groups from one node to another (multi-Raft).
std::string encode_envelope(const raft::envelope& e);
/// Throws wire_error, also for a message whose sender or receiver is not the
/// envelope's.
raft::envelope decode_envelope(const std::string& bytes);

} // namespace ds
