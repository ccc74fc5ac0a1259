#include "actors/psm/planner.hpp"

#include <cmath>
#include <map>

#include <caf/all.hpp>

#include "actors/log.hpp"
#include "actors/psm/plan_build.hpp"
#include "psm/plan/decision_codec.hpp"
#include "psm/plan/decision_log.hpp"

namespace ds {

namespace {

using decisions = std::vector<plan::decision>;
using psm_policy::policy_kind;
using step = psm_planner_state::step;

psm_policy::lookup_fn lookup_in(std::vector<config_entry> xs) {
  auto m = std::make_shared<std::map<std::string, std::string>>();
  for (auto& e : xs)
    (*m)[e.key] = e.value;
  return [m](const std::string& k) -> std::optional<std::string> {
    auto i = m->find(k);
    return i == m->end() ? std::nullopt : std::optional<std::string>{i->second};
  };
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

psm_planner_state::steps steps_to_do(const decisions& ds) {
  return std::make_shared<std::deque<step>>(steps_of(ds));
}

} // namespace

void psm_planner_state::start(router_actor r, metadata_actor m,
                              psm_planner_options o) {
  router = std::move(r);
  metadata = std::move(m);
  ring = hash_ring{std::max<uint32_t>(o.shards, 1)};
  status.node = o.node;
  opt = std::move(o);
  self->delayed_send(self, opt.period, psm_tick_atom::value);
}

void psm_planner_state::on_tick() {
  ++status.ticks;
  self->delayed_send(self, opt.period, psm_tick_atom::value);
  period();
}

caf::result<psm_planning> psm_planner_state::dry_run() {
  auto rp = self->make_response_promise<psm_planning>();
  auto fail = [rp](std::string e) mutable {
    rp.deliver(caf::make_error(caf::sec::runtime_error, std::move(e)));
  };
  read_store(
      [this, rp, fail](store_view v) mutable {
        plan_now(
            std::move(v),
            [rp](psm_planning p, decisions) mutable {
              rp.deliver(std::move(p));
            },
            fail);
      },
      fail);
  return rp;
}

// -- a period ---------------------------------------------------------------

void psm_planner_state::period() {
  if (busy)
    return; // the last period's work is still under way
  busy = true;
  self->request(metadata, opt.timeout, raft_status_atom::value)
      .then([this](raft_status& rs) { on_role(rs); },
            [this](caf::error& e) { done(to_string(e)); });
}

void psm_planner_state::on_role(const raft_status& rs) {
  status.active = rs.role == "leader";
  if (!status.active)
    return done();
  read_store([this](store_view v) { plan_period(v); },
             [this](std::string e) { done(std::move(e)); });
}

void psm_planner_state::plan_period(const store_view& v) {
  auto pol = v.settings.policy;
  if (pol == policy_kind::off || pol == policy_kind::reactive_capacity)
    return done();
  plan_now(
      v,
      [this, v](psm_planning p, decisions ds) {
        on_planned(v, std::move(p), std::move(ds));
      },
      [this](std::string e) { done(std::move(e)); });
}

void psm_planner_state::on_planned(const store_view& v, psm_planning p,
                                   decisions ds) {
  if (takes_over(v, p.at)) {
    // A takeover finishes the newest planning first: its decisions,
    // recorded, keep their parts out of the next plannings for the quiet
    // time, so a step left undone now would be lost. Every step is
    // idempotent.
    carried_out = v.last_at;
    return carry_out(steps_to_do(v.last));
  }
  // A skip said within the quiet time is not said again: the log keeps
  // what changed (a dry run still shows every skip).
  ds = plan::without_repeated_skips(
      std::move(ds), v.recent,
      psm_actor::quiet_slots(v.settings.quiet_seconds, opt.slot_seconds));
  if (p.at <= v.last_at || ds.empty())
    return done(); // planned already, or nothing to do
  p.count = static_cast<uint32_t>(ds.size());
  p.decisions = plan::encode_decisions(ds);
  record(v, std::move(p), std::move(ds));
}

void psm_planner_state::record(const store_view& v, psm_planning p,
                               decisions ds) {
  psm_record rec{
      p.at, p.policy, p.count,  p.decisions, v.settings.decisions_kept,
      0,    p.node,   p.series, p.cost_us};
  // Kept long enough for the quiet time, and a day at least.
  rec.keep_slots =
      static_cast<int64_t>(std::max(v.settings.quiet_seconds, 86400.0) /
                           std::max(opt.slot_seconds, 1e-3));
  self->request(metadata, opt.timeout, meta_atom::value, meta_command{rec})
      .then(
          [this, p, ds](meta_result& r) {
            if (r.code != errc::ok)
              return done(std::string{"not recorded: "} +
                          std::string{to_string(r.code)});
            ++status.plannings;
            status.last_at = p.at;
            status.last_cost_us = p.cost_us;
            status.last_series = p.series;
            carried_out = p.at;
            for (auto& d : ds)
              log_event(log_level::info, "psm", "decision",
                        {{"decision", plan::describe(d)}});
            carry_out(steps_to_do(ds));
          },
          [this](caf::error& e) { done(to_string(e)); });
}

void psm_planner_state::done(std::string error) {
  status.last_error = std::move(error);
  busy = false;
}

bool psm_planner_state::takes_over(const store_view& v, int64_t at) const {
  if (v.last_at < 0 || carried_out >= v.last_at)
    return false;
  return at - v.last_at <=
         psm_actor::quiet_slots(v.settings.quiet_seconds, opt.slot_seconds);
}

// -- reading the store and planning -----------------------------------------

void psm_planner_state::read_store(view_fn next, fail_fn fail) {
  self->request(metadata, opt.timeout, cfg_list_atom::value)
      .then(
          [this, next, fail](std::vector<config_entry>& cfg) {
            store_view v;
            v.settings = plan::read_config(lookup_in(std::move(cfg)),
                                           opt.default_policy);
            status.policy = psm_policy::to_string(v.settings.policy);
            read_plannings(std::move(v), next, fail);
          },
          [fail](caf::error& e) { fail(to_string(e)); });
}

void psm_planner_state::read_plannings(store_view v, view_fn next,
                                       fail_fn fail) {
  self->request(metadata, opt.timeout, psm_plannings_atom::value, int64_t{0})
      .then(
          [v, next](std::vector<psm_planning>& ps) mutable {
            for (auto& p : ps) {
              try {
                auto ds = plan::decode_decisions(p.decisions);
                v.recent.insert(v.recent.end(), ds.begin(), ds.end());
                v.last_at = p.at;
                v.last = std::move(ds);
              } catch (const std::exception&) {
                // A planning from a newer release: not ours to read; it
                // only does not count for the budget.
              }
            }
            next(std::move(v));
          },
          [fail](caf::error& e) { fail(to_string(e)); });
}

void psm_planner_state::plan_now(store_view v, planned_fn next, fail_fn fail) {
  self->request(router, opt.timeout, psm_view_atom::value, opt.recent_slots)
      .then(
          [this, v, next, fail](std::vector<psm_node_forecasts>& views) {
            plan_views(views, v, next, fail);
          },
          [fail](caf::error& e) { fail(to_string(e)); });
}

void psm_planner_state::plan_views(const std::vector<psm_node_forecasts>& views,
                                   const store_view& v, const planned_fn& next,
                                   const fail_fn& fail) {
  psm_actor::plan_context ctx;
  ctx.settings = v.settings;
  ctx.slot_seconds = opt.slot_seconds;
  ctx.horizon = opt.horizon;
  ctx.period_slots = opt.period_slots;
  ctx.shards = opt.shards;
  ctx.home = [r = ring](inode_id d) { return r.home(d); };
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
  p.node = opt.node;
  p.series = static_cast<uint32_t>(psm_actor::merge_views(views).size());
  p.cost_us = static_cast<uint64_t>(us.count());
  next(std::move(p), std::move(ds));
}

// -- carrying a planning out ------------------------------------------------

void psm_planner_state::carry_out(steps q) {
  if (q->empty())
    return done();
  auto s = q->front();
  q->pop_front();
  auto lost = [this, q](const char* what) {
    return [this, q, what](caf::error&) {
      step_done(q, false, what, errc::eunavailable);
    };
  };
  switch (s.kind) {
  case step::split: {
    ns_request r = make_request(ns_op::split, s.dir);
    r.from = s.range.lo;
    r.until = s.range.hi;
    r.max_entries = s.parts;
    self->request(router, opt.timeout, ns_atom::value,
                  std::vector<ns_request>{r})
        .then(
            [this, q](std::vector<ns_reply>& rs) {
              auto code = rs.empty() ? errc::eio : rs[0].code;
              step_done(q, code == errc::ok, "split", code);
            },
            lost("split"));
    break;
  }
  case step::move:
    self->request(router, 12 * opt.timeout, move_atom::value,
                  move_request{s.dir, s.range, s.to})
        .then(
            [this, q](meta_result& r) {
              // EEXIST: the part is where the step takes it (a planning
              // carried out again after a takeover).
              step_done(q, r.code == errc::ok || r.code == errc::eexist, "move",
                        r.code);
            },
            lost("move"));
    break;
  case step::consolidate:
    // Every part placed away from the home goes back to it.
    self->request(metadata, opt.timeout, place_get_atom::value, s.dir)
        .then(
            [this, q, s](dir_placement& p) {
              for (auto i = p.parts.rbegin(); i != p.parts.rend(); ++i)
                if (i->shard != s.to)
                  q->push_front(step{step::move, s.dir, i->range, 1, s.to});
              ++status.executed;
              carry_out(q);
            },
            lost("consolidate"));
    break;
  }
}

void psm_planner_state::step_done(steps q, bool ok, const char* what,
                                  errc code) {
  if (ok) {
    ++status.executed;
  } else {
    ++status.failed;
    log_event(log_level::warn, "psm", "a planned step failed",
              {{"step", what}, {"error", std::string{to_string(code)}}});
  }
  carry_out(std::move(q));
}

psm_planner_actor::behavior_type psm_planner_behavior(psm_planner_pointer self,
                                                      router_actor router,
                                                      metadata_actor metadata,
                                                      psm_planner_options opt) {
  self->state.self = self;
  self->state.start(std::move(router), std::move(metadata), std::move(opt));
  return {
      [self](psm_tick_atom) { self->state.on_tick(); },
      [self](psm_plan_atom) { return self->state.dry_run(); },
      [self](psm_status_atom) { return self->state.status; },
  };
}

} // namespace ds
