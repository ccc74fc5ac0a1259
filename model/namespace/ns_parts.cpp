// Parts of directories held by one shard, and the shard's side of moving a
// part to another shard (docs/ARCHITECTURE.md, "Parts of directories").
#include <algorithm>
#include <cstdint>

#include "model/namespace/name.hpp"
#include "model/namespace/ns_shard.hpp"

namespace ds {

// -- part_redirect -----------------------------------------------------------

namespace {

constexpr char redirect_tag = 'R';
constexpr size_t redirect_bytes = 1 + 8 + 8 + 4 + 8;

void put_be(std::string& out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i)
    out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

uint64_t get_be(std::string_view in, size_t at, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i)
    v = v << 8 | static_cast<uint8_t>(in[at + i]);
  return v;
}

/// How an operation uses the one name it addresses, if it addresses one
/// that a part decides: the serving check and the holding of requests
/// (ns_shard::parks) classify operations alike.
enum class name_use { none, read, write };

name_use use_of(ns_op op) {
  switch (op) {
  case ns_op::lookup:
  case ns_op::locate:
    return name_use::read;
  case ns_op::create:
  case ns_op::mkdir:
  case ns_op::unlink:
  case ns_op::rmdir_unlink:
    return name_use::write;
  default: // readdir, splits and rmdir steps
    return name_use::none;
  }
}

} // namespace

std::string part_redirect::encode() const {
  std::string out;
  out.reserve(redirect_bytes);
  out.push_back(redirect_tag);
  put_be(out, range.lo, 8);
  put_be(out, range.hi, 8);
  put_be(out, shard, 4);
  put_be(out, epoch, 8);
  return out;
}

bool part_redirect::decode(std::string_view bytes, part_redirect& out) {
  if (bytes.size() != redirect_bytes || bytes[0] != redirect_tag)
    return false;
  part_redirect r;
  r.range = hash_range{get_be(bytes, 1, 8), get_be(bytes, 9, 8)};
  r.shard = static_cast<uint32_t>(get_be(bytes, 17, 4));
  r.epoch = get_be(bytes, 21, 8);
  if (!r.range.aligned())
    return false;
  out = r;
  return true;
}

// -- dir_parts ---------------------------------------------------------------

bool dir_parts::reads(uint64_t h) const {
  if (home) {
    for (auto& p : parts)
      if ((p.state == dir_part::out || p.state == dir_part::pending) &&
          p.range.contains(h))
        return false;
    return true;
  }
  for (auto& p : parts)
    if ((p.state == dir_part::active || p.state == dir_part::exporting) &&
        p.range.contains(h))
      return true;
  return false;
}

bool dir_parts::writes(uint64_t h) const {
  if (!reads(h))
    return false;
  for (auto& p : parts)
    if (p.state == dir_part::exporting && p.range.contains(h))
      return false;
  return true;
}

bool dir_parts::reads_all(uint64_t a, uint64_t b) const {
  if (home) {
    for (auto& p : parts)
      if ((p.state == dir_part::out || p.state == dir_part::pending) &&
          p.range.overlaps(a, b))
        return false;
    return true;
  }
  for (auto& p : parts)
    if ((p.state == dir_part::active || p.state == dir_part::exporting) &&
        p.range.covers(a, b))
      return true;
  return false;
}

dir_part* dir_parts::find(const hash_range& r) {
  for (auto& p : parts)
    if (p.range == r)
      return &p;
  return nullptr;
}

bool dir_parts::moving() const {
  for (auto& p : parts)
    if (p.state == dir_part::exporting || p.state == dir_part::pending)
      return true;
  return false;
}

bool dir_parts::changing(uint64_t h, bool write) const {
  for (auto& p : parts)
    if (p.range.contains(h) && (p.state == dir_part::pending ||
                                (write && p.state == dir_part::exporting)))
      return true;
  return false;
}

// -- serving -----------------------------------------------------------------

bool ns_shard::parks(const ns_request& r) const {
  auto use = use_of(r.op); // readdir, splits and rmdir steps never wait
  if (use == name_use::none)
    return false;
  auto i = parts_.find(r.dir);
  if (i == parts_.end() || validate_name(r.name) != errc::ok)
    return false;
  return i->second.changing(name_hash(r.name), use == name_use::write);
}

