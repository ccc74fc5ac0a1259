// What the PSM's access log asks of a shard: which part served a name, and
// how many entries a part holds.
#include "model/namespace/ns_shard.hpp"

#include <algorithm>

namespace ds {

hash_range ns_shard::served_part(inode_id dir, uint64_t h) const {
  hash_range r;
  if (auto d = dag(dir)) {
    auto n = d->node(d->list_for(h));
    r = hash_range{n->lo, n->hi};
  }
  return held_part(dir, h, r);
}

hash_range ns_shard::narrowed_part(inode_id dir, uint64_t h,
                                   hash_range r) const {
  auto i = parts_.find(dir);
  if (i == parts_.end())
    return r;
  if (i->second.home) {
    // The home serves all but the parts moved out: its part is the largest
    // aligned block of r around h that overlaps none of them (a list may
    // still cover hashes moved out, until the DAG splits or merges).
    for (bool cut = true; cut && r.lo != r.hi;) {
      cut = false;
      for (auto& p : i->second.parts)
        if (p.state == dir_part::out && r.overlaps(p.range.lo, p.range.hi)) {
          auto mid = r.lo + (r.hi - r.lo) / 2;
          r = h <= mid ? hash_range{r.lo, mid} : hash_range{mid + 1, r.hi};
          cut = true;
          break;
        }
    }
    return r;
  }
  for (auto& p : i->second.parts)
    if (p.range.contains(h) && r.covers(p.range.lo, p.range.hi))
      return p.range;
  return r;
}

uint64_t ns_shard::entries_in(inode_id dir, hash_range r) const {
  auto d = dag(dir);
  if (!d)
    return 0;
  uint64_t n = 0;
  // One list after the other from r.lo: each covers a block of hashes.
  for (uint64_t h = r.lo;;) {
    auto list = d->node(d->list_for(h));
    auto& l = list->list();
    auto first = l.lower_bound(h);
    auto last = r.hi == ~uint64_t{0} ? l.size() : l.lower_bound(r.hi + 1);
    n += last > first ? last - first : 0;
    if (list->hi >= r.hi)
      return n;
    h = list->hi + 1;
  }
}

std::vector<std::pair<inode_id, hash_range>> ns_shard::received_parts() const {
  std::vector<std::pair<inode_id, hash_range>> out;
  for (auto& [dir, dp] : parts_)
    if (!dp.home)
      for (auto& p : dp.parts)
        if (p.state == dir_part::active)
          out.emplace_back(dir, p.range);
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first < b.first : a.second.lo < b.second.lo;
  });
  return out;
}

} // namespace ds
