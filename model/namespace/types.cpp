#include "model/namespace/types.hpp"

#include "model/enum_names.hpp"

namespace ds {

namespace {
constexpr enum_names<entry_kind, 3> kind_names{{"file", "dir", "symlink"}};
} // namespace

const char* to_string(entry_kind k) {
  return kind_names(k);
}

} // namespace ds
