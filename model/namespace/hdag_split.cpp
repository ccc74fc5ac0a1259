// The PSM's proactive split of a hash range (hdag.hpp): lists are split in
// halves until none inside the range is wider than its share.
#include "model/namespace/hdag.hpp"
#include "model/namespace/parts.hpp"

namespace ds {

errc hdag::split_range(uint64_t lo, uint64_t hi, uint32_t parts,
                       hdag_changes& ch) {
  hash_range r{lo, hi};
  if (!r.aligned() || parts == 0 || (parts & (parts - 1)) != 0)
    return errc::einval;
  // An aligned range spans 2^k - 1; each of its `parts` sub-ranges spans
  // 2^(k - log2 parts) - 1, which is the range's span shifted.
  int log = __builtin_ctz(parts);
  uint64_t span = hi - lo;
  if (log > 63 || (log > 0 && (span >> (log - 1)) == 0))
    return errc::einval; // fewer hashes than parts
  uint64_t sub = span >> log;
  uint64_t h = lo;
  for (;;) {
    auto id = walk(h, nullptr);
    auto& n = at(id);
    if (n.lo < lo || n.hi > hi || n.hi - n.lo > sub) {
      if (auto e = split(id, ch); e != errc::ok)
        return e;
      continue;
    }
    if (n.hi >= hi)
      return errc::ok;
    h = n.hi + 1;
  }
}

} // namespace ds
