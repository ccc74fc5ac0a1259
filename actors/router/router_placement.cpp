// The router's placement cache and its retries on EWRONGSHARD
// (docs/ARCHITECTURE.md; the driver of a part's migration is in
// router_move.cpp).
//
// A directory without a cached placement goes to its home shard. A shard
// that does not hold the part asked for answers EWRONGSHARD: the router
// reads the directory's placement from the metadata store (linearizable)
// and sends the request again, with a growing pause while a move is under
// way. A shard that gave the part away names where it went (a redirect in
// the answer): the router then keeps that part in its cache and sends the
// request there at once, without reading the placement. Pushes from the
// metadata replica keep the cache fresh; a lost push costs one EWRONGSHARD,
// never a stale answer, since shards decide.
#include <random>

#include <caf/all.hpp>

#include "actors/log.hpp"
#include "actors/router/router.hpp"
#include "model/namespace/name.hpp"

namespace ds {

namespace {

constexpr int max_attempts = 48; // pauses of up to 50 ms: about 2 s

/// Why a request was answered EUNAVAILABLE by the router.
enum class give_up_cause { no_leader, no_placement, moving, unknown };

const char* to_string(give_up_cause x) {
  switch (x) {
  case give_up_cause::no_leader:
    return "no replica of the shard's group led or answered in time";
  case give_up_cause::no_placement:
    return "the placement could not be read";
  case give_up_cause::moving:
    return "a move of the part did not end in time";
  case give_up_cause::unknown:
    return "the shard's outcome stayed unknown";
  }
  return "?";
}

} // namespace

/// A batch being routed; requests that met EWRONGSHARD go round again.
struct route_job {
  std::vector<ns_request> reqs;
  std::vector<ns_reply> out;
  std::vector<uint64_t> limit; ///< readdir: the caller's `until`
  std::function<void(std::vector<ns_reply>)> done;
  int attempt = 0;
  caf::actor_clock::time_point deadline; ///< no retry starts after it
  size_t left = 0;                ///< shards of this round not yet answered
  std::vector<size_t> again;      ///< EWRONGSHARD: read the placement
  std::vector<size_t> redirected; ///< EWRONGSHARD naming the holder
  /// A shard group's replica did not lead or answer: sent again, to the
  /// leader, without reading the placement; `named`: every one of them
  /// has a leader named (no pause).
  std::vector<size_t> to_leader;
  bool named = true;
  caf::actor_clock::time_point start;
  /// Requests answered EUNAVAILABLE, by cause: how many, and the last
  /// one's directory and shard (-1: none chosen).
  struct given_up {
    size_t n = 0;
    inode_id dir = 0;
    int64_t shard = -1;
  };
  std::map<give_up_cause, given_up> gave_up;

