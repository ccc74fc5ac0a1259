#include "model/namespace/errc.hpp"

#include "model/enum_names.hpp"

namespace ds {

namespace {

constexpr enum_names<errc, 16> names{{
    "OK",
    "ENOENT",
    "EEXIST",
    "ENOTDIR",
    "EISDIR",
    "ENOTEMPTY",
    "EINVAL",
    "ENAMETOOLONG",
    "EBUSY",
    "EUNAVAILABLE",
    "EWRONGSHARD",
    "EIO",
    "ENOSPC",
    "ECONFLICT",
    "ESTALE",
    "ENOTLEADER",
}};

} // namespace

std::string_view to_string(errc x) {
  return names(x, "EUNKNOWN");
}

bool from_string(std::string_view str, errc& x) {
  return names.parse(str, x);
}

} // namespace ds
