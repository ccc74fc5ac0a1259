#include "model/meta/route.hpp"

#include <algorithm>

#include "model/namespace/hdag.hpp"
#include "model/namespace/name.hpp"

namespace ds {

placement_segment segment_of(const dir_placement& p, uint64_t h,
                             uint32_t home) {
  placement_segment s;
  s.shard = home;
  for (auto& e : p.parts) {
    if (e.range.contains(h))
      return {e.range.lo, e.range.hi, e.shard};
    if (e.range.hi < h)
      s.lo = std::max(s.lo, e.range.hi + 1);
    else if (e.range.lo > h)
      s.hi = std::min(s.hi, e.range.lo - 1);
  }
  return s;
}

uint32_t choose_shard(ns_request& r, const dir_placement* p, uint32_t home,
                      uint64_t limit) {
  if (!p || p->parts.empty())
    return home; // nothing of it was moved, or nothing known
  uint64_t h = 0;
  if (r.op == ns_op::readdir) {
    readdir_cookie c;
    if (!readdir_cookie::decode(r.cookie, c))
      return home; // the shard answers EINVAL
    h = c.start ? r.from : c.next_hash();
  } else if (r.op == ns_op::split && r.node == 0) {
    h = r.from; // a range split goes where the range lives
  } else if (validate_name(r.name) == errc::ok) {
    h = name_hash(r.name);
  } else {
    return home;
  }
  auto s = segment_of(*p, h, home);
  if (r.op == ns_op::readdir)
    r.until = std::min(limit, s.hi);
  return s.shard;
}

bool learn_part(dir_placement& p, const placement_entry& e) {
  for (auto& x : p.parts)
    if (x.range.overlaps(e.range.lo, e.range.hi) && x.epoch >= e.epoch)
      return false; // as new or newer
  p.parts.erase(std::remove_if(p.parts.begin(), p.parts.end(),
                               [&](const placement_entry& x) {
                                 return x.range.overlaps(e.range.lo,
                                                         e.range.hi);
                               }),
                p.parts.end());
  auto at = std::lower_bound(
      p.parts.begin(), p.parts.end(), e,
      [](const auto& x, const auto& y) { return x.range.lo < y.range.lo; });
  p.parts.insert(at, e);
  return true;
}

uint32_t holder_of(const dir_placement* p, uint64_t h, uint32_t home) {
  return p ? segment_of(*p, h, home).shard : home;
}

void continue_at_cut(const ns_request& r, uint64_t limit, ns_reply& out) {
  if (r.op == ns_op::readdir && out.eof && r.until < limit) {
    out.eof = false;
    out.cookie = readdir_cookie::after(r.until).encode();
  }
}

} // namespace ds
