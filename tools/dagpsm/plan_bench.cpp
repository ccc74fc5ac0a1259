// plan_bench SERIES PERIOD DAYS PARTS SHARDS: times the PSM's per-period
// work on synthetic daily series (seeded): the first forecast tier (SPAR
// with its backtest) per series, the tiered forecaster per series, and one
// planning of PARTS parts over SHARDS shards with a horizon of one period.
// Prints per-series and per-planning times; nothing is asserted (the tests
// do that).
#include "psm/forecast/spar.hpp"
#include "psm/forecast/tiered.hpp"
#include "psm/plan/planner.hpp"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <random>
#include <vector>

namespace {

using clk = std::chrono::steady_clock;
namespace fc = ds::forecast;
using namespace ds::plan;

/// Process CPU seconds: on a shared machine the wall clock also counts
/// other processes' turns.
double cpu_now() {
  return double(std::clock()) / CLOCKS_PER_SEC;
}

double seconds_since(clk::time_point t0) {
  return std::chrono::duration<double>(clk::now() - t0).count();
}

/// Series i: a daily bump at its own phase, its own level, 10 % noise.
std::vector<arma::vec> make_series(int count, int period, int days) {
  std::mt19937_64 rng(1);
  std::normal_distribution<double> e(1, 0.1);
  std::vector<arma::vec> out;
  for (int i = 0; i < count; ++i) {
    arma::vec y(arma::uword(period * days));
    double level = 5 + i % 50, phase = (i * 7) % period;
    for (arma::uword t = 0; t < y.n_elem; ++t)
      y(t) = level * (1.5 + std::cos(2 * M_PI * (double(t) - phase) / period)) *
             e(rng);
    out.push_back(std::move(y));
  }
  return out;
}

plan_input make_plan(const std::vector<arma::vec>& ys, int parts,
                     uint32_t shards, int period) {
  plan_input in;
  in.config.threshold = 100;
  in.config.exit_threshold = 40;
  in.config.period_slots = period / 24;
  in.config.quiet_slots = period;
  in.now = int64_t(ys.front().n_elem);
  for (uint32_t s = 0; s < shards; ++s)
    in.shards.push_back({s, 0, std::vector<double>(std::size_t(period))});
  for (int i = 0; i < parts; ++i) {
    const auto& y = ys[std::size_t(i) % ys.size()];
    part_input p;
    p.id = {uint64_t(i + 1), {}};
    p.shard = p.home = uint32_t(i) % shards;
    p.history = arma::conv_to<std::vector<double>>::from(y.tail(period));
    p.forecast.mean = p.history; // tomorrow like today
    p.forecast.upper = p.history;
    for (auto& u : p.forecast.upper)
      u *= 1.2;
    for (int t = 0; t < period; ++t)
      in.shards[p.shard].predicted[std::size_t(t)] +=
          p.forecast.mean[std::size_t(t)];
    in.parts.push_back(std::move(p));
  }
  return in;
}

} // namespace

int main(int argc, char** argv) {
  if (argc != 6 && argc != 7) {
    std::fprintf(stderr, "usage: plan_bench SERIES PERIOD DAYS PARTS SHARDS "
                         "[THRESHOLD]\n");
    return 2;
  }
  int count = std::atoi(argv[1]), period = std::atoi(argv[2]),
      days = std::atoi(argv[3]), parts = std::atoi(argv[4]);
  auto shards = uint32_t(std::atoi(argv[5]));
  if (count < 1 || period < 24 || days < 3 || parts < 1 || shards < 1) {
    std::fprintf(stderr, "plan_bench: SERIES, PARTS, SHARDS >= 1, PERIOD >= "
                         "24, DAYS >= 3\n");
    return 2;
  }
  auto ys = make_series(count, period, days);
  fc::tier_options opt;
  opt.period = period;
  opt.threshold = argc == 7 ? std::atof(argv[6]) : 100;
  if (!(opt.threshold > 0)) {
    std::fprintf(stderr, "plan_bench: THRESHOLD > 0\n");
    return 2;
  }
  auto t0 = clk::now();
  double c0 = cpu_now();
  for (const auto& y : ys) {
    fc::spar_options so;
    so.horizon = period;
    fc::select_model(y, period, {fc::spar_candidate(so)}, period, 3);
  }
  double spar = seconds_since(t0) / count, spar_cpu = (cpu_now() - c0) / count;
  t0 = clk::now();
  c0 = cpu_now();
  int escalated = 0;
  for (const auto& y : ys)
    escalated += fc::forecast_tiered(y, opt).escalated;
  double tiered = seconds_since(t0) / count,
         tiered_cpu = (cpu_now() - c0) / count;
  // Between rescorings: each series' choice, scored a slot earlier, is
  // refitted on the newer series without a backtest.
  std::vector<fc::tier_choice> kept(ys.size());
  for (std::size_t i = 0; i < ys.size(); ++i)
    fc::forecast_kept(arma::vec(ys[i].head(ys[i].n_elem - 1)), opt, kept[i]);
  t0 = clk::now();
  c0 = cpu_now();
  int refitted = 0;
  for (std::size_t i = 0; i < ys.size(); ++i)
    refitted += !fc::forecast_kept(ys[i], opt, kept[i]).rescored;
  double again = seconds_since(t0) / count,
         again_cpu = (cpu_now() - c0) / count;
  auto in = make_plan(ys, parts, shards, period);
  t0 = clk::now();
  c0 = cpu_now();
  auto ds = plan(in);
  double planning = seconds_since(t0), planning_cpu = cpu_now() - c0;
  std::printf("series %d x %d points, period %d\n", count, period * days,
              period);
  std::printf("spar tier: %.3f ms CPU (%.3f ms wall) per series (fit and "
              "3-origin backtest)\n",
              spar_cpu * 1e3, spar * 1e3);
  std::printf("tiered: %.3f ms CPU (%.3f ms wall) per series, %d of %d "
              "escalated\n",
              tiered_cpu * 1e3, tiered * 1e3, escalated, count);
  std::printf("kept choice refitted: %.3f ms CPU (%.3f ms wall) per series, "
              "%d of %d refitted without a backtest\n",
              again_cpu * 1e3, again * 1e3, refitted, count);
  std::printf("one period, rescoring every 10: %.3f ms CPU per series\n",
              (tiered_cpu + 9 * again_cpu) / 10 * 1e3);
  std::printf("planning: %d parts, %u shards, horizon %d: %.1f ms CPU (%.1f "
              "ms wall), %zu decisions\n",
              parts, shards, period, planning_cpu * 1e3, planning * 1e3,
              ds.size());
}
