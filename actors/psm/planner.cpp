#include "actors/psm/planner.hpp"

#include <cmath>
#include <deque>
#include <map>
#include <memory>

#include <caf/all.hpp>

#include "actors/log.hpp"
#include "actors/psm/plan_build.hpp"
#include "psm/plan/decision_codec.hpp"

namespace ds {

namespace {

using decisions = std::vector<plan::decision>;
using psm_policy::policy_kind;

/// What the metadata store says before a planning.
struct store_view {
  plan::psm_config settings;
  decisions recent;           ///< decisions of the kept plannings
  int64_t last_at = -1;       ///< the newest planning's slot
  decisions last;             ///< its decisions
};

/// One thing to do to carry a planning out.
struct step {
  enum kind_t { split, move, consolidate } kind = split;
  inode_id dir = 0;
  hash_range range;
  uint32_t parts = 1; ///< split
  uint32_t to = 0;    ///< move, consolidate: where to
};

using fail_fn = std::function<void(std::string)>;

void done(psm_planner_pointer self, std::string error = {}) {
  self->state.status.last_error = std::move(error);
  self->state.busy = false;
}

psm_policy::lookup_fn lookup_in(std::vector<config_entry> xs) {
  auto m = std::make_shared<std::map<std::string, std::string>>();
  for (auto& e : xs)
    (*m)[e.key] = e.value;
  return [m](const std::string& k) -> std::optional<std::string> {
    auto i = m->find(k);
    return i == m->end() ? std::nullopt : std::optional<std::string>{i->second};
  };
}

/// Reads the settings and the recorded plannings.
void read_store(psm_planner_pointer self, std::function<void(store_view)> next,
                fail_fn fail) {
  auto& st = self->state;
  self->request(st.metadata, st.opt.timeout, cfg_list_atom::value)
      .then(
          [=](std::vector<config_entry>& cfg) {
            auto& st = self->state;
            store_view v;
            v.settings = plan::read_config(lookup_in(std::move(cfg)),
                                          st.opt.default_policy);
            st.status.policy = psm_policy::to_string(v.settings.policy);
            self->request(st.metadata, st.opt.timeout,
                          psm_plannings_atom::value, int64_t{0})
                .then(
                    [=](std::vector<psm_planning>& ps) mutable {
                      for (auto& p : ps) {
                        try {
                          auto ds = plan::decode_decisions(p.decisions);
                          v.recent.insert(v.recent.end(), ds.begin(),
                                          ds.end());
                          v.last_at = p.at;
                          v.last = std::move(ds);
                        } catch (const std::exception&) {
                          // A planning from a newer release: not ours to
                          // read; it only does not count for the budget.
                        }
                      }
                      next(std::move(v));
                    },
                    [=](caf::error& e) { fail(to_string(e)); });
          },
          [=](caf::error& e) { fail(to_string(e)); });
}

/// Gathers every node's view and plans: `next(planning, decisions)`.
void plan_now(psm_planner_pointer self, store_view v,
              std::function<void(psm_planning, decisions)> next, fail_fn fail) {
  auto& st = self->state;
  self->request(st.router, st.opt.timeout, psm_view_atom::value,
                st.opt.recent_slots)
      .then(
          [=](std::vector<psm_node_forecasts>& views) {
            auto& st = self->state;
            psm_actor::plan_context ctx;
            ctx.settings = v.settings;
            ctx.slot_seconds = st.opt.slot_seconds;
            ctx.horizon = st.opt.horizon;
            ctx.period_slots = st.opt.period_slots;
            ctx.shards = st.opt.shards;
            auto ring = st.ring;
            ctx.home = [ring](inode_id d) { return ring.home(d); };
            ctx.recent = v.recent;
            auto t0 = std::chrono::steady_clock::now();
            decisions ds;
            try {
              ds = psm_actor::decide(views, ctx);
            } catch (const std::exception& e) {
              fail(std::string{"planning refused its input: "} + e.what());
              return;
            }
            auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                std::chrono::steady_clock::now() - t0);
            psm_planning p;
            p.at = psm_actor::newest_slot(views);
            p.policy = psm_policy::to_string(v.settings.policy);
            p.count = static_cast<uint32_t>(ds.size());
            p.decisions = plan::encode_decisions(ds);
            p.node = st.opt.node;
            p.series = static_cast<uint32_t>(psm_actor::merge_views(views).size());
            p.cost_us = static_cast<uint64_t>(us.count());
            next(std::move(p), std::move(ds));
          },
          [=](caf::error& e) { fail(to_string(e)); });
}

std::deque<step> steps_of(const decisions& ds) {
  std::deque<step> out;
  for (auto& d : ds) {
    step s;
    s.dir = d.part.dir;
    s.range = d.part.range;
    s.to = d.to;
    switch (d.kind) {
    case plan::decision_kind::split:
      s.kind = step::split;
      s.parts = d.parts;
      break;
    case plan::decision_kind::move:
      s.kind = step::move;
      break;
    case plan::decision_kind::consolidate:
      s.kind = step::consolidate;
      break;
    default:
      continue; // skips are kept as reasons, nothing to do
    }
    out.push_back(s);
  }
  return out;
}

/// Carries the steps out one after the other, then ends the period.
void carry_out(psm_planner_pointer self, std::shared_ptr<std::deque<step>> q) {
  auto& st = self->state;
  if (q->empty()) {
    done(self);
    return;
  }
  auto s = q->front();
  q->pop_front();
  auto next = [self, q](bool ok, const char* what, errc code) {
    auto& st = self->state;
    if (ok) {
      ++st.status.executed;
    } else {
      ++st.status.failed;
      log_event(log_level::warn, "psm", "a planned step failed",
                {{"step", what}, {"error", std::string{to_string(code)}}});
    }
    carry_out(self, q);
  };
  auto lost = [next](const char* what) {
    return [next, what](caf::error&) { next(false, what, errc::eunavailable); };
  };
  switch (s.kind) {
  case step::split: {
    ns_request r = make_request(ns_op::split, s.dir);
    r.from = s.range.lo;
    r.until = s.range.hi;
    r.max_entries = s.parts;
    self->request(st.router, st.opt.timeout, ns_atom::value,
                  std::vector<ns_request>{r})
        .then(
            [next](std::vector<ns_reply>& rs) {
              auto code = rs.empty() ? errc::eio : rs[0].code;
              next(code == errc::ok, "split", code);
            },
            lost("split"));
    break;
  }
  case step::move:
    self->request(st.router, 12 * st.opt.timeout, move_atom::value,
                  move_request{s.dir, s.range, s.to})
        .then(
            [next](meta_result& r) {
              // EEXIST: the part is where the step takes it (a planning
              // carried out again after a takeover).
              next(r.code == errc::ok || r.code == errc::eexist, "move",
                   r.code);
            },
            lost("move"));
    break;
  case step::consolidate:
    // Every part placed away from the home goes back to it.
    self->request(st.metadata, st.opt.timeout, place_get_atom::value, s.dir)
        .then(
            [self, q, s](dir_placement& p) {
              for (auto i = p.parts.rbegin(); i != p.parts.rend(); ++i)
                if (i->shard != s.to)
                  q->push_front(step{step::move, s.dir, i->range, 1, s.to});
              ++self->state.status.executed;
              carry_out(self, q);
            },
            lost("consolidate"));
    break;
  }
}

/// Whether the newest recorded planning is one this planner must carry
/// out before planning at slot `at`: it did not carry it out itself, and
/// the planning is not older than the quiet time (after which its
/// decisions no longer hold anything back, and a new planning decides).
bool takes_over(const psm_planner_state& st, const store_view& v, int64_t at) {
  if (v.last_at < 0 || st.carried_out >= v.last_at)
    return false;
  auto quiet_slots = static_cast<int64_t>(std::ceil(
      v.settings.quiet_seconds / std::max(st.opt.slot_seconds, 1e-3)));
  return at - v.last_at <= quiet_slots;
}

/// One period: plan if this node's metadata replica leads.
void period(psm_planner_pointer self) {
  auto& st = self->state;
  if (st.busy)
    return; // the last period's work is still under way
  st.busy = true;
  auto fail = [self](std::string e) { done(self, std::move(e)); };
  self->request(st.metadata, st.opt.timeout, raft_status_atom::value)
      .then(
          [=](raft_status& rs) {
            auto& st = self->state;
            st.status.active = rs.role == "leader";
            if (!st.status.active)
              return done(self);
            read_store(self, [=](store_view v) {
              auto pol = v.settings.policy;
              if (pol == policy_kind::off ||
                  pol == policy_kind::reactive_capacity)
                return done(self);
              plan_now(self, v, [=](psm_planning p, decisions ds) {
                auto& st = self->state;
                if (takes_over(st, v, p.at)) {
                  // A takeover finishes the newest planning first: its
                  // decisions, recorded, keep their parts out of the next
                  // plannings for the quiet time, so a step left undone
                  // now would be lost. Every step is idempotent.
                  st.carried_out = v.last_at;
                  return carry_out(self, std::make_shared<std::deque<step>>(
                                             steps_of(v.last)));
                }
                if (p.at <= v.last_at || ds.empty())
                  return done(self); // planned already, or nothing to do
                psm_record rec{p.at, p.policy, p.count, p.decisions,
                               v.settings.decisions_kept, 0, p.node, p.series,
                               p.cost_us};
                // Kept long enough for the quiet time, and a day at least.
                rec.keep_slots = static_cast<int64_t>(
                    std::max(v.settings.quiet_seconds, 86400.0) /
                    std::max(st.opt.slot_seconds, 1e-3));
                self->request(st.metadata, st.opt.timeout, meta_atom::value,
                              meta_command{rec})
                    .then(
                        [=](meta_result& r) {
                          auto& st = self->state;
                          if (r.code != errc::ok)
                            return done(self, std::string{"not recorded: "} +
                                                  std::string{to_string(r.code)});
                          ++st.status.plannings;
                          st.status.last_at = p.at;
                          st.status.last_cost_us = p.cost_us;
                          st.status.last_series = p.series;
                          st.carried_out = p.at;
                          for (auto& d : ds)
                            log_event(log_level::info, "psm", "decision",
                                      {{"decision", plan::describe(d)}});
                          carry_out(self, std::make_shared<std::deque<step>>(
                                              steps_of(ds)));
                        },
                        [=](caf::error& e) { done(self, to_string(e)); });
              }, fail);
            }, fail);
          },
          [=](caf::error& e) { done(self, to_string(e)); });
}

} // namespace

