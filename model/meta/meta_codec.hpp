// The byte encoding (msgpack) of metadata commands, as they travel in Raft
// log entries, and of the metadata state machine, as it travels in
// snapshots. Decoders throw meta_codec_error on malformed input and never
// return a half-filled value.
#pragma once

#include <stdexcept>
#include <string>

#include "model/meta/meta_state.hpp"

namespace ds {

/// A log entry or snapshot that does not decode.
struct meta_codec_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::string encode_meta_command(const meta_command& c);
/// Throws meta_codec_error.
meta_command decode_meta_command(const std::string& bytes);

std::string encode_meta_state(const meta_state& s);
/// Replaces `out` by the decoded state; throws meta_codec_error (and leaves
/// `out` unchanged).
void decode_meta_state(const std::string& bytes, meta_state& out);

} // namespace ds