const part_redirect* ns_shard::went(inode_id dir, uint64_t h) const {
  for (auto i = left_.rbegin(); i != left_.rend(); ++i)
    if (i->first == dir && i->second.range.contains(h))
      return &i->second;
  return nullptr;
}

const dir_parts* ns_shard::parts(inode_id dir) const {
  auto i = parts_.find(dir);
  return i == parts_.end() ? nullptr : &i->second;
}

errc ns_shard::check_part(const ns_request& r, ns_reply& rep) {
  auto i = parts_.find(r.dir);
  if (i == parts_.end())
    return errc::ok;
  auto& dp = i->second;
  bool ok = true;
  auto use = use_of(r.op);
  if (use != name_use::none) {
    ok = validate_name(r.name) != errc::ok ||
         (use == name_use::read ? dp.reads(name_hash(r.name))
                                : dp.writes(name_hash(r.name)));
  } else if (r.op == ns_op::readdir) {
    readdir_cookie c;
    if (!readdir_cookie::decode(r.cookie, c))
      return errc::ok; // answered EINVAL by readdir
    ok = dp.reads_all(c.start ? r.from : c.next_hash(), r.until);
  } else if (r.op == ns_op::split) {
    // A split stays inside the shard that holds the node's range.
    if (r.node == 0) {
      ok = dp.reads_all(r.from, r.until);
    } else {
      auto d = dag(r.dir);
      auto n = d ? d->node(r.node) : nullptr;
      ok = !n || n->is_array() || dp.reads_all(n->lo, n->hi);
    }
  } // rmdir steps: decided by rmdir_step
  if (ok)
    return errc::ok;
  ++counters_.wrong_shard;
  rep.code = errc::ewrongshard;
  rep.epoch = dp.epoch;
  // A part given away names where it went: the home keeps that record, a
  // guest remembers the parts it gave away lately (in memory).
  if (validate_name(r.name) == errc::ok && r.op != ns_op::readdir &&
      r.op != ns_op::split) {
    auto h = name_hash(r.name);
    for (auto& p : dp.parts)
      if (p.state == dir_part::out && p.range.contains(h))
        rep.cookie = part_redirect{p.range, p.shard, p.epoch}.encode();
    if (rep.cookie.empty())
      if (auto w = went(r.dir, h))
        rep.cookie = w->encode();
  }
  return rep.code;
}

void ns_shard::touch_parts(inode_id dir) {
  if (auto i = parts_.find(dir); i != parts_.end() && i->second.trivial())
    parts_.erase(i); // the whole directory is here again
  touched_parts_.push_back(dir);
  pending_dirty_.dirs.insert(dir); // the directory's state changes
}

// -- migration steps ---------------------------------------------------------

errc ns_shard::export_check(inode_id dir, hash_range r,
                            uint64_t migration) const {
  if (!r.aligned() || migration == 0)
    return errc::einval;
  if (dead_.count(dir))
    return errc::enoent;
  if (closing_.count(dir))
    return errc::ebusy;
  if (auto e = copy_conflict(dir, r, migration); e != errc::ok)
    return e;
  auto i = parts_.find(dir);
  if (i == parts_.end())
    return errc::ok;
  auto& dp = i->second;
  if (dp.moving())
    return errc::ebusy;
  if (!dp.reads_all(r.lo, r.hi))
    return errc::ewrongshard;
  bool exact = false;
  for (auto& p : dp.parts) {
    if (dp.home && p.range.overlaps(r.lo, r.hi))
      return errc::einval; // nested in or around a part moved before
    exact = exact || p.range == r;
  }
  if (!dp.home && !exact)
    return errc::einval; // a received part moves whole
  return errc::ok;
}

bool ns_shard::exporting(inode_id dir, hash_range r, uint64_t migration) const {
  auto i = parts_.find(dir);
  if (i == parts_.end())
    return false;
  auto p = i->second.find(r);
  return p && p->state == dir_part::exporting && p->migration == migration;
}