psm_planner_actor::behavior_type
psm_planner_behavior(psm_planner_pointer self, router_actor router,
                     metadata_actor metadata, psm_planner_options opt) {
  auto& st = self->state;
  st.router = std::move(router);
  st.metadata = std::move(metadata);
  st.ring = hash_ring{std::max<uint32_t>(opt.shards, 1)};
  st.status.node = opt.node;
  st.opt = std::move(opt);
  self->delayed_send(self, st.opt.period, psm_tick_atom::value);
  return {
      [self](psm_tick_atom) {
        ++self->state.status.ticks;
        self->delayed_send(self, self->state.opt.period,
                           psm_tick_atom::value);
        period(self);
      },
      [self](psm_plan_atom) -> caf::result<psm_planning> {
        auto rp = self->make_response_promise<psm_planning>();
        auto fail = [rp](std::string e) mutable {
          rp.deliver(caf::make_error(caf::sec::runtime_error, std::move(e)));
        };
        read_store(self, [=](store_view v) mutable {
          plan_now(self, std::move(v),
                   [rp](psm_planning p, decisions) mutable {
                     rp.deliver(std::move(p));
                   },
                   fail);
        }, fail);
        return rp;
      },
      [self](psm_status_atom) { return self->state.status; },
  };
}

} // namespace ds
