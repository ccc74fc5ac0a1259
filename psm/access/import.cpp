#include "psm/access/import.hpp"

#include <cmath>
#include <map>

#include "model/namespace/name.hpp"

namespace ds::access {

imported_slots import_events(const ns_shard& core,
                             const std::vector<access_event>& events,
                             double slot_seconds, std::size_t k) {
  struct slot_log {
    part_table parts{16};
    hot_names names;
    explicit slot_log(std::size_t k) : names(k) {}
  };
  std::map<std::uint64_t, slot_log> logs;
  imported_slots out;
  for (auto& e : events) {
    auto o = static_cast<op>(e.op);
    std::uint64_t h = o == op::readdir ? 0 : name_hash(e.name);
    auto held = core.parts(e.dir);
    if (held && !held->reads(h)) {
      ++out.skipped; // its part lives on another shard now
      continue;
    }
    auto slot = static_cast<std::uint64_t>(
        std::floor(static_cast<double>(e.time_ms) / (slot_seconds * 1000)));
    auto& log = logs.try_emplace(slot, k).first->second;
    auto range = core.served_part(e.dir, h);
    log.parts.count(part_ref{e.dir, range.lo, range.hi}, o);
    if (o != op::readdir)
      log.names.add(e.dir, h, e.name);
    ++out.counted;
  }
  for (auto& [slot, log] : logs)
    out.slots.emplace_back(slot, collect(core, log.parts.take(), log.names));
  return out;
}

} // namespace ds::access
