// Where a handle-addressed request goes: the choice of a shard from a
// directory's cached placement, and the cut of a readdir at the end of the
// part it starts in. Pure: the router keeps the cache and sends.
#pragma once

#include <cstdint>

#include "model/meta/meta_state.hpp"
#include "model/namespace/ns_ops.hpp"

namespace ds {

/// The stretch of hashes around `h` that one shard serves by placement
/// `p`: the part holding `h`, or the gap between parts that the home keeps.
struct placement_segment {
  uint64_t lo = 0;
  uint64_t hi = ~uint64_t{0};
  uint32_t shard = 0;
};

/// The segment of `p` holding hash `h` (`home`: the directory's home shard).
placement_segment segment_of(const dir_placement& p, uint64_t h, uint32_t home);

/// The shard for `r` by the cached placement `p` of its directory (nullptr:
/// none cached, the home). A readdir's `until` is cut to the end of the part
/// it starts in, and never past `limit`, the caller's own end: one part is
/// listed at a time. A request whose name or cookie is malformed goes home,
/// where the shard refuses it.
uint32_t choose_shard(ns_request& r, const dir_placement* p, uint32_t home,
                      uint64_t limit);

/// Takes in one part's placement learned from a shard's redirect: the part
/// replaces what `p` said of its range, unless `p` knows of a later move
/// overlapping it. `p`'s epoch stays (it still dates the rest of the map,
/// so a pushed or read map replaces it). False if nothing changed.
bool learn_part(dir_placement& p, const placement_entry& e);

/// The shard holding hash `h` of a directory by `p` (nullptr: the home).
uint32_t holder_of(const dir_placement* p, uint64_t h, uint32_t home);

/// A readdir page that ended at a part boundary cut by choose_shard, not at
/// the caller's `limit`, continues: not eof, and a cookie that starts the
/// next page in the next part.
void continue_at_cut(const ns_request& r, uint64_t limit, ns_reply& out);

} // namespace ds