errc ns_shard::begin_export(inode_id dir, hash_range r, uint64_t migration) {
  if (exporting(dir, r, migration))
    return errc::ok; // repeated
  if (auto e = export_check(dir, r, migration); e != errc::ok)
    return e;
  auto& dp = parts_[dir]; // no record: the home, holding everything
  if (dp.home) {
    dp.parts.push_back(dir_part{r, dir_part::exporting, 0, 0, migration});
  } else {
    auto p = dp.find(r);
    p->state = dir_part::exporting;
    p->migration = migration;
  }
  touch_parts(dir);
  return errc::ok;
}

readdir_cookie ns_shard::start_of(hash_range r) {
  return r.lo == 0 ? readdir_cookie{} : readdir_cookie::after(r.lo - 1);
}

std::vector<entry> ns_shard::range_entries(inode_id dir, hash_range r,
                                           readdir_cookie from, size_t max,
                                           bool& eof) const {
  std::vector<entry> out;
  eof = true;
  auto d = dag(dir);
  if (!d)
    return out;
  // Pages grow from a few entries: a part of one hash (a delta, a patch, a
  // purge) costs a few entries, not a page of 4096 beyond it.
  size_t page_size = 8;
  while (out.size() < max) {
    bool end = false;
    auto page = d->readdir(from, std::min(page_size, max - out.size()), end);
    page_size = std::min<size_t>(page_size * 4, 4096);
    for (auto& e : page) {
      if (e.hash > r.hi)
        return out;
      if (e.hash >= r.lo)
        out.push_back(e);
    }
    if (end || page.empty())
      return out;
    from = readdir_cookie{page.back().hash, page.back().name, false};
  }
  eof = false; // `max` reached: more may follow
  return out;
}

std::vector<entry> ns_shard::part_entries(inode_id dir, hash_range r) const {
  bool eof = false;
  return range_entries(dir, r, start_of(r), SIZE_MAX, eof);
}

size_t ns_shard::drop_range(inode_id dir, hash_range r) {
  auto i = dags_.find(dir);
  if (i == dags_.end())
    return 0;
  auto gone = part_entries(dir, r);
  for (auto& e : gone) {
    i->second.erase(e.name, e.hash, changes_of(dir));
    mark_name(dir, e.hash);
  }
  return gone.size();
}

errc ns_shard::release(inode_id dir, hash_range r, uint64_t migration,
                       uint32_t shard, uint64_t epoch) {
  auto i = parts_.find(dir);
  auto p = i == parts_.end() ? nullptr : i->second.find(r);
  if (p && p->state == dir_part::out && p->epoch == epoch)
    return errc::ok; // repeated
  if (!p && i != parts_.end() && !i->second.home && i->second.epoch >= epoch)
    return errc::ok; // repeated: a received part that left again
  if (!p || p->state != dir_part::exporting || p->migration != migration)
    return errc::enoent;
  end_copy(migration);
  auto& dp = i->second;
  // The entries go later (collect_garbage): this commit stays small.
  counters_.moved_out += entries_in(dir, r);
  garbage_.emplace_back(dir, r);
  if (dp.home) {
    *p = dir_part{r, dir_part::out, shard, epoch, 0};
  } else {
    dp.remove(p);
    left_.emplace_back(dir, part_redirect{r, shard, epoch});
    if (left_.size() > max_left)
      left_.pop_front();
  }
  dp.epoch = std::max(dp.epoch, epoch);
  touch_parts(dir);
  return errc::ok;
}

errc ns_shard::thaw(inode_id dir, hash_range r, uint64_t migration) {
  bool copying = end_copy(migration); // a copy not yet frozen ends too
  auto i = parts_.find(dir);
  auto p = i == parts_.end() ? nullptr : i->second.find(r);
  if (!p || p->state != dir_part::exporting || p->migration != migration)
    return copying ? errc::ok : errc::enoent;
  auto& dp = i->second;
  if (dp.home)
    dp.remove(p);
  else
    *p = dir_part{r, dir_part::active, 0, p->epoch, 0};
  touch_parts(dir);
  return errc::ok;
}

