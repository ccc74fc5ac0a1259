#include "model/namespace/name.hpp"

#include <xxhash.h>

namespace ds {

uint64_t name_hash(std::string_view name) {
  return XXH3_64bits(name.data(), name.size());
}

namespace {

/// Length of the UTF-8 sequence at s[i], or 0 if it is invalid.
size_t utf8_sequence(std::string_view s, size_t i) {
  auto b = [&](size_t k) { return static_cast<uint8_t>(s[k]); };
  auto cont = [&](size_t k) { return k < s.size() && (b(k) & 0xC0) == 0x80; };
  uint8_t c = b(i);
  if (c < 0x80)
    return 1;
  if (c >= 0xC2 && c <= 0xDF)
    return cont(i + 1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (!cont(i + 1) || !cont(i + 2))
      return 0;
    uint8_t d = b(i + 1);
    if ((c == 0xE0 && d < 0xA0) || (c == 0xED && d >= 0xA0))
      return 0; // overlong or UTF-16 surrogate
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (!cont(i + 1) || !cont(i + 2) || !cont(i + 3))
      return 0;
    uint8_t d = b(i + 1);
    if ((c == 0xF0 && d < 0x90) || (c == 0xF4 && d >= 0x90))
      return 0; // overlong or above U+10FFFF
    return 4;
  }
  return 0;
}

} // namespace

errc validate_name(std::string_view name) {
  if (name.empty() || name == "." || name == "..")
    return errc::einval;
  if (name.size() > max_name_bytes)
    return errc::enametoolong;
  for (size_t i = 0; i < name.size();) {
    auto c = static_cast<uint8_t>(name[i]);
    if (c < 0x20 || c == 0x7F || c == '/')
      return errc::einval;
    auto n = utf8_sequence(name, i);
    if (n == 0)
      return errc::einval;
    i += n;
  }
  return errc::ok;
}

errc split_path(std::string_view path, std::vector<std::string>& out) {
  out.clear();
  if (path.size() > max_path_bytes)
    return errc::enametoolong;
  if (path.empty() || path[0] != '/')
    return errc::einval;
  if (path.size() == 1)
    return errc::ok;
  size_t pos = 1;
  while (true) {
    auto next = path.find('/', pos);
    auto part =
        path.substr(pos, next == std::string_view::npos ? std::string_view::npos
                                                        : next - pos);
    if (auto err = validate_name(part); err != errc::ok) {
      out.clear();
      return err;
    }
    out.emplace_back(part);
    if (out.size() > max_path_depth) {
      out.clear();
      return errc::enametoolong;
    }
    if (next == std::string_view::npos)
      return errc::ok;
    pos = next + 1;
  }
}

} // namespace ds
