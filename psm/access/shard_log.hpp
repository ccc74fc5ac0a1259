// A shard's access log: what the shard served in the current slot, per part
// and per operation kind, and its hottest names. The shard actor records
// each request it served and, once per slot, takes the slot's counts for
// its node's PSM forecaster.
#pragma once

#include <cstdint>
#include <vector>

#include "model/namespace/ns_shard.hpp"
#include "psm/access/hot_names.hpp"
#include "psm/access/part_table.hpp"

namespace ds::access {

/// The kind a request counts as: lookups, creates (files and directories),
/// deletes (unlink, rmdir's unlink) and readdirs. False for the rest
/// (rmdir's other steps, locate, split): they are not client load.
bool counted_op(ns_op o, op& out);

/// One part's counts in a slot, with its entries at the slot's end.
struct part_slot {
  part_ref part;
  op_counts counts;
  std::uint64_t entries = 0;
};

/// What a shard served in one slot.
struct slot_counts {
  std::vector<part_slot> parts; ///< by part order
  std::vector<hot_name> top;    ///< by descending count
};

/// A slot's tallies as slot_counts: each part with its entries in `core`
/// now, and the sketch's names (the sketch is emptied).
slot_counts collect(const ns_shard& core, std::vector<part_tally> tallies,
                    hot_names& names);

class shard_log {
public:
  /// k: names the heavy-hitter sketch monitors. The sketch sees one access
  /// in about `sample` (>= 1), picked by a seeded generator and weighted by
  /// `sample`: its scan of k names per miss cost a fifth of a lookup's time
  /// when it saw every access, and a name hot enough to matter is still
  /// sampled many times a slot.
  explicit shard_log(std::size_t k = 32, std::uint32_t sample = 32);

  /// Counts request r, answered with rep by `core` (call after apply). A
  /// request answered EWRONGSHARD, or of a kind not counted, is ignored.
  /// A readdir counts on the part that holds its page's first hash.
  /// Inline for a lookup that walked its directory here (the hottest
  /// request): it counts with the lookup's own hash and list.
  void record(const ns_shard& core, const ns_request& r, const ns_reply& rep) {
    auto& w = core.last_walk();
    if (r.op == ns_op::lookup && w.valid && w.dir == r.dir) {
      auto range = core.held_part(r.dir, w.hash, w.list);
      count(r, w.hash, range, op::lookup);
    } else {
      record_other(core, r, rep);
    }
  }

  /// The slot's counts, each part with its entries in `core` now; parts
  /// received from other shards are listed even when nothing was counted,
  /// so that the planner sees them cool. The log is empty afterwards.
  slot_counts take(const ns_shard& core);

private:
  /// record() of every request but a lookup that walked here.
  void record_other(const ns_shard& core, const ns_request& r,
                    const ns_reply& rep);
  /// Counts o on `range`, and offers r's name (hash h) to the sketch when
  /// its sampling gap runs out (never a readdir's).
  void count(const ns_request& r, std::uint64_t h, hash_range range, op o) {
    if (o != op::readdir && --gap_ == 0)
      sample(r, h);
    parts_.count(part_ref{r.dir, range.lo, range.hi}, o);
  }
  /// Offers r's name to the sketch, weighted by the sampling rate, and
  /// draws the next gap.
  void sample(const ns_request& r, std::uint64_t h);
  /// Accesses until the next one the sketch sees (1 to 2 * sample - 1).
  std::uint32_t next_gap();

  part_table parts_;
  hot_names names_;
  std::uint32_t sample_;
  std::uint32_t gap_ = 1;
  std::uint64_t rng_ = 0x9E3779B97F4A7C15ull; ///< xorshift64 state
};

} // namespace ds::access
