// Copying a part while its source keeps serving it (docs/ARCHITECTURE.md,
// "Parts of directories"): the source hands out the part's entries in
// chunks and records the name hashes that writes touch meanwhile; then it
// stops writes (freeze) and hands out only what those writes changed, so
// writes wait for the delta, not for the whole copy. The copy lives in
// memory: a source that restarts, or a group whose leader changed, has
// none, and the next chunk or freeze answers ENOENT; the driver then
// discards the destination's copy and starts the copy again
// (actors/router/router_move.cpp).
#include <algorithm>
#include <unordered_set>

#include "model/namespace/name.hpp"
#include "model/namespace/ns_shard.hpp"

namespace ds {

ns_shard::copy_session* ns_shard::copy_of(inode_id dir, uint64_t migration) {
  for (auto& c : copies_)
    if (c.dir == dir && c.migration == migration)
      return &c;
  return nullptr;
}

void ns_shard::expire_copies(int64_t now_ns) {
  copies_.erase(std::remove_if(copies_.begin(), copies_.end(),
                               [&](const copy_session& c) {
                                 return !c.frozen &&
                                        now_ns - c.last_ns > cfg_.copy_lease_ns;
                               }),
                copies_.end());
}

bool ns_shard::end_copy(uint64_t migration) {
  if (std::find(ended_.begin(), ended_.end(), migration) == ended_.end()) {
    ended_.push_back(migration);
    if (ended_.size() > max_ended)
      ended_.pop_front();
  }
  auto n = copies_.size();
  copies_.erase(std::remove_if(copies_.begin(), copies_.end(),
                               [&](const copy_session& c) {
                                 return c.migration == migration;
                               }),
                copies_.end());
  return copies_.size() != n;
}

errc ns_shard::copy_conflict(inode_id dir, hash_range r,
                             uint64_t migration) const {
  for (auto& c : copies_)
    if (c.dir == dir && c.migration != migration &&
        c.range.overlaps(r.lo, r.hi))
      return errc::ebusy;
  return errc::ok;
}

void ns_shard::record_copy(inode_id dir, uint64_t hash) {
  for (auto& c : copies_)
    if (c.dir == dir && c.range.contains(hash))
      c.touched.insert(hash);
}

std::vector<request_record> ns_shard::chunk_records(const copy_session& c,
                                                    const uint64_t* after,
                                                    const uint64_t* last) {
  // The records kept before the copy began go with the chunk whose hashes
  // they fall among: those after the cursor up to the chunk's last hash (to
  // the range's end with the last chunk). A chunk asked for again gets the
  // same ones.
  auto& all = c.records;
  auto above = [&](uint64_t h) { // the first record whose hash is above h
    return std::upper_bound(
        all.begin(), all.end(), h,
        [](uint64_t v, const request_record& x) { return v < x.hash; });
  };
  auto from = after ? above(*after) : all.begin();
  auto to = last ? above(*last) : all.end();
  return from < to ? std::vector<request_record>(from, to)
                   : std::vector<request_record>{};
}

errc ns_shard::copy_part(inode_id dir, hash_range r, uint64_t migration,
                         bool first, uint64_t after_hash,
                         const std::string& after_name, size_t max,
                         int64_t now_ns, std::vector<entry>& out, bool& eof,
                         std::vector<request_record>* records) {
  out.clear();
  if (records)
    records->clear();
  eof = false;
  if (max == 0 || !r.aligned() || migration == 0)
    return errc::einval;
  if (!first &&
      (!r.contains(after_hash) || validate_name(after_name) != errc::ok))
    return errc::einval;
  expire_copies(now_ns);
  auto c = copy_of(dir, migration);
  if (c && !(c->range == r))
    return errc::einval;
  if (first && !c) {
    if (std::find(ended_.begin(), ended_.end(), migration) != ended_.end())
      return errc::enoent; // thawed or released before this chunk came
    // A copy that starts again after its source's leader changed may find
    // the part frozen already (the old leader's freeze committed): its
    // entries no longer change, and the next freeze is answered as repeated.
    if (!exporting(dir, r, migration))
      if (auto e = export_check(dir, r, migration); e != errc::ok)
        return e;
    copies_.push_back(
        copy_session{dir, r, migration, now_ns, false, {}, 0, {}});
    c = &copies_.back();
  }
  if (!c)
    return errc::enoent; // the copy ended: restart, lease, thaw
  if (first) {
    // Copied again from its start (the driver discarded the destination's
    // copy, or repeats this chunk): what was written so far is in the
    // entries read now, and only the writes from now on are the delta.
    c->touched.clear();
    c->frozen = false;
    c->request_mark = next_request_;
    c->records = part_requests(dir, r);
    std::sort(c->records.begin(), c->records.end(),
              [](const request_record& a, const request_record& b) {
                return a.hash < b.hash || (a.hash == b.hash && a.seq < b.seq);
              });
  } else if (c->frozen)
    return errc::einval; // no chunk follows the freeze
  c->last_ns = now_ns;
  out = range_entries(dir, r,
                      first ? start_of(r)
                            : readdir_cookie{after_hash, after_name, false},
                      max, eof);
  if (records)
    *records = chunk_records(*c, first ? nullptr : &after_hash,
                             eof || out.empty() ? nullptr : &out.back().hash);
  return errc::ok;
}

errc ns_shard::freeze(inode_id dir, hash_range r, uint64_t migration,
                      int64_t now_ns) {
  expire_copies(now_ns);
  auto c = copy_of(dir, migration);
  if (!c)
    return errc::enoent;
  if (!(c->range == r))
    return errc::einval;
  auto e = begin_export(dir, r, migration);
  if (e == errc::ok) {
    c->frozen = true;
    c->last_ns = now_ns;
    c->records = {}; // every chunk is sent: no chunk follows the freeze
  }
  return e;
}

void ns_shard::copy_delta(inode_id dir, hash_range r, uint64_t migration,
                          std::vector<uint64_t>& hashes,
                          std::vector<entry>& entries,
                          std::vector<request_record>* records) const {
  hashes.clear();
  entries.clear();
  if (records)
    records->clear();
  for (auto& c : copies_) {
    if (c.dir != dir || c.migration != migration || !(c.range == r))
      continue;
    hashes.assign(c.touched.begin(), c.touched.end());
    std::sort(hashes.begin(), hashes.end());
    for (auto h : hashes)
      for (auto& e : part_entries(dir, hash_range{h, h}))
        entries.push_back(e);
    if (records)
      *records = part_requests(dir, r, c.request_mark);
  }
}

void ns_shard::put_entries(inode_id dir, std::vector<entry> entries) {
  auto d = dags_.find(dir);
  if (d == dags_.end())
    return;
  auto& ch = changes_of(dir);
  for (auto& e : entries) {
    if (d->second.find(e.name, e.hash))
      d->second.erase(e.name, e.hash, ch);
    e.row = next_row_++;
    auto h = e.hash;
    d->second.insert(std::move(e), ch);
    mark_name(dir, h);
  }
}

errc ns_shard::patch(inode_id dir, hash_range r, uint64_t migration,
                     const std::vector<uint64_t>& hashes,
                     std::vector<entry> entries,
                     std::vector<request_record> requests) {
  auto i = parts_.find(dir);
  auto p = i == parts_.end() ? nullptr : i->second.find(r);
  if (!p || p->state != dir_part::pending || p->migration != migration)
    return errc::enoent;
  std::unordered_set<uint64_t> touched(hashes.begin(), hashes.end());
  for (auto h : hashes)
    if (!r.contains(h))
      return errc::einval;
  for (auto& e : entries)
    if (validate_name(e.name) != errc::ok || e.hash != name_hash(e.name) ||
        !touched.count(e.hash))
      return errc::einval;
  if (auto e = adopt_requests(dir, r, requests); e != errc::ok)
    return e;
  for (auto h : touched)
    drop_range(dir, hash_range{h, h});
  put_entries(dir, std::move(entries));
  touch_parts(dir);
  return errc::ok;
}

// -- entries of parts given away ---------------------------------------------

size_t ns_shard::collect_garbage(size_t max) {
  size_t n = 0;
  while (n < max && !garbage_.empty()) {
    auto [dir, r] = garbage_.back();
    bool end = false;
    auto gone = range_entries(dir, r, start_of(r), max - n, end);
    if (end)
      garbage_.pop_back(); // nothing of the range is left after these
    if (gone.empty())
      continue;
    auto& ch = changes_of(dir);
    auto& d = dags_.at(dir); // it holds what `gone` lists
    for (auto& e : gone) {
      d.erase(e.name, e.hash, ch);
      mark_name(dir, e.hash);
    }
    n += gone.size();
  }
  return n;
}

void ns_shard::purge_garbage(inode_id dir, hash_range r) {
  for (size_t i = 0; i < garbage_.size();) {
    auto [d, g] = garbage_[i];
    if (d == dir && g.overlaps(r.lo, r.hi)) {
      drop_range(dir, g);
      garbage_.erase(garbage_.begin() + static_cast<std::ptrdiff_t>(i));
    } else {
      ++i;
    }
  }
}

void ns_shard::find_garbage() {
  garbage_.clear();
  for (auto& [dir, dp] : parts_) {
    if (dp.home) { // what it gave away
      for (auto& p : dp.parts)
        if (p.state == dir_part::out)
          garbage_.emplace_back(dir, p.range);
      continue;
    }
    // A guest holds only its parts: any other entry is left from one that
    // went on.
    for (auto& e : part_entries(dir, hash_range{})) {
      bool held = false;
      for (auto& p : dp.parts)
        held = held || p.range.contains(e.hash);
      if (!held)
        garbage_.emplace_back(dir, hash_range{e.hash, e.hash});
    }
  }
}

} // namespace ds