  /// Answers request i EUNAVAILABLE for `why` (at shard s), counted in `st`.
  void give_up(size_t i, give_up_cause why, int64_t s, router_stats& st) {
    out[i] = error_reply(errc::eunavailable);
    auto& g = gave_up[why];
    ++g.n;
    g.dir = reqs[i].dir;
    g.shard = s;
    switch (why) {
    case give_up_cause::no_leader:
      ++st.gave_up_no_leader;
      break;
    case give_up_cause::no_placement:
      ++st.gave_up_no_placement;
      break;
    case give_up_cause::moving:
      ++st.gave_up_moving;
      break;
    case give_up_cause::unknown:
      ++st.gave_up_unknown;
      break;
    }
  }
};

uint32_t router_state::shard_for(ns_request& r, uint64_t limit) {
  auto i = placed.find(r.dir);
  if (i == placed.end())
    ++stats.cache_misses;
  else
    ++stats.cache_hits;
  return choose_shard(r, i == placed.end() ? nullptr : &i->second,
                      ring.home(r.dir), limit);
}

void router_state::stamp(std::vector<ns_request>& reqs) {
  for (auto& r : reqs) {
    if (!replicated() || !sent_again_with_id(r.op)) {
      r.rid = 0;
      continue;
    }
    // Ids start at a random point per router (routers of other nodes, or
    // of this one before a restart, start elsewhere in 2^64) and count up.
    while (next_rid == 0)
      next_rid =
          std::random_device{}() * (uint64_t{1} << 32) ^ std::random_device{}();
    r.rid = next_rid++;
  }
}

void router_state::route_async(
    std::vector<ns_request> reqs,
    std::function<void(std::vector<ns_reply>)> done) {
  stamp(reqs);
  auto job = std::make_shared<route_job>();
  job->out.resize(reqs.size());
  for (auto& r : reqs)
    job->limit.push_back(r.until);
  job->reqs = std::move(reqs);
  job->done = std::move(done);
  // Retries end after twice the request timeout: a move that does not end
  // makes the caller hear EUNAVAILABLE instead of waiting for ever.
  job->start = self->clock().now();
  job->deadline = job->start + 2 * timeout;
  std::vector<size_t> all(job->reqs.size());
  for (size_t i = 0; i < all.size(); ++i)
    all[i] = i;
  dispatch(job, std::move(all));
}

void router_state::dispatch(std::shared_ptr<route_job> job,
                            std::vector<size_t> which) {
  std::map<uint32_t, std::vector<size_t>> by_shard;
  for (auto i : which)
    by_shard[shard_for(job->reqs[i], job->limit[i])].push_back(i);
  job->left = by_shard.size();
  for (auto& [s, idx] : by_shard) {
    auto where = std::make_shared<std::vector<size_t>>(std::move(idx));
    std::vector<ns_request> part;
    for (auto i : *where)
      part.push_back(job->reqs[i]);
    stats.routed += part.size();
    auto target = shards[s];
    auto finish = [this, job, where, s = s,
                   target](std::vector<ns_reply>* reps) {
      if (replicated())
        aim_at_leader(*job, s, target, reps);
      for (size_t k = 0; k < where->size(); ++k) {
        auto i = (*where)[k];
        auto rep = reps && k < reps->size() ? std::move((*reps)[k])
                                            : error_reply(errc::eunavailable);
        // A replica's EUNAVAILABLE: the outcome of its proposal is unknown.
        bool unknown = replicated() && reps && rep.code == errc::eunavailable;
        if (unknown)
          ++stats.outcome_unknown;
        if (replicated() &&
            (!reps || rep.code == errc::enotleader || unknown) &&
            self->clock().now() < job->deadline) {
          // Failover: nothing of it applied (ENOTLEADER), or no answer
          // came, or the replica does not know the outcome of the proposal
          // that held it (EUNAVAILABLE). Sent again, a write applied already
          // is answered from its request record; reads change nothing.
          if (unknown)
            job->named = false; // the same replica may lead: after a pause
          job->to_leader.push_back(i);
          continue;
        }
        if (!reps || (replicated() && rep.code == errc::enotleader)) {
          job->give_up(i, give_up_cause::no_leader, s, stats);
          continue;
        }
        if (unknown) {
          job->give_up(i, give_up_cause::unknown, s, stats);
          continue;
        }
        if (rep.code == errc::ewrongshard) {
          ++stats.wrong_shard;
          if (job->attempt + 1 < max_attempts) {
            if (take_redirect(job->reqs[i].dir, rep))
              job->redirected.push_back(i);
            else
              job->again.push_back(i);
            continue;
          }
          job->give_up(i, give_up_cause::moving, s,
                       stats); // a move that never ends
          continue;
        }
        job->out[i] = std::move(rep);
      }
      if (--job->left == 0)
        next_round(job);
    };
    if (!shards[s]) {
      finish(nullptr);
      continue;
    }
    if (replicated()) {
      // Answered once: by the replica, or as unanswered as soon as its
      // member is found gone (fail_in_flight), not after the timeout.
      auto answered = std::make_shared<bool>(false);
      std::function<void(std::vector<ns_reply>*)> once =
          [finish, answered](std::vector<ns_reply>* reps) {
            if (*answered)
              return;
            *answered = true;
            finish(reps);
          };
      track_in_flight(member_of(s, target), answered, once);
      self->request(shards[s], timeout, ns_atom::value, std::move(part))
          .then([once](std::vector<ns_reply>& reps) { once(&reps); },
                [once](caf::error&) { once(nullptr); });
      continue;
    }
    self->request(shards[s], timeout, ns_atom::value, std::move(part))
        .then([finish](std::vector<ns_reply>& reps) { finish(&reps); },
              [finish](caf::error&) { finish(nullptr); });
  }
  if (by_shard.empty())
    next_round(job);
}

bool router_state::take_redirect(inode_id dir, const ns_reply& rep) {
  part_redirect rd;
  if (!part_redirect::decode(rep.cookie, rd) || rd.shard >= shards.size())
    return false;
  ++stats.redirects;
  auto i = placed.find(dir);
  if (i == placed.end()) // nothing known: the rest stays at the home
    i = placed.emplace(dir, dir_placement{dir, 0, {}}).first;
  learn_part(i->second, placement_entry{rd.range, rd.shard, rd.epoch});
  return true;
}

void router_state::aim_at_leader(route_job& job, uint32_t s,
                                 const shard_actor& target,
                                 std::vector<ns_reply>* reps) {
  uint64_t named = 0;
  bool refused = false;
  if (reps)
    for (auto& r : *reps)
      if (r.code == errc::enotleader) {
        refused = true;
        named = r.node;
      }
  if (!reps)
    ++stats.unanswered;
  else if (refused)
    ++stats.not_leader;
  else
    return;
  if (shards[s] != target)
    return; // aimed elsewhere already
  follow_leader(s, member_of(s, target), named);
  if (named == 0 || shards[s] == target)
    job.named = false;
}

void router_state::next_round(std::shared_ptr<route_job> job) {
  if (!job->to_leader.empty()) {
    // Requests for a group's leader go with the redirected ones; with the
    // placement reads if any must be read (again).
    auto& into = job->again.empty() ? job->redirected : job->again;
    into.insert(into.end(), job->to_leader.begin(), job->to_leader.end());
    // A named leader is tried at once, but not for ever: hints that go
    // round (replicas that each name another during an election) pause too.
    bool pause = !job->named || job->attempt >= 3;
    job->to_leader.clear();
    job->named = true;
    if (pause && job->again.empty()) {
      // No leader named yet (an election): after a pause.
      auto go = std::move(job->redirected);
      job->redirected.clear();
      int attempt = job->attempt++;
      stats.retries += go.size();
      auto id = ++later_seq;
      later[id] = [this, job, go]() mutable { dispatch(job, std::move(go)); };
      auto wait =
          std::chrono::milliseconds(std::min(50, 1 << std::min(attempt, 6)));
      self->delayed_send(self, wait, retry_atom::value, id);
      return;
    }
  }
  if (job->again.empty() && !job->redirected.empty()) {
    // Every request sent back named its part's holder: there at once.
    auto go = std::move(job->redirected);
    job->redirected.clear();
    ++job->attempt;
    stats.retries += go.size();
    return dispatch(job, std::move(go));
  }
  // Any others read the placement: the redirected ones go with them.
  job->again.insert(job->again.end(), job->redirected.begin(),
                    job->redirected.end());
  job->redirected.clear();
  if (job->again.empty()) {
    for (size_t i = 0; i < job->out.size(); ++i)
      continue_at_cut(job->reqs[i], job->limit[i], job->out[i]);
    if (!job->gave_up.empty())
      log_gave_up(*job);
    return job->done(std::move(job->out));
  }
  auto again = std::move(job->again);
  job->again.clear();
  if (self->clock().now() >= job->deadline) {
    for (auto i : again)
      job->give_up(i, give_up_cause::moving, -1, stats);
    return next_round(job);
  }
  int attempt = job->attempt++;
  stats.retries += again.size();
  std::set<inode_id> dirs;
  for (auto i : again)
    dirs.insert(job->reqs[i].dir);
  auto go = [this, job, again, dirs]() mutable {
    auto left = std::make_shared<size_t>(dirs.size());
    auto failed = std::make_shared<bool>(false);
    for (auto d : dirs)
      refresh(d, [this, job, again, left, failed](bool ok) {
        *failed = *failed || !ok;
        if (--*left > 0)
          return;
        if (!*failed)
          return dispatch(job, again);
        // The placement cannot be read (no metadata quorum): retrying
        // could only ask the same shards again.
        for (auto i : again)
          job->give_up(i, give_up_cause::no_placement, -1, stats);
        next_round(job);
      });
  };
  if (attempt == 0)
    return go(); // the cache was stale: read it again now
  // A move is under way: pause, growing to 50 ms.
  auto pause = std::chrono::milliseconds(std::min(50, 1 << (attempt - 1)));
  auto id = ++later_seq;
  later[id] = std::move(go);
  self->delayed_send(self, pause, retry_atom::value, id);
}

void router_state::log_gave_up(const route_job& job) {
  auto now = self->clock().now();
  if (gave_up_logged != caf::actor_clock::time_point{} &&
      now - gave_up_logged < std::chrono::seconds(1)) {
    ++gave_up_unlogged;
    return;
  }
  gave_up_logged = now;
  auto waited =
      std::chrono::duration_cast<std::chrono::milliseconds>(now - job.start)
          .count();
  for (auto& [why, g] : job.gave_up)
    log_event(log_level::warn, "router", "answered EUNAVAILABLE",
              {{"requests", g.n},
               {"dir", g.dir},
               {"shard", g.shard},
               {"why", to_string(why)},
               {"waited_ms", waited},
               {"batches_unlogged_before", gave_up_unlogged}});
  gave_up_unlogged = 0;
}

void router_state::run_later(uint64_t id) {
  auto i = later.find(id);
  if (i == later.end())
    return;
  auto f = std::move(i->second);
  later.erase(i);
  f();
}

void router_state::refresh(inode_id dir, std::function<void(bool)> then) {
  auto& waiting = refreshing[dir];
  waiting.push_back(std::move(then));
  if (waiting.size() > 1)
    return; // one read serves everyone waiting
  ++stats.refreshes;
  auto finish = [this, dir](dir_placement* p) {
    if (p)
      learn(*p);
    auto w = std::move(refreshing[dir]);
    refreshing.erase(dir);
    for (auto& f : w)
      f(p != nullptr);
  };
  if (!metadata)
    return finish(nullptr);
  self->request(metadata, timeout, place_get_atom::value, dir)
      .then([finish](dir_placement& p) { finish(&p); },
            [finish](caf::error&) { finish(nullptr); });
}

uint32_t router_state::holder(inode_id dir, uint64_t h) {
  auto i = placed.find(dir); // no entry made up
  return holder_of(i == placed.end() ? nullptr : &i->second, h, ring.home(dir));
}

void router_state::learn(const dir_placement& p) {
  auto& cur = placed[p.dir];
  if (p.epoch >= cur.epoch)
    cur = p;
}

} // namespace ds
