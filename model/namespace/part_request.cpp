#include "model/namespace/part_request.hpp"

#include "model/enum_names.hpp"

namespace ds {

namespace {
// In the variant's order.
constexpr enum_names<std::size_t, std::variant_size_v<part_request>> step_names{
    {"begin_export", "release", "thaw", "import", "activate", "discard",
     "unresolved", "copy", "freeze", "patch"}};
} // namespace

const char* step_name(const part_request& r) {
  return step_names(r.index());
}

} // namespace ds
