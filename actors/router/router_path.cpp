// Path resolution in the router: the driver of the pure path walk
// (model/namespace/path_walk.hpp). Each step sends one request to one shard;
// its answer advances the walk.
#include <caf/all.hpp>

#include "actors/router/router.hpp"
#include "model/namespace/name.hpp"

namespace ds {

/// A path job and whom to answer.
struct path_run {
  path_job job;
  std::function<void(ns_reply)> done;
};

void router_state::resolve(path_request req,
                           std::function<void(ns_reply)> done) {
  auto run = std::make_shared<path_run>();
  ns_reply at_once;
  if (start_walk(std::move(req), run->job, at_once))
    return done(std::move(at_once));
  run->done = std::move(done);
  step(run);
}

void router_state::step(std::shared_ptr<path_run> run) {
  use_cache(run->job, *dirs);
  route_async(
      {next_request(run->job)}, [this, run](std::vector<ns_reply> reps) {
        auto rep = reps.empty() ? error_reply(errc::eio) : std::move(reps[0]);
        if (rep.code == errc::eunavailable)
          return run->done(std::move(rep));
        if (advance(run->job, rep, dirs.get()))
          run->done(final_answer(run->job, std::move(rep)));
        else
          step(run);
      });
}

router_stats router_state::counters() const {
  auto s = stats;
  auto d = dirs->stats();
  s.dir_hits = d.hits;
  s.dir_misses = d.misses;
  s.dir_stale = d.stale;
  s.dir_evictions = d.evictions;
  s.dir_entries = d.entries;
  return s;
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
