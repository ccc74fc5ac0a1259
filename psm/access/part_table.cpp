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

part_table::part_table(std::size_t expected) {
  size_to(pow2_at_least(2 * expected));
}

void part_table::size_to(std::size_t cells) {
  cells_.assign(cells, cell{});
  mask_ = cells - 1;
  shift_ = 64;
  for (std::size_t c = cells; c > 1; c >>= 1)
    --shift_;
}

void part_table::insert(const part_ref& p, op o) {
  counts_of(p)[o] += 1;
}

op_counts& part_table::counts_of(const part_ref& p) {
  for (auto i = cell_of(p);; i = (i + 1) & mask_) {
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
  auto old = std::move(cells_);
  size_to(old.size() * 2);
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
