// Path resolution in the router: a small state machine per request. Each
// step sends one request to one shard; its answer advances the machine.
#include <caf/all.hpp>

#include "actors/router/router.hpp"
#include "model/namespace/name.hpp"

namespace ds {

struct path_job {
  path_request req;
  std::vector<std::string> parts;
  size_t next = 0;
  inode_id dir = root_ino;
  enum stage_t {
    walk,
    final_op,
    rm_prepare,
    rm_unlink,
    rm_finish
  } stage = walk;
  inode_id target = 0;
  ns_reply unlink_reply;
  std::function<void(ns_reply)> done;
};

namespace {

/// The request the job needs next.
ns_request next_request(const path_job& j) {
  const auto& last = j.parts.back();
  switch (j.stage) {
  case path_job::walk:
    return make_request(ns_op::lookup, j.dir, j.parts[j.next]);
  case path_job::rm_prepare:
    return make_request(ns_op::rmdir_prepare, j.target);
  case path_job::rm_unlink: {
    auto r = make_request(ns_op::rmdir_unlink, j.dir, last);
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
      return r;
    }
    return make_request(ns_op::lookup, j.dir, last);
  default: // stat, and rmdir's lookup of its target
    return make_request(ns_op::lookup, j.dir, last);
  }
}

/// Applies an answer; returns true when `rep` is the final answer.
bool advance(path_job& j, ns_reply& rep) {
  switch (j.stage) {
  case path_job::walk:
    if (rep.code != errc::ok)
      return true;
    if (rep.a.kind != entry_kind::dir) {
      rep = error_reply(errc::enotdir);
      return true;
    }
    j.dir = rep.a.ino;
    if (++j.next + 1 == j.parts.size())
      j.stage = path_job::final_op;
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
    rep = j.unlink_reply;
    return true;
  case path_job::final_op:
    break;
  }
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

} // namespace

void router_state::resolve(path_request req,
                           std::function<void(ns_reply)> done) {
  auto job = std::make_shared<path_job>();
  if (auto err = split_path(req.path, job->parts); err != errc::ok)
    return done(error_reply(err));
  job->req = std::move(req);
  job->done = std::move(done);
  if (job->parts.empty()) { // the root itself
    switch (job->req.op) {
    case path_op::stat: {
      ns_reply r;
      r.a = attrs{root_ino, entry_kind::dir, 0755, 0, 0, 1};
      return job->done(r);
    }
    case path_op::readdir:
      job->parts.push_back("/"); // never sent: the target is known
      job->target = root_ino;
      job->stage = path_job::final_op;
      break;
    case path_op::unlink:
      return job->done(error_reply(errc::eisdir));
    case path_op::rmdir:
      return job->done(error_reply(errc::ebusy));
    case path_op::locate:
      return job->done(error_reply(errc::einval));
    default:
      return job->done(error_reply(errc::eexist));
    }
  } else if (job->parts.size() == 1) {
    job->stage = path_job::final_op;
  }
  step(job);
}

void router_state::step(std::shared_ptr<path_job> job) {
  route_async({next_request(*job)}, [this, job](std::vector<ns_reply> reps) {
    auto rep = reps.empty() ? error_reply(errc::eio) : std::move(reps[0]);
    if (rep.code == errc::eunavailable)
      return job->done(std::move(rep));
    if (advance(*job, rep)) {
      // locate: report the directory that was resolved, too.
      rep.a.ino = job->req.op == path_op::locate ? job->dir : rep.a.ino;
      job->done(std::move(rep));
    } else {
      step(job);
    }
  });
}

caf::result<placement_info> router_state::locate(const std::string& path) {
  auto rp = self->make_response_promise<placement_info>();
  path_request req;
  req.op = path_op::locate;
  req.path = path;
  resolve(std::move(req), [this, rp, path](ns_reply rep) mutable {
    placement_info x;
    x.code = rep.code;
    if (rep.code == errc::ok) {
      x.dir = rep.a.ino;
      x.node = rep.node;
      // The shard that answered: the cached placement, which that answer
      // confirmed (a wrong one would have been refreshed).
      std::vector<std::string> parts;
      split_path(path, parts);
      x.shard = holder(x.dir, name_hash(parts.back()));
      x.epoch = placed.count(x.dir) ? placed[x.dir].epoch : 0;
      x.member = cluster.members()[cluster.node_of(x.shard)].id;
    }
    rp.deliver(x);
  });
  return rp;
}

} // namespace ds
