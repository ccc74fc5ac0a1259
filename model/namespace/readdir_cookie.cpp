// readdir cookies (declared in hdag.hpp): positions in the stable readdir
// order, as opaque bytes that clients send back.
#include "model/namespace/hdag.hpp"

#include "model/namespace/name.hpp"

namespace ds {

std::string readdir_cookie::encode() const {
  if (start)
    return {};
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i)
    out[i] = static_cast<char>((hash >> (56 - 8 * i)) & 0xFF);
  out += name;
  return out;
}

readdir_cookie readdir_cookie::after(uint64_t h) {
  return readdir_cookie{h, std::string(max_name_bytes + 1, '\xff'), false};
}

uint64_t readdir_cookie::next_hash() const {
  if (start)
    return 0;
  bool after_hash = name.size() == max_name_bytes + 1 && hash != ~uint64_t{0};
  return after_hash ? hash + 1 : hash;
}

bool readdir_cookie::decode(std::string_view bytes, readdir_cookie& out) {
  out = readdir_cookie{};
  if (bytes.empty())
    return true;
  if (bytes.size() < 9)
    return false;
  uint64_t h = 0;
  for (int i = 0; i < 8; ++i)
    h = (h << 8) | static_cast<uint8_t>(bytes[i]);
  auto name = bytes.substr(8);
  // A name of 256 0xff bytes is no name but the position after every name
  // of that hash: where a listing by parts continues with the next part.
  bool after_hash = name.size() == max_name_bytes + 1 &&
                    name.find_first_not_of('\xff') == std::string_view::npos;
  if (!after_hash && validate_name(name) != errc::ok)
    return false;
  out.hash = h;
  out.name = std::string{name};
  out.start = false;
  return true;
}

} // namespace ds
