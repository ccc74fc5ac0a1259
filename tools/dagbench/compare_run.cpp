// One policy's run of dagbench compare: a fresh in-process node, the
// workload's setup, the PSM's history imported, the evaluated day replayed
// open loop, then the figures of docs/BENCHMARKS.md.
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <iostream>
#include <map>
#include <thread>

#include "actors/node.hpp"
#include "client/client.hpp"
#include "model/meta/placement.hpp"
#include "psm/plan/churn.hpp"
#include "psm/plan/decision_codec.hpp"
#include "tools/dagbench/compare.hpp"
#include "tools/dagbench/replay.hpp"
#include "tools/dagbench/workload/surges.hpp"

namespace ds::bench {

namespace {

using wall = std::chrono::system_clock;

/// Places every part of every directory the setup made by hashing (the
/// `hash` policy, through the migration protocol).
void spread_all(client& cl, uint32_t shards,
                const std::vector<workload::event>& setup, uint64_t bits) {
  hash_ring ring{shards};
  for (auto& e : setup) {
    if (e.op != workload::op_kind::mkdir)
      continue;
    path_request st;
    st.op = path_op::stat;
    st.path = e.path;
    auto d = cl.call(st);
    if (d.code != errc::ok)
      throw std::runtime_error("compare: " + e.path + ": " +
                               std::string{to_string(d.code)});
    for (uint64_t i = 0; i < (uint64_t{1} << bits); ++i) {
      hash_range r;
      r.lo = i << (64 - bits);
      r.hi = r.lo | (~uint64_t{0} >> bits);
      auto m = cl.move(e.path, r, spread_shard(ring, d.a.ino, i));
      if (m.code != errc::ok && m.code != errc::eexist)
        throw std::runtime_error("compare: moving a part of " + e.path + ": " +
                                 std::string{to_string(m.code)});
    }
  }
}

void set(client& cl, const std::string& key, const std::string& value) {
  auto r = cl.config_set(key, value);
  if (r.code != errc::ok)
    throw std::runtime_error("compare: config set " + key + " " + value + ": " +
                             std::string{to_string(r.code)} + " " + r.detail);
}

/// Imports the history (events before w.history_us) so that it ends at
/// `day_start`; returns the accesses imported.
uint64_t import_history(client& cl, const generated& w, wall::time_point day) {
  std::map<std::string, inode_id> dirs;
  auto ino_of = [&](const std::string& dir) -> inode_id {
    if (dir == "/")
      return root_ino;
    auto [i, fresh] = dirs.emplace(dir, 0);
    if (fresh) {
      path_request st;
      st.op = path_op::stat;
      st.path = dir;
      auto r = cl.call(st);
      if (r.code != errc::ok)
        throw std::runtime_error("compare: history: " + dir + ": " +
                                 std::string{to_string(r.code)});
      i->second = r.a.ino;
    }
    return i->second;
  };
  double end_ms = double(std::chrono::duration_cast<std::chrono::milliseconds>(
                             day.time_since_epoch())
                             .count());
  std::vector<psm_access> batch;
  uint64_t imported = 0;
  auto flush = [&] {
    if (batch.empty())
      return;
    auto r = cl.psm_import(std::move(batch));
    batch.clear();
    if (!r)
      throw std::runtime_error("compare: the history import failed: " +
                               cl.system().render(r.error()));
    imported += r->imported;
  };
  for (auto& e : w.events) {
    if (e.time_us >= w.history_us)
      break;
    access::op op;
    switch (e.op) {
    case workload::op_kind::create:
      op = access::op::create;
      break;
    case workload::op_kind::remove:
      op = access::op::remove;
      break;
    case workload::op_kind::readdir:
      op = access::op::readdir;
      break;
    case workload::op_kind::mkdir:
      continue; // not counted by the shards either
    default:
      op = access::op::lookup;
    }
    psm_access a;
    if (op == access::op::readdir) {
      a.dir = ino_of(e.path); // the directory listed
    } else {
      auto cut = e.path.rfind('/');
      a.dir = ino_of(cut == 0 ? std::string("/") : e.path.substr(0, cut));
      a.name = e.path.substr(cut + 1);
    }
    a.op = static_cast<uint8_t>(op);
    a.time_ms = std::llround(end_ms - double(w.history_us - e.time_us) / 1e3);
    batch.push_back(std::move(a));
    if (batch.size() == max_psm_import)
      flush();
  }
  flush();
  return imported;
}

/// The shards' counters of changes, summed.
struct change_counts {
  uint64_t splits = 0, moves = 0, moved = 0;
};

change_counts changes(client& cl) {
  change_counts c;
  for (auto& x : cl.shards()) {
    c.splits += x.stats.splits;
    c.moves += x.stats.moves_in;
    c.moved += x.stats.moved_in;
  }
  return c;
}

/// The figures of the run from its replay and the plannings recorded.
policy_figures figures_of(const replay_result& r,
                          const std::vector<workload::event>& day,
                          const std::vector<psm_planning>& plannings,
                          const compare_options& o) {
  policy_figures f;
  f.shard_capacity = o.shard_capacity;
  f.shard_target = o.shard_target;
  f.objective_ms = o.objective_ms;
  auto surges = workload::surge_seconds(workload::offered_per_second(day));
  std::vector<int64_t> p99;
  std::vector<std::vector<uint64_t>> loads;
  for (std::size_t s = 0; s < r.per_second.size(); ++s) {
    auto& sec = r.per_second[s];
    p99.push_back(sec.latency_ns.count() ? sec.latency_ns.percentile(99) : 0);
    loads.push_back(sec.shard_ops);
    if (s < surges.size() && surges[s]) {
      ++f.surge_seconds;
      f.surge_ns.merge(sec.latency_ns);
    }
  }
  f.violation_seconds = workload::violation_seconds(
      p99, static_cast<int64_t>(o.objective_ms * 1e6));
  f.surge_max_mean = workload::max_over_mean(loads, surges);
  std::vector<plan::decision> ds;
  for (auto& p : plannings)
    for (auto& d : plan::decode_decisions(p.decisions))
      ds.push_back(std::move(d));
  // The quiet time is psm.quiet-time's default (600 s) in slots.
  auto c = plan::tally(ds, static_cast<int64_t>(600 / o.slot_s));
  for (auto& d : ds)
    f.decisions.push_back(plan::describe(d));
  f.moves_undone = c.moves_undone;
  f.planned_splits = c.splits;
  f.planned_moves = c.moves;
  f.consolidations = c.consolidations;
  double sum = 0;
  int n = 0;
  for (auto& d : ds)
    if ((d.kind == plan::decision_kind::split ||
         d.kind == plan::decision_kind::move) &&
        std::isfinite(d.why.backtest_mase)) {
      sum += d.why.backtest_mase;
      ++n;
    }
  if (n > 0)
    f.backtest_mase = sum / n;
  return f;
}

/// The forecasts of the day's hottest directories as they stand at the
/// start of the day (unix slot `day_slot`).
std::vector<forecast_trace>
forecasts_at_start(client& cl, const generated& w,
                   const std::vector<workload::event>& day, int64_t day_slot,
                   const compare_options& o) {
  auto surges = workload::surge_seconds(workload::offered_per_second(day));
  auto day_s = day.empty() ? 0.0 : double(day.back().time_us) / 1e6;
  auto slots = static_cast<std::size_t>(std::ceil(day_s / o.slot_s)) + 1;
  std::vector<workload::event> past;
  for (auto& e : w.events)
    if (e.time_us < w.history_us)
      past.push_back(e);
  auto past_slots =
      static_cast<std::size_t>(double(w.history_us) / 1e6 / o.slot_s);
  std::vector<forecast_trace> out;
  for (auto& dir : workload::hot_dirs(day, surges, 2)) {
    forecast_trace t;
    t.dir = dir;
    t.actual = workload::dir_rates(day, dir, o.slot_s, slots);
    t.mean.assign(slots, NAN);
    t.upper.assign(slots, NAN);
    auto v = cl.psm_series(dir);
    if (v && v->has_forecast) {
      t.model = v->model;
      for (std::size_t i = 0; i < v->mean.size(); ++i) {
        auto k = int64_t(v->origin) + 1 + int64_t(i) - day_slot;
        if (k >= 0 && std::size_t(k) < slots) {
          t.mean[std::size_t(k)] = v->mean[i];
          t.upper[std::size_t(k)] = v->upper[i];
        }
      }
      std::vector<double> f, a;
      for (std::size_t k = 0; k < slots; ++k)
        if (!std::isnan(t.mean[k])) {
          f.push_back(t.mean[k]);
          a.push_back(t.actual[k]);
        }
      t.mase = workload::mase(
          f, a, workload::dir_rates(past, dir, o.slot_s, past_slots),
          std::size_t(o.season));
    }
    out.push_back(std::move(t));
  }
  return out;
}

} // namespace

labelled_run run_policy(caf::actor_system& sys, const generated& w,
                        const std::string& policy, const compare_options& o) {
  bool psm = policy != "home" && policy != "hash";
  node_options opts;
  char tmpl[] = "/tmp/dagbench-XXXXXX";
  std::string tmp = ::mkdtemp(tmpl);
  opts.data_dir = tmp;
  opts.shards = o.shards;
  opts.dir_cache_entries = o.dir_cache;
  parse_sync_mode(o.sync, opts.sync);
  opts.shard_capacity = o.shard_capacity;
  if (psm && !psm_policy::parse_policy(policy, opts.psm_policy))
    throw std::invalid_argument("unknown policy '" + policy + "'");
  opts.psm_slot = o.slot_s;
  opts.psm_period = o.period;
  opts.psm_season = o.season;
  opts.psm_horizon = o.horizon;
  opts.psm_threshold = o.threshold / 2;
  auto node = start_node(sys, opts, false);
  labelled_run run;
  try {
    client cl{sys, node.gateway, std::chrono::seconds(60)};
    std::vector<gateway_actor> gws{node.gateway};
    auto quiet = [](uint64_t, uint64_t) {};
    replay(sys, gws, w.setup, {}, o.speed, quiet); // the setup only
    // What the policy changes from here on is its cost: the hash policy's
    // spreading and the PSM's moves before the day count too.
    auto before = changes(cl);
    if (policy == "hash")
      spread_all(cl, o.shards, w.setup, o.spread_bits);
    uint64_t imported = 0;
    auto day_start = wall::now();
    if (psm) {
      set(cl, "psm.threshold", std::to_string(o.threshold));
      set(cl, "psm.shard-target", std::to_string(o.shard_target));
      day_start += std::chrono::milliseconds(std::llround(o.lead_s * 1000));
      if (w.history_us > 0)
        imported = import_history(cl, w, day_start);
      if (wall::now() > day_start)
        throw std::runtime_error("compare: the history import took longer "
                                 "than --lead: give it more");
      std::this_thread::sleep_until(day_start);
    }
    auto day_slot = static_cast<int64_t>(std::floor(
        std::chrono::duration<double>(day_start.time_since_epoch()).count() /
        o.slot_s));
    std::vector<workload::event> day;
    for (auto& e : w.events)
      if (e.time_us >= w.history_us) {
        day.push_back(e);
        day.back().time_us -= w.history_us;
      }
    std::vector<forecast_trace> traces;
    if (psm)
      traces = forecasts_at_start(cl, w, day, day_slot, o);
    run.result = replay(sys, gws, {}, day, o.speed, quiet);
    run.result.routers = collect_routers(sys, gws);
    errc code = errc::ok;
    auto plannings =
        psm ? cl.psm_plannings(0, code) : std::vector<psm_planning>{};
    if (code != errc::ok)
      throw std::runtime_error("compare: reading the plannings: " +
                               std::string{to_string(code)});
    run.figures = figures_of(run.result, day, plannings, o);
    auto after = changes(cl);
    run.figures->splits = after.splits - before.splits;
    run.figures->moves = after.moves - before.moves;
    run.figures->entries_moved = after.moved - before.moved;
    run.figures->policy = policy;
    run.figures->history_accesses = imported;
    double sum = 0;
    int n = 0;
    for (auto& t : traces)
      if (t.mase >= 0) {
        sum += t.mase;
        ++n;
      }
    if (n > 0)
      run.figures->day_mase = sum / n;
    run.figures->traces = std::move(traces);
    run.label = "policy " + policy;
    if (policy == "home")
      run.label += ": no spreading, DAG nodes split when full";
    else if (policy == "hash")
      run.label += ": " + std::to_string(1 << o.spread_bits) +
                   " parts per directory placed by hashing";
    if (o.shard_capacity > 0)
      run.label += " (emulated capacity " +
                   std::to_string(int64_t(o.shard_capacity)) +
                   " ops/s per shard)";
  } catch (...) {
    stop_node(sys, node);
    std::system(("rm -rf '" + tmp + "'").c_str());
    throw;
  }
  stop_node(sys, node);
  std::system(("rm -rf '" + tmp + "'").c_str());
  return run;
}

} // namespace ds::bench
