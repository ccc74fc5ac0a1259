// Co-access as the shards' heavy-hitter sketches show it: a hot name that is
// a subdirectory links the part holding the name to that directory, since
// the accesses inside it come through its lookups. A node's forecaster
// keeps the links its shards report, slot by slot, and gives the planner
// each part's links as rates over its recent slots (planner.hpp, step 2:
// parts used together join one cluster). In memory: after a restart the
// links are learnt again from the next slots' reports.
#pragma once

#include <cstdint>
#include <map>
#include <utility>
#include <vector>

#include "psm/access/series_key.hpp"

namespace ds::access {

class co_access_book {
public:
  /// Keeps the counts of the last `retain` >= 1 slots.
  explicit co_access_book(std::uint64_t retain = 1);

  /// `count` lookups of subdirectory `child` in part `part`'s slot `slot`
  /// (added to what that slot already has). Slots older than the newest
  /// seen minus `retain` are dropped.
  void add(const series_key& part, std::uint64_t child, std::uint64_t slot,
           double count);

  /// The links of `part`: each child with its mean rate (ops/s) over the
  /// `window` slots up to `newest` (slots of `slot_seconds`), children in
  /// increasing order, none without a count in the window.
  std::vector<std::pair<std::uint64_t, double>>
  leads(const series_key& part, std::uint64_t newest, std::uint64_t window,
        double slot_seconds) const;

  /// Links kept (part, child pairs).
  std::size_t size() const;

private:
  void drop_before(std::uint64_t slot);

  std::uint64_t retain_;
  std::uint64_t newest_ = 0;
  /// part -> child -> slot -> count
  std::map<series_key, std::map<std::uint64_t, std::map<std::uint64_t, double>>>
      links_;
};

} // namespace ds::access
