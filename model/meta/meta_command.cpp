#include "model/meta/meta_command.hpp"

#include "model/enum_names.hpp"

namespace ds {

namespace {
// In the variant's order.
constexpr enum_names<std::size_t, std::variant_size_v<meta_command>> kind_names{
    {"config_set", "migration_begin", "migration_commit", "migration_abort",
     "psm_record", "migration_progress", "migration_settled"}};
} // namespace

const char* kind_name(const meta_command& c) {
  return kind_names(c.index());
}

} // namespace ds
