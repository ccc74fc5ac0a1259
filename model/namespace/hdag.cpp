#include "model/namespace/hdag.hpp"

#include <algorithm>
#include <unordered_set>

#include "model/namespace/name.hpp"

namespace ds {

namespace {

constexpr uint64_t max_hash = ~uint64_t{0};

size_t slot_of(const niarray& a, uint64_t hash) {
  if (a.width_bits == 0)
    return 0;
  return static_cast<size_t>((hash << a.start_bit) >> (64 - a.width_bits));
}

} // namespace

void slot_group(const niarray& arr, size_t slot, size_t& first, size_t& count) {
  auto child = arr.slots[slot];
  first = slot;
  while (first > 0 && arr.slots[first - 1] == child)
    --first;
  auto last = slot;
  while (last + 1 < arr.slots.size() && arr.slots[last + 1] == child)
    ++last;
  count = last - first + 1;
}

void slot_range(const niarray& arr, uint64_t lo, size_t first, size_t count,
                uint64_t& out_lo, uint64_t& out_hi) {
  auto bits = arr.start_bit + arr.width_bits;
  if (bits == 0) {
    out_lo = 0;
    out_hi = max_hash;
    return;
  }
  uint64_t span = uint64_t{1} << (64 - bits);
  out_lo = lo + first * span;
  out_hi = out_lo + count * span - 1; // wraps to max_hash for the full range
}

// -- construction
// --------------------------------------------------------------

hdag::hdag(hdag_config cfg) : cfg_(cfg) {
  if (cfg_.level_bits == 0)
    cfg_.level_bits = 1;
  auto list = new_id();
  dag_node root;
  root.body = niarray{0, 0, {list}};
  nodes_.emplace(root_node, std::move(root));
  dag_node l;
  l.body = entry_list{};
  nodes_.emplace(list, std::move(l));
}

std::string hdag::restore(hdag_config cfg, std::vector<node_record> nodes,
                          std::vector<entry> entries, hdag& out) {
  out = hdag{cfg};
  if (nodes.empty())
    return entries.empty() ? "" : "entries without DAG nodes";
  out.nodes_.clear();
  out.next_id_ = root_node + 1;
  for (auto& r : nodes) {
    dag_node n;
    n.lo = r.lo;
    n.hi = r.hi;
    if (r.array) {
      if (r.width_bits > 16 || r.start_bit + r.width_bits > 64 ||
          r.slots.size() != (size_t{1} << r.width_bits))
        return "malformed NIArray record " + std::to_string(r.id);
      n.body = niarray{r.start_bit, r.width_bits, std::move(r.slots)};
    } else {
      n.body = entry_list{};
    }
    if (!out.nodes_.emplace(r.id, std::move(n)).second)
      return "duplicate node record " + std::to_string(r.id);
    out.next_id_ = std::max(out.next_id_, r.id + 1);
  }
  auto root = out.nodes_.find(root_node);
  if (root == out.nodes_.end() || !root->second.is_array())
    return "missing root NIArray";
  // Validate the structure before walking it: a damaged slot must give an
  // error, not a crash.
  for (auto& [id, n] : out.nodes_)
    if (n.is_array())
      for (auto child : n.arr().slots)
        if (child == root_node || out.nodes_.count(child) == 0)
          return "NIArray " + std::to_string(id) + " points at missing node " +
                 std::to_string(child);
  if (auto err = out.check(); !err.empty())
    return err;
  for (auto& e : entries) {
    if (e.hash != name_hash(e.name))
      return "entry '" + e.name + "' has a wrong hash";
    auto id = out.walk(e.hash, nullptr);
    out.at(id).list().push_unsorted(std::move(e));
    ++out.size_;
  }
  for (auto& [id, n] : out.nodes_)
    if (!n.is_array())
      n.list().sort();
  return out.check();
}

// -- navigation
// ----------------------------------------------------------------

node_id hdag::walk(uint64_t hash, path_step* parent) const {
  node_id id = root_node;
  // Depth is bounded: every level consumes at least one more hash bit.
  for (int depth = 0; depth <= 65; ++depth) {
    auto& n = at(id);
    if (!n.is_array())
      return id;
    auto slot = slot_of(n.arr(), hash);
    if (parent)
      *parent = path_step{id, slot};
    id = n.arr().slots[slot];
  }
  return id;
}

node_id hdag::list_for(uint64_t hash) const {
  return walk(hash, nullptr);
}

const entry* hdag::find(std::string_view name, uint64_t hash) const {
  return at(walk(hash, nullptr)).list().find(hash, name);
}

const dag_node* hdag::node(node_id id) const {
  auto i = nodes_.find(id);
  return i == nodes_.end() ? nullptr : &i->second;
}

std::optional<node_record> hdag::record(node_id id) const {
  auto n = node(id);
  if (!n)
    return std::nullopt;
  node_record r;
  r.id = id;
  r.lo = n->lo;
  r.hi = n->hi;
  if (n->is_array()) {
    r.array = true;
    r.start_bit = n->arr().start_bit;
    r.width_bits = n->arr().width_bits;
    r.slots = n->arr().slots;
  }
  return r;
}

std::vector<node_id> hdag::node_ids() const {
  std::vector<node_id> out;
  out.reserve(nodes_.size());
  for (auto& kv : nodes_)
    out.push_back(kv.first);
  std::sort(out.begin(), out.end());
  return out;
}

// -- updates
// -------------------------------------------------------------------

errc hdag::insert(entry e, hdag_changes& ch) {
  path_step p{};
  auto id = walk(e.hash, &p);
  ch.touched_entries.push_back({e.hash, e.name, 0});
  if (!at(id).list().insert(std::move(e))) {
    ch.touched_entries.pop_back();
    return errc::eexist;
  }
  ++size_;
  // Split until every list involved fits, or the hash bits run out.
  std::vector<node_id> work{id};
  while (!work.empty()) {
    auto x = work.back();
    work.pop_back();
    if (at(x).list().size() <= cfg_.list_capacity)
      continue;
    path_step px{};
    walk(at(x).lo, &px);
    auto before = next_id_;
    if (!split_list(x, px, ch))
      continue;
    work.push_back(x);
    for (auto n = before; n < next_id_; ++n)
      if (nodes_.count(n) && !at(n).is_array())
        work.push_back(n);
  }
  return errc::ok;
}

errc hdag::update(std::string_view name, uint64_t hash, const attrs& a,
                  hdag_changes& ch) {
  auto e = at(walk(hash, nullptr)).list().find(hash, name);
  if (!e)
    return errc::enoent;
  e->a = a;
  ch.touched_entries.push_back({hash, e->name, 0});
  return errc::ok;
}

errc hdag::erase(std::string_view name, uint64_t hash, hdag_changes& ch,
                 attrs* removed) {
  path_step p{};
  auto id = walk(hash, &p);
  uint64_t row = 0;
  if (!at(id).list().erase(hash, name, removed, &row))
    return errc::enoent;
  ch.touched_entries.push_back({hash, std::string{name}, row});
  --size_;
  if (cfg_.merge)
    try_merge(id, p, ch);
  return errc::ok;
}

errc hdag::split(node_id id, hdag_changes& ch) {
  auto n = node(id);
  if (!n || n->is_array())
    return errc::einval;
  path_step p{};
  walk(n->lo, &p);
  return split_list(id, p, ch) ? errc::ok : errc::ebusy;
}

bool hdag::split_list(node_id list, const path_step& parent, hdag_changes& ch) {
  auto pid = parent.array;
  size_t first = 0;
  size_t count = 0;
  slot_group(at(pid).arr(), parent.slot, first, count);
  if (count == 1) {
    auto& pa = at(pid).arr();
    if (pa.width_bits < cfg_.max_width_bits &&
        pa.start_bit + pa.width_bits < 64) {
      // Double the parent: every slot becomes two slots with the same child,
      // so the list is now shared by two slots and splits without a level.
      std::vector<node_id> wide(pa.slots.size() * 2);
      for (size_t j = 0; j < wide.size(); ++j)
        wide[j] = pa.slots[j / 2];
      pa.slots = std::move(wide);
      ++pa.width_bits;
      first *= 2;
      count = 2;
      touch(pid, ch);
    } else if (pa.start_bit + pa.width_bits + cfg_.level_bits <= 64) {
      // A new level: an NIArray whose slots all point at the list.
      auto nid = new_id();
      dag_node n;
      n.lo = at(list).lo;
      n.hi = at(list).hi;
      auto start = static_cast<uint8_t>(pa.start_bit + pa.width_bits);
      n.body =
          niarray{start, cfg_.level_bits,
                  std::vector<node_id>(size_t{1} << cfg_.level_bits, list)};
      pa.slots[first] = nid;
      nodes_.emplace(nid, std::move(n));
      touch(pid, ch);
      touch(nid, ch);
      pid = nid;
      first = 0;
      count = size_t{1} << cfg_.level_bits;
    } else {
      return false; // all 64 hash bits are in use on this path
    }
  }
  split_group(list, pid, first, count, ch);
  return true;
}

void hdag::split_group(node_id list, node_id parent, size_t first, size_t count,
                       hdag_changes& ch) {
  auto half = count / 2;
  auto upper = new_id();
  auto& pa = at(parent).arr();
  uint64_t lo1 = 0, hi1 = 0, lo2 = 0, hi2 = 0;
  slot_range(pa, at(parent).lo, first, half, lo1, hi1);
  slot_range(pa, at(parent).lo, first + half, half, lo2, hi2);
  for (size_t j = first + half; j < first + count; ++j)
    pa.slots[j] = upper;
  auto& l = at(list);
  l.lo = lo1;
  l.hi = hi1;
  dag_node u;
  u.lo = lo2;
  u.hi = hi2;
  u.body = l.list().split_off(lo2);
  nodes_.emplace(upper, std::move(u));
  touch(parent, ch);
  touch(list, ch);
  touch(upper, ch);
  ++ch.splits;
}

} // namespace ds
