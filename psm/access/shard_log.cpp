#include "psm/access/shard_log.hpp"

#include <algorithm>

#include "model/namespace/hdag.hpp"
#include "model/namespace/name.hpp"

namespace ds::access {

bool counted_op(ns_op o, op& out) {
  switch (o) {
  case ns_op::lookup:
    out = op::lookup;
    return true;
  case ns_op::create:
  case ns_op::mkdir:
    out = op::create;
    return true;
  case ns_op::unlink:
  case ns_op::rmdir_unlink:
    out = op::remove;
    return true;
  case ns_op::readdir:
    out = op::readdir;
    return true;
  default:
    return false;
  }
}

shard_log::shard_log(std::size_t k, std::uint32_t sample)
    : names_(k), sample_(sample == 0 ? 1 : sample) {
  gap_ = next_gap();
}

std::uint32_t shard_log::next_gap() {
  if (sample_ == 1)
    return 1;
  rng_ ^= rng_ << 13;
  rng_ ^= rng_ >> 7;
  rng_ ^= rng_ << 17;
  return 1 + static_cast<std::uint32_t>(rng_ % (2 * sample_ - 1));
}

void shard_log::sample(const ns_request& r, std::uint64_t h) {
  names_.add(r.dir, h, r.name, sample_);
  gap_ = next_gap();
}

void shard_log::record_other(const ns_shard& core, const ns_request& r,
                             const ns_reply& rep) {
  op o;
  if (rep.code == errc::ewrongshard || !counted_op(r.op, o))
    return;
  uint64_t h = 0;
  hash_range range;
  if (o == op::readdir) {
    readdir_cookie c;
    h = readdir_cookie::decode(r.cookie, c) && !c.start ? c.next_hash()
                                                        : r.from;
    range = core.served_part(r.dir, h);
  } else {
    h = name_hash(r.name);
    range = core.served_part(r.dir, h);
  }
  count(r, h, range, o);
}

slot_counts collect(const ns_shard& core, std::vector<part_tally> tallies,
                    hot_names& names) {
  slot_counts out;
  out.parts.reserve(tallies.size());
  for (auto& t : tallies)
    out.parts.push_back(part_slot{t.part, t.counts, 0});
  for (auto& p : out.parts)
    p.entries = core.entries_in(p.part.dir, hash_range{p.part.lo, p.part.hi});
  out.top = names.take();
  // A hot name that is a subdirectory links the part holding it to that
  // directory: the accesses in it come through its lookups (co-access).
  for (auto& t : out.top) {
    const auto* d = core.dag(t.dir);
    auto h = name_hash(t.name);
    const auto* e = d ? d->find(t.name, h) : nullptr;
    if (e && e->a.kind == entry_kind::dir) {
      auto part = core.served_part(t.dir, h);
      t.child = e->a.ino;
      t.lo = part.lo;
      t.hi = part.hi;
    }
  }
  return out;
}

slot_counts shard_log::take(const ns_shard& core) {
  auto tallies = parts_.take();
  auto counted = tallies.size();
  for (auto& [dir, range] : core.received_parts()) {
    part_ref p{dir, range.lo, range.hi};
    auto at = std::lower_bound(
        tallies.begin(), tallies.begin() + counted, p,
        [](const part_tally& a, const part_ref& b) { return a.part < b; });
    if (at == tallies.begin() + counted || !(at->part == p))
      tallies.push_back(part_tally{p, {}});
  }
  std::sort(
      tallies.begin(), tallies.end(),
      [](const part_tally& a, const part_tally& b) { return a.part < b.part; });
  return collect(core, std::move(tallies), names_);
}

} // namespace ds::access
