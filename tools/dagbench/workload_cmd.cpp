// dagbench record / replay / run: workloads from tools/dagbench/workload,
// written to a trace or replayed open loop against a target, with the report
// outputs.
#include <chrono>
#include <cmath>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <unistd.h>

#include "tools/common/cli.hpp"
#include "tools/dagbench/commands.hpp"
#include "tools/dagbench/replay.hpp"
#include "tools/dagbench/report.hpp"
#include "tools/dagbench/workload/generators.hpp"

namespace ds::bench {

namespace {

double real(const args_map& a, const std::string& k, double dflt) {
  auto it = a.find(k);
  if (it == a.end())
    return dflt;
  std::size_t used = 0;
  double v = std::stod(it->second, &used);
  if (used != it->second.size() || !std::isfinite(v))
    throw std::invalid_argument("--" + k + " wants a number");
  return v;
}

workload::shape shape_of(const args_map& a, const std::string& prefix) {
  if (a.count("find")) {
    std::ifstream in(a.at("find"));
    if (!in)
      throw std::invalid_argument("cannot read " + a.at("find"));
    return workload::shape_from_find(in, prefix);
  }
  return workload::flat_shape(prefix, num(a, "dirs", 16), num(a, "files", 64));
}

} // namespace

generated make_workload(const args_map& a) {
  workload::common_options o;
  o.seed = num(a, "seed", 1);
  o.duration_s = real(a, "seconds", 10);
  o.clients = static_cast<uint32_t>(num(a, "clients", 16));
  std::string kind = a.count("workload") ? a.at("workload") : "zipf";
  bool daily = kind == "diurnal" || kind == "batch" || kind == "bursts";
  // Daily workloads: --days compressed days of --period seconds; all but
  // the last are history (imported by compare, not replayed).
  double period =
      real(a, "period", daily && a.count("days") ? 60 : o.duration_s);
  uint64_t days = num(a, "days", 1);
  if (a.count("days") && !daily)
    throw std::invalid_argument("--days wants --workload diurnal, batch or "
                                "bursts");
  if (!(period > 0))
    throw std::invalid_argument("--period wants a number above 0");
  if (a.count("days"))
    o.duration_s = double(days) * period;
  double rate =
      real(a, "rate", kind == "batch" || kind == "bursts" ? 800 : 10000);
  std::unique_ptr<workload::generator> g;
  if (kind == "uniform" || kind == "zipf") {
    g = workload::make_lookups(shape_of(a, "/lookups"), rate,
                               kind == "zipf" ? real(a, "zipf", 1.1) : 0.0, o);
  } else if (kind == "storm") {
    g = workload::make_create_storm("/storm/hot", rate, o);
  } else if (kind == "diurnal") {
    workload::diurnal_options d;
    d.dirs = num(a, "dirs", 16);
    d.files_per_dir = num(a, "files", 64);
    d.base_rate = rate / double(d.dirs);
    d.period_s = period;
    d.amplitude = real(a, "amplitude", 0.8);
    g = workload::make_diurnal(d, o);
  } else if (kind == "flash") {
    workload::flash_options f;
    f.dirs = num(a, "dirs", 32);
    f.files_per_dir = num(a, "files", 64);
    f.background_rate = rate;
    f.peak_rate = real(a, "peak-rate", 5 * rate);
    f.ramp_start_s = o.duration_s * 0.3;
    f.ramp_s = o.duration_s * 0.3;
    f.peak_s = o.duration_s * 0.2;
    g = workload::make_flash_crowd(f, o);
  } else if (kind == "batch" || kind == "bursts") {
    workload::daily_burst_options b;
    b.dirs = num(a, "dirs", 32);
    b.files_per_dir = num(a, "files", 64);
    b.background_rate = rate;
    b.peak_rate = real(a, "peak-rate", 1500);
    b.period_s = period;
    b.length_s = real(a, "burst-seconds", period / 6);
    b.start_s = period / 2;
    b.unannounced = kind == "bursts";
    g = workload::make_daily_bursts(b, o);
  } else if (kind == "mixed") {
    workload::mix_options m;
    m.rate = rate;
    g = workload::make_mixed(shape_of(a, "/mixed"), m, o);
  } else {
    throw std::invalid_argument(
        "--workload wants uniform, zipf, storm, diurnal, flash, batch, "
        "bursts or mixed");
  }
  generated out;
  if (daily && days > 1)
    out.history_us = static_cast<int64_t>(double(days - 1) * period * 1e6);
  out.setup = g->setup();
  workload::event e;
  while (g->next(e))
    out.events.push_back(e);
  out.label = kind;
  if (daily && days > 1)
    out.label += " (" + std::to_string(days - 1) +
                 " days of history, then one "
                 "day of " +
                 std::to_string(int(period)) + " s)";
  return out;
}

int run_record(const args_map& a) {
  if (!a.count("out"))
    throw std::invalid_argument("record needs --out FILE");
  auto w = make_workload(a);
  std::ofstream f(a.at("out"));
  if (!f)
    throw std::invalid_argument("cannot write " + a.at("out"));
  workload::trace_writer tw(f);
  for (auto& e : w.setup)
    tw.write(e);
  for (auto& e : w.events)
    tw.write(e);
  f.close();
  if (!f)
    throw std::runtime_error("writing " + a.at("out") + " failed");
  std::cerr << "dagbench: wrote " << w.setup.size() + w.events.size()
            << " operations (" << w.setup.size() << " setup) to " << a.at("out")
            << "\n";
  return 0;
}

generated read_trace(const std::string& path) {
  std::ifstream f(path);
  if (!f)
    throw std::invalid_argument("cannot read " + path);
  workload::trace_reader tr(f);
  generated out;
  out.label = path.substr(path.rfind('/') + 1);
  workload::event e;
  while (tr.next(e)) {
    // Operations at time 0 before the first timed one set up the namespace.
    if (e.time_us == 0 && out.events.empty() &&
        (e.op == workload::op_kind::mkdir || e.op == workload::op_kind::create))
      out.setup.push_back(e);
    else
      out.events.push_back(e);
  }
  return out;
}

int run_replay(caf::actor_system& sys, const std::vector<gateway_actor>& gws,
               const generated& w, const args_map& a, bool js,
               nlohmann::json& out) {
  double speed = real(a, "speed", 1);
  if (!(speed > 0))
    throw std::invalid_argument("--speed wants a number above 0");
  // A bar on a terminal, nothing otherwise (and nothing with --json).
  cli::progress bar("replay", 0, !js);
  auto progress = [&bar](uint64_t sent, uint64_t total) {
    bar.update(sent, total);
  };
  bool closed = a.count("closed") > 0;
  labelled_run run{
      w.label,
      closed
          ? replay_closed(sys, gws, w.setup, w.events,
                          static_cast<uint32_t>(num(a, "closed", 16)), progress)
          : replay(sys, gws, w.setup, w.events, speed, progress),
      {}};
  if (closed)
    run.label += " (closed loop, " + a.at("closed") + " clients)";
  run.result.routers = collect_routers(sys, gws);
  bar.finish();
  if (a.count("csv")) {
    std::ofstream f(a.at("csv"));
    write_csv(f, run);
  }
  if (a.count("report")) {
    std::ofstream f(a.at("report"));
    write_html(f, "dagbench: " + w.label, {run});
  }
  if (js)
    out = to_json(run);
  else
    print_summary(std::cout, run);
  return run.result.errors == 0 ? 0 : 1;
}

} // namespace ds::bench
