// readdir and the structural invariant checker of the hash DAG.
#include "model/namespace/hdag.hpp"

#include <unordered_map>

#include "model/namespace/name.hpp"

namespace ds {

namespace {

bool after(const entry& x, const readdir_cookie& c) {
  if (c.start)
    return true;
  return x.hash > c.hash || (x.hash == c.hash && x.name > c.name);
}

} // namespace

std::vector<entry> hdag::readdir(const readdir_cookie& from, size_t max,
                                 bool& eof) const {
  std::vector<entry> out;
  eof = false;
  uint64_t h = from.start ? 0 : from.hash;
  while (true) {
    auto& n = at(walk(h, nullptr));
    auto& l = n.list();
    for (size_t i = l.lower_bound(from.start ? 0 : from.hash); i < l.size();
         ++i) {
      auto& e = l.at(i);
      if (!after(e, from))
        continue;
      if (out.size() == max)
        return out; // at least one more entry follows
      out.push_back(e);
    }
    if (n.hi == ~uint64_t{0}) {
      eof = true;
      return out;
    }
    h = n.hi + 1;
  }
}

std::string hdag::check() const {
  auto fail = [](node_id id, const std::string& what) {
    return "node " + std::to_string(id) + ": " + what;
  };
  auto r = nodes_.find(root_node);
  if (r == nodes_.end() || !r->second.is_array())
    return "the root is not an NIArray";
  if (r->second.lo != 0 || r->second.hi != ~uint64_t{0})
    return "the root does not cover every hash";
  std::unordered_map<node_id, node_id> parent_of;
  std::vector<node_id> todo{root_node};
  size_t entries = 0;
  while (!todo.empty()) {
    auto id = todo.back();
    todo.pop_back();
    auto& n = at(id);
    if (!n.is_array()) {
      auto& v = n.list();
      for (size_t i = 0; i < v.size(); ++i) {
        auto& e = v.at(i);
        if (e.hash < n.lo || e.hash > n.hi)
          return fail(id, "entry '" + e.name + "' outside the node's range");
        if (e.hash != name_hash(e.name))
          return fail(id, "entry '" + e.name + "' has a wrong hash");
        if (i > 0 &&
            !(v.at(i - 1).hash < e.hash ||
              (v.at(i - 1).hash == e.hash && v.at(i - 1).name < e.name)))
          return fail(id, "entries out of order");
      }
      entries += v.size();
      continue;
    }
    auto& a = n.arr();
    if (a.start_bit + a.width_bits > 64 ||
        a.slots.size() != (size_t{1} << a.width_bits))
      return fail(id, "bad NIArray shape");
    uint64_t span_bits = 64 - a.start_bit; // the node covers 2^span_bits hashes
    if (a.start_bit > 0 && (n.hi - n.lo != (uint64_t{1} << span_bits) - 1 ||
                            (n.lo & ((uint64_t{1} << span_bits) - 1)) != 0))
      return fail(id, "NIArray range is not its prefix block");
    for (size_t s = 0; s < a.slots.size();) {
      size_t first = 0;
      size_t count = 0;
      slot_group(a, s, first, count);
      auto child = a.slots[s];
      if ((count & (count - 1)) != 0 || first % count != 0)
        return fail(id, "slot group is not an aligned power of two");
      auto c = nodes_.find(child);
      if (c == nodes_.end())
        return fail(id, "slot points at a missing node");
      if (!parent_of.emplace(child, id).second)
        return fail(child, "referenced by two slot groups");
      uint64_t lo = 0;
      uint64_t hi = 0;
      slot_range(a, n.lo, first, count, lo, hi);
      if (c->second.lo != lo || c->second.hi != hi)
        return fail(child, "range differs from its slots' range");
      if (c->second.is_array() &&
          c->second.arr().start_bit !=
              a.start_bit + a.width_bits - __builtin_ctzll(count))
        return fail(child, "NIArray start bit differs from its depth");
      todo.push_back(child);
      s = first + count;
    }
  }
  if (parent_of.size() + 1 != nodes_.size())
    return "unreachable nodes: " +
           std::to_string(nodes_.size() - 1 - parent_of.size());
  if (entries != size_)
    return "entry count " + std::to_string(entries) + " != size " +
           std::to_string(size_);
  return {};
}

} // namespace ds
