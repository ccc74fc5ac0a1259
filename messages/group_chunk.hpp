// One chunk of a shard group's snapshot, streamed from the group's leader to
// a follower whose log is behind the leader's compacted log. The state is
// sent in chunks of a bounded size, one at a time, each acknowledged, so a
// large shard never travels as one message. The last chunk carries the
// point the state stands for. Bytes from the network are untrusted: the
// decoder throws wire_error on anything malformed.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "messages/raft_codec.hpp"

namespace ds {

struct group_chunk {
  uint32_t group = 0;
  uint64_t from = 0;     ///< the leader's Raft id
  uint64_t transfer = 0; ///< the leader's number for this transfer
  uint32_t seq = 0;      ///< from 0, in order
  bool last = false;
  uint64_t leader_term = 0; ///< the leader's term when the transfer began
  /// The last chunk: the log index the state holds, its term, and the
  /// group's voters as of there (otherwise 0, 0, empty).
  uint64_t index = 0;
  uint64_t index_term = 0;
  std::vector<uint64_t> voters;
  std::string data; ///< opaque to the host: the sink's own chunk
};

/// [version=1, group, from, transfer, seq, last, leader_term, index,
/// index_term, [voter...], data].
std::string encode_group_chunk(const group_chunk& c);
/// Throws wire_error; a last chunk needs an index and voters.
group_chunk decode_group_chunk(const std::string& bytes);

} // namespace ds
