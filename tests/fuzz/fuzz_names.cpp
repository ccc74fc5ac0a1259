// Fuzz target: entry names and paths (model/namespace/name.hpp). Any bytes
// are a name and a path to check; what is accepted must obey the rules the
// rest of the namespace relies on.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "model/namespace/name.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in{reinterpret_cast<const char*>(data), size};
  (void)ds::name_hash(in);
  if (ds::validate_name(in) == ds::errc::ok) {
    if (in.empty() || in.size() > ds::max_name_bytes ||
        in.find('/') != std::string_view::npos ||
        in.find('\0') != std::string_view::npos || in == "." || in == "..")
      std::abort(); // accepted a name the rules refuse
  }
  std::vector<std::string> parts;
  if (ds::split_path(in, parts) == ds::errc::ok) {
    // An accepted path is its components joined again, each a valid name.
    std::string joined = parts.empty() ? "/" : "";
    for (auto& p : parts) {
      if (ds::validate_name(p) != ds::errc::ok)
        std::abort();
      joined += "/" + p;
    }
    if (joined != in || parts.size() > ds::max_path_depth)
      std::abort();
  }
  return 0;
}
