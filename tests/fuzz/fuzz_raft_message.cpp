// Fuzz target: the wire encoding of Raft messages between metadata replicas
// and of the envelopes of shard groups between nodes
// (messages/raft_codec.hpp), the chunks of shard groups' snapshots
// (messages/group_chunk.hpp), and the voter sets that config entries carry
// (model/raft/types.hpp). Bad bytes must end in wire_error; a message, an
// envelope or a chunk that decodes must encode and decode to the same bytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "messages/group_chunk.hpp"
#include "messages/raft_codec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string in{reinterpret_cast<const char*>(data), size};
  (void)ds::raft::decode_voters(in);
  try {
    auto e = ds::decode_envelope(in);
    auto again = ds::encode_envelope(e);
    if (ds::encode_envelope(ds::decode_envelope(again)) != again)
      std::abort();
  } catch (const ds::wire_error&) {
  }
  try {
    auto c = ds::decode_group_chunk(in);
    auto again = ds::encode_group_chunk(c);
    if (ds::encode_group_chunk(ds::decode_group_chunk(again)) != again)
      std::abort();
  } catch (const ds::wire_error&) {
  }
  ds::raft::message m;
  try {
    m = ds::decode_raft_message(in);
  } catch (const ds::wire_error&) {
    return 0;
  }
  for (auto& e : m.entries)
    if (e.type == ds::raft::entry_type::config)
      (void)ds::raft::decode_voters(e.data);
  auto again = ds::encode_raft_message(m);
  if (ds::encode_raft_message(ds::decode_raft_message(again)) != again)
    std::abort();
  return 0;
}
