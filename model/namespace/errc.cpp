#include "model/namespace/errc.hpp"

#include <array>

namespace ds {

namespace {

constexpr std::array<std::string_view, 14> names = {
    "OK",          "ENOENT", "EEXIST",       "ENOTDIR",   "EISDIR",
    "ENOTEMPTY",   "EINVAL", "ENAMETOOLONG", "EBUSY",     "EUNAVAILABLE",
    "EWRONGSHARD", "EIO",    "ENOSPC",       "ECONFLICT",
};

} // namespace

std::string_view to_string(errc x) {
  auto i = static_cast<size_t>(x);
  return i < names.size() ? names[i] : std::string_view{"EUNKNOWN"};
}

bool from_string(std::string_view str, errc& x) {
  for (size_t i = 0; i < names.size(); ++i)
    if (names[i] == str) {
      x = static_cast<errc>(i);
      return true;
    }
  return false;
}

} // namespace ds
