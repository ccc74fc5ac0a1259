#include "psm/access/part_table.hpp"

#include <algorithm>

namespace ds::access {

namespace {

std::size_t pow2_at_least(std::size_t n) {
  std::size_t c = 16;
  while (c < n)
    c <<= 1;
  return c;
}

} // namespace

part_table::part_table(std::size_t expected)
    : cells_(pow2_at_least(2 * expected)) {}

std::size_t part_table::hash_of(const part_ref& p) {
  // A directory's parts differ only in the high bits of their ranges, and
  // a multiply carries bits up, never down: the range is folded in rotated
  // and the whole word mixed (a 64-bit finalizer), so that every bit of the
  // key reaches the masked low bits. Without it, all parts of a directory
  // shared one probe chain.
  std::uint64_t x = p.dir ^ p.lo ^ ((p.hi << 32) | (p.hi >> 32));
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdull;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ull;
  x ^= x >> 33;
  return static_cast<std::size_t>(x);
}

op_counts& part_table::counts_of(const part_ref& p) {
  auto mask = cells_.size() - 1;
  for (auto i = hash_of(p) & mask;; i = (i + 1) & mask) {
    auto& c = cells_[i];
    if (c.full && c.t.part == p)
      return c.t.counts;
    if (!c.full) {
      if (2 * (used_.size() + 1) > cells_.size()) {
        grow();
        return counts_of(p);
      }
      c.full = true;
      c.t = part_tally{p, {}};
      used_.push_back(i);
      return c.t.counts;
    }
  }
}

void part_table::grow() {
  std::vector<cell> old(cells_.size() * 2);
  old.swap(cells_);
  auto was = std::move(used_);
  used_.clear();
  used_.reserve(was.size() * 2);
  for (auto i : was)
    counts_of(old[i].t.part) = old[i].t.counts;
}

std::vector<part_tally> part_table::take() {
  std::vector<part_tally> out;
  out.reserve(used_.size());
  for (auto i : used_) {
    out.push_back(cells_[i].t);
    cells_[i].full = false;
  }
  used_.clear();
  std::sort(
      out.begin(), out.end(),
      [](const part_tally& a, const part_tally& b) { return a.part < b.part; });
  return out;
}

} // namespace ds::access
