// Fuzz target: readdir cookies (model/namespace/hdag.hpp). A client sends
// them back as opaque bytes; a cookie that decodes must encode to the same
// bytes and give a next hash without overflow.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "model/namespace/hdag.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in{reinterpret_cast<const char*>(data), size};
  ds::readdir_cookie c;
  if (!ds::readdir_cookie::decode(in, c))
    return 0;
  if (c.encode() != in)
    std::abort(); // a cookie must survive a round trip unchanged
  (void)c.next_hash();
  return 0;
}
