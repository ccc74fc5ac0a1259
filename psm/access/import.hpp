// Imported accesses (an access log or a dagbench trace, `dagctl psm
// import`) counted into slots on the parts a shard holds now, as if the
// shard had served them then.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "psm/access/shard_log.hpp"

namespace ds::access {

/// One access of an imported log, its path resolved to the directory's
/// inode.
struct access_event {
  std::uint64_t dir = 0;    ///< the directory's inode (> 0)
  std::string name;         ///< the name accessed; empty for a readdir
  std::uint8_t op = 0;      ///< an op (0..3)
  std::int64_t time_ms = 0; ///< ms since the epoch (>= 0)
};

/// "" if `e` is well formed, else why not: a directory, an op of 0..3, a
/// valid name (none for a readdir), a time >= 0.
std::string check_event(const access_event& e);

/// The slots of an import, oldest first.
struct imported_slots {
  std::vector<std::pair<std::uint64_t, slot_counts>> slots;
  std::uint64_t counted = 0;
  std::uint64_t skipped = 0; ///< names `core` does not serve
};

/// Counts well-formed `events` into slots of `slot_seconds` (> 0) on the
/// parts `core` serves now (a readdir on the part holding hash 0); each
/// slot with the entries of its parts now and a sketch of k names.
imported_slots import_events(const ns_shard& core,
                             const std::vector<access_event>& events,
                             double slot_seconds, std::size_t k = 32);

} // namespace ds::access
