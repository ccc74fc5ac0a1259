#include "tools/dagbench/workload/generators.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

using namespace ds::workload;

namespace {

std::vector<event> all(generator& g) {
  std::vector<event> out;
  event e;
  while (g.next(e))
    out.push_back(e);
  return out;
}

common_options opts(uint64_t seed, double seconds, uint32_t clients = 8) {
  common_options o;
  o.seed = seed;
  o.duration_s = seconds;
  o.clients = clients;
  return o;
}

// Poisson count check: |observed - expected| within 5 standard deviations.
bool poisson_close(double observed, double expected) {
  return std::abs(observed - expected) <= 5 * std::sqrt(expected) + 1;
}

} // namespace

TEST_CASE("generators are deterministic by seed and ordered in time") {
  auto sh = flat_shape("/w", 10, 20);
  auto a = all(*make_lookups(sh, 5000, 1.1, opts(7, 2)));
  auto b = all(*make_lookups(sh, 5000, 1.1, opts(7, 2)));
  auto c = all(*make_lookups(sh, 5000, 1.1, opts(8, 2)));
  CHECK(a == b);
  CHECK(a != c);
  CHECK(poisson_close(double(a.size()), 10000));
  for (std::size_t i = 1; i < a.size(); ++i)
    CHECK(a[i - 1].time_us <= a[i].time_us);
  for (auto& e : a)
    CHECK(e.client < 8);
}

TEST_CASE("Zipf lookups follow the theoretical frequencies (chi-square)") {
  auto sh = flat_shape("/z", 1, 50);
  for (double s : {0.8, 1.0, 1.5}) {
    CAPTURE(s);
    auto evs = all(*make_lookups(sh, 100000, s, opts(3, 2)));
    std::map<std::string, double> seen;
    for (auto& e : evs)
      seen[e.path] += 1;
    // The most frequent file must have the rank-1 probability, and so on:
    // compare sorted counts against sorted probabilities.
    zipf_sampler z(50, s);
    std::vector<double> counts;
    for (auto& [p, n] : seen)
      counts.push_back(n);
    counts.resize(50, 0);
    std::sort(counts.rbegin(), counts.rend());
    double chi2 = 0, n = double(evs.size());
    for (std::size_t k = 0; k < 50; ++k) {
      double want = n * z.probability(k);
      chi2 += (counts[k] - want) * (counts[k] - want) / want;
    }
    // 49 degrees of freedom: the 99.9% quantile is about 85. (The files'
    // ranks are a seeded shuffle, so counts are matched to probabilities by
    // sorting both.)
    CHECK(chi2 < 85);
  }
}

TEST_CASE("uniform lookups touch every file about equally") {
  auto sh = flat_shape("/u", 4, 25);
  auto evs = all(*make_lookups(sh, 50000, 0, opts(5, 2)));
  std::map<std::string, double> seen;
  for (auto& e : evs)
    seen[e.path] += 1;
  CHECK(seen.size() == 100);
  for (auto& [p, n] : seen)
    CHECK(poisson_close(n, double(evs.size()) / 100));
}

TEST_CASE("a create storm makes distinct names in one directory") {
  auto g = make_create_storm("/hot/dir", 20000, opts(2, 1, 64));
  auto setup = g->setup();
  REQUIRE(setup.size() == 2);
  CHECK(setup[0].path == "/hot");
  CHECK(setup[1].path == "/hot/dir");
  auto evs = all(*g);
  std::set<std::string> names;
  for (auto& e : evs) {
    CHECK(e.op == op_kind::create);
    CHECK(e.path.rfind("/hot/dir/", 0) == 0);
    names.insert(e.path);
  }
  CHECK(names.size() == evs.size());
  CHECK(poisson_close(double(evs.size()), 20000));
}

