// What one PSM series is about: a whole directory, or one of its parts (a
// hash range of its DAG). Shared by the history store, the shards' slot
// reports and the forecaster, so that all three name a series alike.
#pragma once

#include <cstdint>
#include <string>
#include <tuple>

namespace ds::access {

/// A directory's series, or one part's. A directory's series is the sum of
/// its parts' (the forecaster adds them up), kept apart because the planner
/// clusters directories and parts alike.
struct series_key {
  std::string dir;      ///< directory id, as the shards name it
  bool part = false;    ///< false: the whole directory (lo, hi unused, 0)
  std::uint64_t lo = 0; ///< first hash of the part's range (inclusive)
  std::uint64_t hi = 0; ///< last hash of the part's range (inclusive)

  static series_key directory(std::string d) {
    return {std::move(d), false, 0, 0};
  }
  static series_key range(std::string d, std::uint64_t lo, std::uint64_t hi) {
    return {std::move(d), true, lo, hi};
  }
  friend bool operator<(const series_key& a, const series_key& b) {
    return std::tie(a.dir, a.part, a.lo, a.hi) <
           std::tie(b.dir, b.part, b.lo, b.hi);
  }
  friend bool operator==(const series_key& a, const series_key& b) {
    return std::tie(a.dir, a.part, a.lo, a.hi) ==
           std::tie(b.dir, b.part, b.lo, b.hi);
  }
};

} // namespace ds::access
