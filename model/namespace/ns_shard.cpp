#include "model/namespace/ns_shard.hpp"

#include "model/namespace/client_check.hpp"

#include <algorithm>

#include "model/namespace/name.hpp"

namespace ds {

inode_id make_ino(uint32_t shard_id, uint64_t seq) {
  return (uint64_t{shard_id} + 1) << 44 | (seq & ((uint64_t{1} << 44) - 1));
}

ns_shard::ns_shard(uint32_t shard_id, ns_shard_config cfg)
    : shard_id_(shard_id), cfg_(cfg) {}

const hdag* ns_shard::dag(inode_id dir) const {
  auto i = dags_.find(dir);
  return i == dags_.end() ? nullptr : &i->second;
}

hdag_changes& ns_shard::changes_of(inode_id dir) {
  pending_dirty_.dirs.insert(dir);
  return pending_[dir];
}

uint64_t ns_shard::key_of(inode_id dir, uint64_t hash) {
  // Collisions only make a reader wait for a commit it did not need.
  return hash ^ (dir * 0x9E3779B97F4A7C15ull);
}

void ns_shard::mark_name(inode_id dir, uint64_t hash) {
  pending_dirty_.names.insert(key_of(dir, hash));
  if (!copies_.empty())
    record_copy(dir, hash);
}

bool ns_shard::name_dirty(inode_id dir, uint64_t hash) const {
  auto k = key_of(dir, hash);
  return pending_dirty_.names.count(k) || in_flight_dirty_.names.count(k) ||
         pending_dirty_.removed.count(dir) ||
         in_flight_dirty_.removed.count(dir);
}

bool ns_shard::dir_dirty(inode_id dir) const {
  return pending_dirty_.dirs.count(dir) || in_flight_dirty_.dirs.count(dir);
}

bool ns_shard::waits(const ns_request& r, const ns_reply& rep) const {
  switch (r.op) {
  case ns_op::lookup:
  case ns_op::create:
  case ns_op::mkdir:
  case ns_op::unlink:
  case ns_op::rmdir_unlink:
    // A full directory's ENOSPC counts entries that may not be durable.
    return name_dirty(r.dir, name_hash(r.name)) ||
           (rep.code == errc::enospc && dir_dirty(r.dir));
  case ns_op::locate:
  case ns_op::rmdir_abort:
    return false; // placement information; in-memory state only
  default:
    return dir_dirty(r.dir);
  }
}

ns_reply ns_shard::apply(const ns_request& r, int64_t now_ns, bool& must_wait) {
  ++counters_.ops;
  last_walk_.valid = false;
  if (!copies_.empty())
    expire_copies(now_ns);
  ns_reply rep;
  if (check_part(r, rep) != errc::ok) {
    must_wait = false; // placement information; nothing was read
    return rep;
  }
  if (auto x = recorded(r)) {
    // Sent again (its answer was lost): answered as it was the first time,
    // once that is durable.
    ++counters_.replayed;
    rep.code = x->code;
    rep.a = x->a;
    must_wait = waits(r, rep);
    return rep;
  }
  if (is_stale(r, now_ns)) {
    rep.code = errc::estale;
    must_wait = waits(r, rep); // told only once the removal is durable
    return rep;
  }
  switch (r.op) {
  case ns_op::lookup:
    rep = lookup(r);
    break;
  case ns_op::create:
    rep = insert(r, entry_kind::file, now_ns);
    break;
  case ns_op::mkdir:
    rep = insert(r, entry_kind::dir, now_ns);
    break;
  case ns_op::unlink:
    rep = remove(r, false);
    break;
  case ns_op::rmdir_unlink:
    rep = remove(r, true);
    break;
  case ns_op::readdir:
    rep = readdir(r);
    break;
  case ns_op::split:
    rep = split(r);
    break;
  case ns_op::locate: {
    if (auto err = validate_name(r.name); err != errc::ok) {
      rep.code = err;
    } else if (auto d = dag(r.dir)) {
      rep.node = d->list_for(name_hash(r.name));
    }
    break;
  }
  default:
    rep = rmdir_step(r, now_ns);
  }
  record_request(r, rep, now_ns);
  // Checked after the request ran, so that its own change counts too.
  must_wait = waits(r, rep);
  return rep;
}

ns_reply ns_shard::lookup(const ns_request& r) {
  ns_reply rep;
  if (auto err = validate_name(r.name); err != errc::ok) {
    rep.code = err;
    return rep;
  }
  const entry* e = nullptr;
  if (auto d = dag(r.dir)) {
    auto h = name_hash(r.name);
    auto list = d->node(d->list_for(h));
    e = list->list().find(h, r.name);
    last_walk_ = walked{r.dir, h, hash_range{list->lo, list->hi}, true};
  }
  if (!e)
    rep.code = errc::enoent;
  else
    rep.a = e->a;
  return rep;
}

ns_reply ns_shard::insert(const ns_request& r, entry_kind k, int64_t now_ns) {
  ns_reply rep;
  if (auto err = validate_name(r.name); err != errc::ok) {
    rep.code = err;
    return rep;
  }
  if (dead_.count(r.dir)) {
    rep.code = errc::enoent;
    return rep;
  }
  if (is_closing(r.dir, now_ns)) {
    rep.code = errc::ebusy;
    return rep;
  }
  auto i = dags_.find(r.dir);
  bool fresh = i == dags_.end();
  if (fresh)
    i = dags_.emplace(r.dir, hdag{cfg_.dag}).first;
  auto& d = i->second;
  entry e;
  e.name = r.name;
  e.hash = name_hash(r.name);
  if (d.find(e.name, e.hash)) {
    rep.code = errc::eexist;
  } else if (d.size() >= cfg_.max_dir_entries) {
    rep.code = errc::enospc;
  } else {
    e.a.ino = make_ino(shard_id_, next_seq_);
    e.a.kind = k;
    e.a.mode = r.mode != 0 ? r.mode : (k == entry_kind::dir ? 0755 : 0644);
    e.a.mtime = now_ns;
    e.a.version = 1;
    e.row = next_row_++;
    auto& ch = changes_of(r.dir);
    if (fresh)
      for (auto id : d.node_ids())
        ch.touched_nodes.push_back(id);
    ++next_seq_;
    rep.a = e.a;
    auto hash = e.hash;
    rep.code = d.insert(std::move(e), ch);
    if (rep.code == errc::ok)
      mark_name(r.dir, hash);
    return rep;
  }
  if (fresh)
    dags_.erase(i); // nothing was created: leave no empty DAG behind
  return rep;
}

ns_reply ns_shard::remove(const ns_request& r, bool dir_entry) {
  ns_reply rep;
  if (auto err = validate_name(r.name); err != errc::ok) {
    rep.code = err;
    return rep;
  }
  auto i = dags_.find(r.dir);
  auto h = name_hash(r.name);
  auto e = i == dags_.end() ? nullptr : i->second.find(r.name, h);
  if (!e) {
    rep.code = errc::enoent;
    return rep;
  }
  if (!dir_entry && e->a.kind == entry_kind::dir) {
    rep.code = errc::eisdir;
    return rep;
  }
  if (dir_entry && e->a.kind != entry_kind::dir) {
    rep.code = errc::enotdir;
    return rep;
  }
  if (dir_entry && e->a.ino != r.expect_ino) {
    rep.code = errc::enoent; // replaced since the caller looked it up
    return rep;
  }
  rep.code = i->second.erase(r.name, h, changes_of(r.dir), &rep.a);
  if (rep.code == errc::ok)
    mark_name(r.dir, h);
  return rep;
}

ns_reply ns_shard::readdir(const ns_request& r) {
  ns_reply rep;
  readdir_cookie c;
  if (!readdir_cookie::decode(r.cookie, c)) {
    rep.code = errc::einval;
    return rep;
  }
  if (dead_.count(r.dir)) {
    rep.code = errc::enoent;
    return rep;
  }
  auto d = dag(r.dir);
  if (!d) {
    rep.eof = true;
    return rep;
  }
  if (c.start && r.from > 0) // start just before hash `from`
    c = readdir_cookie::after(r.from - 1);
  size_t max =
      r.max_entries == 0 ? 1024 : std::min(r.max_entries, max_readdir_page);
  auto page = d->readdir(c, max, rep.eof);
  while (!page.empty() && page.back().hash > r.until) {
    page.pop_back();
    rep.eof = true; // nothing of [from, until] follows
  }
  rep.entries.reserve(page.size());
  for (auto& e : page)
    rep.entries.push_back(dirent{e.name, e.a});
  if (!page.empty())
    rep.cookie =
        readdir_cookie{page.back().hash, page.back().name, false}.encode();
  else
    rep.cookie = r.cookie;
  return rep;
}

bool ns_shard::is_closing(inode_id dir, int64_t now_ns) {
  auto i = closing_.find(dir);
  if (i == closing_.end())
    return false;
  if (now_ns < i->second)
    return true;
  closing_.erase(i); // the lease lapsed: its rmdir was abandoned
  abandoned_.insert(dir);
  return false;
}

bool ns_shard::is_stale(const ns_request& r, int64_t now_ns) {
  if (!client_op(r.op))
    return false; // rmdir's steps answer for themselves
  if (dead_.count(r.dir))
    return true;
  if (!r.cached)
    return false; // looked up just now: linked when the lookup was served
  return is_closing(r.dir, now_ns) || abandoned_.count(r.dir) > 0;
}

ns_reply ns_shard::rmdir_step(const ns_request& r, int64_t now_ns) {
  ns_reply rep;
  if (dead_.count(r.dir)) {
    rep.code = errc::enoent;
    return rep;
  }
  auto d = dag(r.dir);
  switch (r.op) {
  case ns_op::rmdir_prepare:
    if (d && d->size() > 0)
      rep.code = errc::enotempty;
    else if (auto p = parts(r.dir); p && !p->trivial())
      rep.code = errc::ebusy; // spread over shards: not removable yet
    else if (is_closing(r.dir, now_ns))
      rep.code = errc::ebusy; // another rmdir of it is under way
    else
      closing_[r.dir] = now_ns + cfg_.rmdir_lease_ns;
    break;
  case ns_op::rmdir_commit: {
    closing_.erase(r.dir);
    if (d && d->size() > 0) {
      // Only after a lapsed lease: entries were created since the prepare.
      // Keep them (the directory is unreachable, not lost) and say so.
      rep.code = errc::enotempty;
      break;
    }
    auto& ch = changes_of(r.dir);
    if (d)
      for (auto id : d->node_ids())
        ch.touched_nodes.push_back(id);
    dags_.erase(r.dir);
    dead_.insert(r.dir);
    abandoned_.erase(r.dir);
    pending_dirty_.removed.insert(r.dir);
    new_dead_.push_back(r.dir);
    break;
  }
  default:
    closing_.erase(r.dir);
  }
  return rep;
}

ns_reply ns_shard::split(const ns_request& r) {
  ns_reply rep;
  auto i = dags_.find(r.dir);
  if (i == dags_.end()) {
    rep.code = errc::enoent;
    return rep;
  }
  if (r.node != 0) {
    rep.code = i->second.split(r.node, changes_of(r.dir));
    return rep;
  }
  // A range: no move may be under way in it.
  // (check_part answered EWRONGSHARD for a range not all here.)
  if (auto p = parts(r.dir)) {
    for (auto& x : p->parts)
      if ((x.state == dir_part::exporting || x.state == dir_part::pending) &&
          x.range.overlaps(r.from, r.until)) {
        rep.code = errc::ebusy;
        return rep;
      }
  }
  rep.code =
      i->second.split_range(r.from, r.until, r.max_entries, changes_of(r.dir));
  return rep;
}

commit_batch ns_shard::take_changes() {
  commit_batch b;
  for (auto& [dir, ch] : pending_) {
    auto d = dag(dir);
    counters_.splits += ch.splits;
    counters_.merges += ch.merges;
    std::sort(ch.touched_nodes.begin(), ch.touched_nodes.end());
    ch.touched_nodes.erase(
        std::unique(ch.touched_nodes.begin(), ch.touched_nodes.end()),
        ch.touched_nodes.end());
    for (auto id : ch.touched_nodes) {
      auto rec = d ? d->record(id) : std::nullopt;
      if (rec)
        b.put_nodes.push_back(dir_node{dir, std::move(*rec)});
      else
        b.del_nodes.emplace_back(dir, id);
    }
    // Every row erased is deleted (a row never comes back); each name
    // touched is written once, in its final state.
    auto& t = ch.touched_entries;
    for (auto& x : t)
      if (x.erased_row != 0)
        b.del_rows.push_back(x.erased_row);
    std::sort(t.begin(), t.end(), [](const auto& x, const auto& y) {
      return x.hash < y.hash || (x.hash == y.hash && x.name < y.name);
    });
    for (size_t i = 0; i < t.size(); ++i) {
      if (i > 0 && t[i].hash == t[i - 1].hash && t[i].name == t[i - 1].name)
        continue;
      if (auto e = d ? d->find(t[i].name, t[i].hash) : nullptr)
        b.put_entries.push_back(dir_entry{dir, *e});
    }
  }
  std::sort(touched_parts_.begin(), touched_parts_.end());
  touched_parts_.erase(
      std::unique(touched_parts_.begin(), touched_parts_.end()),
      touched_parts_.end());
  for (auto dir : touched_parts_) {
    auto p = parts(dir);
    b.put_parts.emplace_back(dir, p ? *p : dir_parts{});
  }
  touched_parts_.clear();
  b.dead_dirs = std::move(new_dead_);
  b.next_seq = next_seq_;
  b.next_row = next_row_;
  b.put_requests = std::move(new_requests_);
  new_requests_.clear();
  new_requests_.reserve(b.put_requests.size()); // the next batch's likely
  b.requests_from = requests_from_;
  requests_from_ = 0;
  pending_.clear();
  auto& f = in_flight_dirty_;
  auto& p = pending_dirty_;
  f.dirs.insert(p.dirs.begin(), p.dirs.end());
  f.names.insert(p.names.begin(), p.names.end());
  f.removed.insert(p.removed.begin(), p.removed.end());
  p = {};
  new_dead_.clear();
  return b;
}

std::string ns_shard::restore(std::vector<dir_node> nodes,
                              std::vector<dir_entry> entries,
                              std::vector<inode_id> dead, uint64_t next_seq,
                              uint64_t next_row,
                              std::vector<std::pair<inode_id, dir_parts>> parts,
                              std::vector<request_record> requests) {
  dags_.clear();
  requests_.clear();
  request_order_.clear();
  new_requests_.clear();
  requests_from_ = 0;
  std::sort(requests.begin(), requests.end(),
            [](const auto& x, const auto& y) { return x.seq < y.seq; });
  next_request_ = requests.empty() ? 1 : requests.back().seq + 1;
  for (auto& x : requests) {
    request_order_.emplace_back(x.seq, x.rid);
    requests_[x.rid] = x; // a later record of an id replaces an earlier
  }
  parts_.clear();
  for (auto& [dir, p] : parts)
    parts_[dir] = std::move(p);
  std::map<inode_id, std::pair<std::vector<node_record>, std::vector<entry>>>
      by_dir;
  for (auto& n : nodes)
    by_dir[n.dir].first.push_back(std::move(n.r));
  uint64_t max_seq = 0;
  uint64_t max_row = 0;
  for (auto& e : entries) {
    max_row = std::max(max_row, e.e.row);
    if ((e.e.a.ino >> 44) == uint64_t{shard_id_} + 1)
      max_seq = std::max(max_seq, e.e.a.ino & ((uint64_t{1} << 44) - 1));
    by_dir[e.dir].second.push_back(std::move(e.e));
  }
  for (auto& [dir, part] : by_dir) {
    hdag d{cfg_.dag};
    auto err = hdag::restore(cfg_.dag, std::move(part.first),
                             std::move(part.second), d);
    if (!err.empty())
      return "directory " + std::to_string(dir) + ": " + err;
    dags_.emplace(dir, std::move(d));
  }
  dead_.clear();
  dead_.insert(dead.begin(), dead.end());
  // Never hand out an inode number twice, even if the stored counter lags.
  next_seq_ = std::max(next_seq, max_seq + 1);
  next_row_ = std::max(next_row, max_row + 1);
  find_garbage();
  return {};
}

ns_shard_stats ns_shard::stats() const {
  auto s = counters_;
  s.dirs = dags_.size();
  s.nodes = 0;
  s.entries = 0;
  for (auto& [dir, d] : dags_) {
    s.nodes += d.node_count();
    s.entries += d.size();
  }
  for (auto& [dir, dp] : parts_)
    for (auto& p : dp.parts) {
      s.parts_out += p.state == dir_part::out;
      s.parts_in += p.state == dir_part::active;
    }
  return s;
}

std::string ns_shard::check() const {
  for (auto& [dir, d] : dags_)
    if (auto err = d.check(); !err.empty())
      return "directory " + std::to_string(dir) + ": " + err;
  return {};
}

} // namespace ds