TEST_CASE("diurnal directories follow their rate curves at different phases") {
  diurnal_options d;
  d.dirs = 4;
  d.files_per_dir = 8;
  d.base_rate = 2000;
  d.amplitude = 0.9;
  d.period_s = 20;
  auto evs = all(*make_diurnal(d, opts(11, 20)));
  // Counts per directory per 1 s bin against the integral of its rate.
  std::map<std::pair<std::size_t, int>, double> bins;
  for (auto& e : evs) {
    std::size_t dir =
        std::stoul(e.path.substr(std::string("/diurnal/d").size()));
    bins[{dir, int(e.time_us / 1000000)}] += 1;
  }
  for (std::size_t dir = 0; dir < 4; ++dir)
    for (int b = 0; b < 20; ++b) {
      double want = 0;
      for (int k = 0; k < 100; ++k)
        want += diurnal_rate(d, dir, b + (k + 0.5) / 100) / 100;
      CAPTURE(dir);
      CAPTURE(b);
      CHECK(poisson_close(bins[{dir, b}], want));
    }
  // The phases differ: directory 0 peaks at t = 5 s, directory 2 at 15 s.
  CHECK(bins[{0, 4}] > 3 * bins[{0, 14}]);
  CHECK(bins[{2, 14}] > 3 * bins[{2, 4}]);
}

TEST_CASE("a flash crowd ramps up before its peak") {
  flash_options f;
  f.dirs = 8;
  f.background_rate = 1000;
  f.hot_dir = 3;
  f.ramp_start_s = 2;
  f.ramp_s = 4;
  f.peak_rate = 10000;
  f.peak_s = 2;
  auto evs = all(*make_flash_crowd(f, opts(4, 10)));
  std::vector<double> hot(10, 0);
  for (auto& e : evs)
    if (e.path.rfind("/flash/d3/", 0) == 0)
      hot[std::size_t(e.time_us / 1000000)] += 1;
  // Background share of the hot directory: 1000 / 8 per second.
  CHECK(poisson_close(hot[0], 125));
  for (int s = 2; s < 6; ++s) // the ramp: mean rate 10000 * (s - 2 + 0.5) / 4
    CHECK(poisson_close(hot[s], 125 + 10000 * (s - 2 + 0.5) / 4));
  CHECK(hot[2] < hot[3]);
  CHECK(hot[3] < hot[4]);
  CHECK(hot[4] < hot[5]);
  CHECK(poisson_close(hot[6], 10125));
  CHECK(poisson_close(hot[8], 125));
}

TEST_CASE(
    "the mixed profile keeps its proportions and deletes only existing names") {
  auto sh = flat_shape("/m", 5, 10);
  mix_options m;
  m.rate = 20000;
  auto g = make_mixed(sh, m, opts(9, 2));
  std::set<std::string> live(sh.files.begin(), sh.files.end());
  std::map<op_kind, double> n;
  event e;
  std::size_t total = 0;
  while (g->next(e)) {
    ++total;
    n[e.op] += 1;
    switch (e.op) {
    case op_kind::create:
      CHECK(live.insert(e.path).second);
      break;
    case op_kind::remove:
      CHECK(live.erase(e.path) == 1);
      break;
    case op_kind::stat:
    case op_kind::lookup:
      CHECK(live.count(e.path) == 1);
      break;
    default:
      break;
    }
  }
  double t = double(total);
  CHECK(std::abs(n[op_kind::stat] / t - 0.60) < 0.02);
  CHECK(std::abs(n[op_kind::lookup] / t - 0.15) < 0.02);
  CHECK(std::abs(n[op_kind::create] / t - 0.12) < 0.02);
  CHECK(std::abs(n[op_kind::remove] / t - 0.08) < 0.02);
  CHECK(std::abs(n[op_kind::readdir] / t - 0.05) < 0.02);
}

TEST_CASE("bad generator options are refused") {
  CHECK_THROWS_AS(make_lookups(shape{}, 10, 0, opts(1, 1)),
                  std::invalid_argument);
  CHECK_THROWS_AS(make_create_storm("relative", 10, opts(1, 1)),
                  std::invalid_argument);
  CHECK_THROWS_AS(make_lookups(flat_shape("/x", 1, 1), -1, 0, opts(1, 1)),
                  std::invalid_argument);
  diurnal_options d;
  d.amplitude = 2;
  CHECK_THROWS_AS(make_diurnal(d, opts(1, 1)), std::invalid_argument);
  CHECK_THROWS_AS(make_lookups(flat_shape("/x", 1, 1), 10, 0, opts(1, 0)),
                  std::invalid_argument);
}