errc ns_shard::import(inode_id dir, hash_range r, uint64_t migration,
                      std::vector<entry> entries,
                      const std::vector<request_record>& requests) {
  if (!r.aligned() || migration == 0)
    return errc::einval;
  if (dead_.count(dir))
    return errc::enoent;
  for (auto& e : entries)
    if (validate_name(e.name) != errc::ok || e.hash != name_hash(e.name) ||
        !r.contains(e.hash))
      return errc::einval;
  if (!valid_requests(dir, r, requests))
    return errc::einval;
  auto it = parts_.find(dir);
  if (it == parts_.end()) {
    // Without a record a shard holds all of a directory it has a DAG of
    // (its home); a part can only arrive at a shard that holds none of it.
    if (dags_.count(dir))
      return errc::einval;
    dir_parts guest;
    guest.home = false;
    it = parts_.emplace(dir, std::move(guest)).first;
  }
  auto& dp = it->second;
  auto p = dp.find(r);
  if (p && p->state == dir_part::pending && p->migration == migration) {
    put_entries(dir, std::move(entries)); // the next chunk, or repeated
    keep_new_requests(requests);
    return errc::ok;
  }
  if (dp.home && !(p && p->state == dir_part::out))
    return errc::einval; // the home holds it, or it is moving
  if (!dp.home)
    for (auto& q : dp.parts)
      if (q.range.overlaps(r.lo, r.hi))
        return errc::einval;
  purge_garbage(dir, r); // left from when the part last lived here
  auto d = dags_.find(dir);
  if (d == dags_.end()) {
    d = dags_.emplace(dir, hdag{cfg_.dag}).first;
    for (auto id : d->second.node_ids())
      changes_of(dir).touched_nodes.push_back(id);
  }
  for (auto& e : entries)
    if (d->second.find(e.name, e.hash))
      return errc::eexist; // left over from an earlier import: never here
  auto& ch = changes_of(dir);
  for (auto& e : entries) {
    e.row = next_row_++;
    auto h = e.hash;
    d->second.insert(std::move(e), ch);
    mark_name(dir, h);
  }
  if (dp.home) {
    p->state = dir_part::pending;
    p->migration = migration;
  } else {
    dp.parts.push_back(dir_part{r, dir_part::pending, 0, 0, migration});
  }
  touch_parts(dir);
  keep_new_requests(requests); // checked above
  return errc::ok;
}

errc ns_shard::activate(inode_id dir, hash_range r, uint64_t migration,
                        uint64_t epoch) {
  auto i = parts_.find(dir);
  if (i == parts_.end())
    return errc::enoent;
  auto& dp = i->second;
  auto p = dp.find(r);
  if (!p)
    return dp.home && dp.epoch >= epoch ? errc::ok : errc::enoent;
  if (p->state == dir_part::active && p->epoch >= epoch)
    return errc::ok; // repeated
  if (p->state != dir_part::pending || p->migration != migration)
    return errc::enoent;
  counters_.moved_in += entries_in(dir, r);
  ++counters_.moves_in;
  if (dp.home)
    dp.remove(p);
  else
    *p = dir_part{r, dir_part::active, 0, epoch, 0};
  dp.epoch = std::max(dp.epoch, epoch);
  touch_parts(dir);
  return errc::ok;
}

errc ns_shard::discard(inode_id dir, hash_range r, uint64_t migration) {
  auto i = parts_.find(dir);
  auto p = i == parts_.end() ? nullptr : i->second.find(r);
  if (!p || p->state != dir_part::pending || p->migration != migration)
    return errc::enoent;
  auto& dp = i->second;
  drop_range(dir, r);
  if (dp.home)
    p->state = dir_part::out; // it stays where it was
  else
    dp.remove(p);
  touch_parts(dir);
  return errc::ok;
}

std::vector<unresolved_part> ns_shard::unresolved() const {
  std::vector<unresolved_part> out;
  for (auto& [dir, dp] : parts_)
    for (auto& p : dp.parts)
      if (p.state == dir_part::exporting || p.state == dir_part::pending)
        out.push_back(unresolved_part{dir, p});
  return out;
}

} // namespace ds
