// Fuzz target: metadata commands as Raft log entries carry them
// (model/meta/meta_codec.hpp). Bad bytes must end in meta_codec_error; a
// command that decodes must survive a round trip, and applying it (twice,
// as a replayed log would) to the state must not break it.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "model/meta/meta_codec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string in{reinterpret_cast<const char*>(data), size};
  ds::meta_command c;
  try {
    c = ds::decode_meta_command(in);
  } catch (const ds::meta_codec_error&) {
    return 0;
  }
  auto again = ds::encode_meta_command(c);
  if (ds::encode_meta_command(ds::decode_meta_command(again)) != again)
    std::abort();
  (void)ds::validate_command(c);
  ds::meta_state s;
  (void)s.apply(c);
  (void)s.apply(c);
  // The state after the command is a snapshot that decodes again.
  ds::meta_state t;
  ds::decode_meta_state(ds::encode_meta_state(s), t);
  if (ds::encode_meta_state(t) != ds::encode_meta_state(s))
    std::abort();
  return 0;
}
