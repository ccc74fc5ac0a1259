// Byte encodings (msgpack) of what the metadata Raft group moves around:
// Raft messages on the wire, metadata commands in log entries, and the
// metadata state machine in snapshots. Decoders throw sql::storage_error on
// malformed input and never return a half-filled value.
#pragma once

#include <string>

#include "model/meta_state.hpp"
#include "model/raft/types.hpp"

namespace ds {

std::string encode_raft_message(const raft::message& m);
raft::message decode_raft_message(const std::string& bytes);

std::string encode_meta_command(const meta_command& c);
meta_command decode_meta_command(const std::string& bytes);

std::string encode_meta_state(const meta_state& s);
void decode_meta_state(const std::string& bytes, meta_state& out);

} // namespace ds
