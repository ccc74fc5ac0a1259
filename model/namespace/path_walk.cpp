#include "model/namespace/path_walk.hpp"

#include "model/enum_names.hpp"
#include "model/namespace/name.hpp"

namespace ds {

namespace {
constexpr enum_names<path_op, 7> path_op_names{
    {"stat", "create", "mkdir", "unlink", "rmdir", "readdir", "locate"}};
} // namespace

const char* to_string(path_op x) { return path_op_names(x); }

namespace {

/// The answer for an operation on the root itself; false for readdir, the
/// one that needs a shard.
bool on_root(path_op op, ns_reply& out) {
  switch (op) {
  case path_op::stat:
    out = ns_reply{};
    out.a = attrs{root_ino, entry_kind::dir, 0755, 0, 0, 1};
    return true;
  case path_op::readdir:
    return false;
  case path_op::unlink:
    out = error_reply(errc::eisdir);
    return true;
  case path_op::rmdir:
    out = error_reply(errc::ebusy);
    return true;
  case path_op::locate:
    out = error_reply(errc::einval);
    return true;
  default:
    out = error_reply(errc::eexist);
    return true;
  }
}

/// The request of the operation itself, on the last component.
ns_request final_request(const path_job& j) {
  const auto& last = j.parts.back();
  switch (j.req.op) {
  case path_op::create:
  case path_op::mkdir: {
    auto r =
        make_request(j.req.op == path_op::create ? ns_op::create : ns_op::mkdir,
                     j.dir, last);
    r.mode = j.req.mode;
    return r;
  }
  case path_op::unlink:
    return make_request(ns_op::unlink, j.dir, last);
  case path_op::locate:
    return make_request(ns_op::locate, j.dir, last);
  case path_op::readdir:
    if (j.target != 0) {
      auto r = make_request(ns_op::readdir, j.target);
      r.cookie = j.req.cookie;
      r.max_entries = j.req.max_entries;
      r.cached = j.target_cached;
      return r;
    }
    return make_request(ns_op::lookup, j.dir, last);
  default: // stat, and rmdir's lookup of its target
    return make_request(ns_op::lookup, j.dir, last);
  }
}

/// Records what an answer of the final stage says of the last component.
void learn_final(const path_job& j, const ns_reply& rep, dir_cache& cache) {
  const auto& last = j.parts.back();
  if (j.req.op == path_op::rmdir) {
    cache.erase(j.dir, last, 0, false); // our own rmdir: drop it at once
    return;
  }
  bool looked_up = j.req.op == path_op::stat || j.req.op == path_op::mkdir ||
                   (j.req.op == path_op::readdir && j.target == 0);
  if (looked_up && rep.code == errc::ok && rep.a.kind == entry_kind::dir)
    cache.insert(j.dir, last, rep.a.ino);
}

/// Applies the answer of the final stage.
bool advance_final(path_job& j, ns_reply& rep, dir_cache* cache) {
  if (cache)
    learn_final(j, rep, *cache);
  bool needs_dir = (j.req.op == path_op::readdir && j.target == 0) ||
                   j.req.op == path_op::rmdir;
  if (!needs_dir || rep.code != errc::ok)
    return true;
  if (rep.a.kind != entry_kind::dir) {
    rep = error_reply(errc::enotdir);
    return true;
  }
  j.target = rep.a.ino;
  if (j.req.op == path_op::rmdir)
    j.stage = path_job::rm_prepare;
  return false;
}

/// ESTALE: drop the cache entry the request trusted and step back to the
/// directory above it; true (and ENOENT) when no cached entry was trusted.
bool on_stale(path_job& j, ns_reply& rep, dir_cache* cache) {
  ++j.stale_seen;
  bool listing = j.stage == path_job::final_op &&
                 j.req.op == path_op::readdir && j.target != 0;
  if (cache && listing && j.target_cached) {
    cache->erase(j.dir, j.parts.back(), j.target, true);
    j.target = 0;
    j.target_cached = false;
    j.fresh_at = j.parts.size() - 1;
    return false;
  }
  if (cache && !listing && j.trail.back().cached) {
    auto k = j.trail.size() - 1; // >= 1: the root is never cached
    cache->erase(j.trail[k - 1].ino, j.parts[k - 1], j.trail[k].ino, true);
    j.trail.pop_back();
    j.dir = j.trail.back().ino;
    j.next = k - 1;
    j.fresh_at = k - 1;
    j.stage = path_job::walk;
    return false;
  }
  rep = error_reply(errc::enoent);
  return true;
}

/// Moves the walk one directory down, to `ino`.
void descend(path_job& j, inode_id ino, bool cached) {
  j.trail.push_back({ino, cached});
  j.dir = ino;
  if (++j.next + 1 == j.parts.size())
    j.stage = path_job::final_op;
}

} // namespace

void use_cache(path_job& j, dir_cache& cache) {
  if (cache.capacity() == 0 || j.stale_seen >= max_stale_per_walk)
    return;
  while (j.stage == path_job::walk && j.next != j.fresh_at) {
    auto ino = cache.find(j.dir, j.parts[j.next]);
    if (ino == 0)
      return;
    descend(j, ino, true);
  }
  bool listing = j.stage == path_job::final_op &&
                 j.req.op == path_op::readdir && j.target == 0;
  if (listing && j.fresh_at != j.parts.size() - 1) {
    if (auto ino = cache.find(j.dir, j.parts.back())) {
      j.target = ino;
      j.target_cached = true;
    }
  }
}

bool start_walk(path_request req, path_job& j, ns_reply& out) {
  j = path_job{};
  if (auto err = split_path(req.path, j.parts); err != errc::ok) {
    out = error_reply(err);
    return true;
  }
  j.req = std::move(req);
  j.trail = {{root_ino, false}};
  if (j.parts.empty()) { // the root itself
    if (on_root(j.req.op, out))
      return true;
    j.parts.push_back("/"); // never sent: the target is known
    j.target = root_ino;
    j.stage = path_job::final_op;
  } else if (j.parts.size() == 1) {
    j.stage = path_job::final_op;
  }
  return false;
}

ns_request next_request(const path_job& j) {
  switch (j.stage) {
  case path_job::walk: {
    auto r = make_request(ns_op::lookup, j.dir, j.parts[j.next]);
    r.cached = j.trail.back().cached;
    return r;
  }
  case path_job::rm_prepare:
    return make_request(ns_op::rmdir_prepare, j.target);
  case path_job::rm_unlink: {
    auto r = make_request(ns_op::rmdir_unlink, j.dir, j.parts.back());
    r.expect_ino = j.target;
    return r;
  }
  case path_job::rm_finish:
    return make_request(j.unlink_reply.code == errc::ok ? ns_op::rmdir_commit
                                                        : ns_op::rmdir_abort,
                        j.target);
  case path_job::final_op:
    break;
  }
  auto r = final_request(j);
  if (r.op != ns_op::readdir)
    r.cached = j.trail.back().cached;
  return r;
}

bool advance(path_job& j, ns_reply& rep, dir_cache* cache) {
  bool walking = j.stage == path_job::walk || j.stage == path_job::final_op;
  if (rep.code == errc::estale && walking)
    return on_stale(j, rep, cache);
  if (rep.code == errc::estale) // rmdir's steps: its handles are fresh
    rep = error_reply(errc::enoent);
  switch (j.stage) {
  case path_job::walk:
    if (rep.code != errc::ok)
      return true;
    if (rep.a.kind != entry_kind::dir) {
      rep = error_reply(errc::enotdir);
      return true;
    }
    if (cache)
      cache->insert(j.dir, j.parts[j.next], rep.a.ino);
    if (j.next == j.fresh_at)
      j.fresh_at = ~size_t{0};
    descend(j, rep.a.ino, false);
    return false;
  case path_job::rm_prepare:
    if (rep.code != errc::ok)
      return true;
    j.stage = path_job::rm_unlink;
    return false;
  case path_job::rm_unlink:
    j.unlink_reply = rep;
    j.stage = path_job::rm_finish;
    return false;
  case path_job::rm_finish:
    if (cache) // dropped again: a walk may have looked it up meanwhile
      cache->erase(j.dir, j.parts.back(), j.target, false);
    rep = j.unlink_reply;
    return true;
  case path_job::final_op:
    break;
  }
  return advance_final(j, rep, cache);
}

ns_reply final_answer(const path_job& j, ns_reply rep) {
  if (j.req.op == path_op::locate)
    rep.a.ino = j.dir;
  return rep;
}

} // namespace ds
