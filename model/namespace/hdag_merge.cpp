// Merging sibling lists and collapsing levels after deletes: the inverse of
// splitting, with hysteresis (lists merge only when together they hold at
// most a quarter of the capacity) so that a node does not flap.
#include "model/namespace/hdag.hpp"

namespace ds {

namespace {

size_t slot_of(const niarray& a, uint64_t hash) {
  if (a.width_bits == 0)
    return 0;
  return static_cast<size_t>((hash << a.start_bit) >> (64 - a.width_bits));
}

/// True if every pair of slots (2j, 2j+1) holds the same child.
bool halvable(const niarray& a) {
  if (a.width_bits == 0)
    return false;
  for (size_t j = 0; j < a.slots.size(); j += 2)
    if (a.slots[j] != a.slots[j + 1])
      return false;
  return true;
}

} // namespace

void hdag::try_merge(node_id list, const path_step& parent, hdag_changes& ch) {
  auto hash = at(list).lo;
  auto pid = parent.array;
  while (true) {
    // 1. Merge with the buddy group while both are small lists.
    while (true) {
      auto& pa = at(pid).arr();
      size_t first = 0;
      size_t count = 0;
      slot_group(pa, slot_of(pa, hash), first, count);
      if (count == pa.slots.size())
        break;
      auto bfirst = first ^ count;
      size_t bf = 0;
      size_t bc = 0;
      slot_group(pa, bfirst, bf, bc);
      auto buddy = pa.slots[bfirst];
      if (bf != bfirst || bc != count || at(buddy).is_array())
        break;
      if (at(list).list().size() + at(buddy).list().size() >
          cfg_.list_capacity / 4)
        break;
      // Keep the lower group's node so that ids stay stable left to right.
      auto keep = first < bfirst ? list : buddy;
      auto gone = first < bfirst ? buddy : list;
      // The kept node is the lower group: its entries all precede the other's.
      at(keep).list().append(std::move(at(gone).list()));
      at(keep).lo = std::min(at(keep).lo, at(gone).lo);
      at(keep).hi = std::max(at(keep).hi, at(gone).hi);
      for (auto& s : pa.slots)
        if (s == gone)
          s = keep;
      nodes_.erase(gone);
      touch(pid, ch);
      touch(keep, ch);
      touch(gone, ch);
      ++ch.merges;
      list = keep;
    }
    // 2. Undo doublings that no longer separate anything.
    while (halvable(at(pid).arr())) {
      auto& pa = at(pid).arr();
      std::vector<node_id> narrow(pa.slots.size() / 2);
      for (size_t j = 0; j < narrow.size(); ++j)
        narrow[j] = pa.slots[2 * j];
      pa.slots = std::move(narrow);
      --pa.width_bits;
      touch(pid, ch);
    }
    // 3. A non-root level left with a single slot that holds this list is
    //    replaced by the list (halving above reduces such a level to one slot).
    auto& pa = at(pid).arr();
    if (pid == root_node || pa.slots.size() != 1 || pa.slots.front() != list)
      return;
    path_step g{};
    auto lo = at(pid).lo;
    auto hi = at(pid).hi;
    // Find the grandparent by walking towards this level.
    node_id id = root_node;
    while (id != pid) {
      auto& a = at(id).arr();
      g = path_step{id, slot_of(a, lo)};
      id = a.slots[g.slot];
    }
    for (auto& s : at(g.array).arr().slots)
      if (s == pid)
        s = list;
    at(list).lo = lo;
    at(list).hi = hi;
    nodes_.erase(pid);
    touch(g.array, ch);
    touch(list, ch);
    touch(pid, ch);
    ++ch.merges;
    pid = g.array;
  }
}

} // namespace ds
