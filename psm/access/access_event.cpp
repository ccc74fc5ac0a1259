// The check of one imported access (declared in import.hpp), apart from
// the import itself: the gateway checks every access of an import with it
// before anything reaches a shard.
#include "psm/access/import.hpp"

#include "model/namespace/name.hpp"

namespace ds::access {

std::string check_event(const access_event& e) {
  if (e.dir == 0)
    return "no directory";
  if (e.op > static_cast<std::uint8_t>(op::readdir))
    return "unknown operation " + std::to_string(e.op);
  if (e.time_ms < 0)
    return "time before the epoch";
  if (e.op == static_cast<std::uint8_t>(op::readdir))
    return e.name.empty() ? "" : "a readdir names no entry";
  return validate_name(e.name) == errc::ok ? "" : "bad name '" + e.name + "'";
}

} // namespace ds::access
