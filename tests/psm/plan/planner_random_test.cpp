// The planner on seeded random inputs: the same input (in any order) gives
// the same decisions, and every decision keeps the rules (budget, quiet
// time, threshold, known shards). A failure prints its seed.
#include "tests/psm/plan/plan_fixture.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <random>
#include <set>

using namespace plan_test;

namespace {

struct gen {
  std::mt19937_64 rng;
  double real(double a, double b) {
    return std::uniform_real_distribution<double>(a, b)(rng);
  }
  int integer(int a, int b) {
    return std::uniform_int_distribution<int>(a, b)(rng);
  }
};

settings random_settings(gen& g) {
  settings s;
  s.threshold = g.real(50, 150);
  s.exit_threshold = s.threshold * g.real(0.2, 0.8);
  s.split_fill = g.real(0.5, 1);
  s.max_moves = uint32_t(g.integer(0, 6));
  s.max_entries_moved = uint64_t(g.integer(0, 5000));
  s.period_slots = g.integer(1, 8);
  s.quiet_slots = g.integer(0, 50);
  s.cold_periods = g.integer(1, 3);
  s.capacity_factor = g.real(1, 2);
  s.cluster_distance = g.real(0, 1);
  s.max_split = 1u << g.integer(0, 4);
  return s;
}

std::vector<part_input> random_parts(gen& g, const std::vector<uint32_t>& ids) {
  std::vector<part_input> ps;
  auto shard = [&] {
    return ids[std::size_t(g.integer(0, int(ids.size()) - 1))];
  };
  for (uint64_t dir = 1, dirs = uint64_t(g.integer(1, 10)); dir <= dirs;
       ++dir) {
    uint32_t n = 1u << g.integer(0, 2), home = shard();
    for (uint32_t i = 0; i < n; ++i) {
      double base = g.real(0, 60), amp = g.real(0, 150);
      int phase = g.integer(0, horizon - 1);
      auto p = part(
          dir, n == 1 && g.integer(0, 1) ? home : shard(), curve([&](int t) {
            return std::max(0.0, bump(base, base + amp, phase)[std::size_t(t)] +
                                     g.real(-5, 5));
          }),
          int(home), uint64_t(g.integer(0, 3000)));
      p.id.range = sub_range(ds::hash_range{}, n, i);
      for (auto& u : p.forecast.upper)
        u *= g.real(1, 1.3);
      p.history.resize(std::size_t(g.integer(0, 40)));
      for (auto& h : p.history)
        h = g.real(0, 150);
      ps.push_back(std::move(p));
    }
  }
  return ps;
}

plan_input random_input(uint64_t seed) {
  gen g{std::mt19937_64(seed)};
  std::set<uint32_t> idset;
  for (int n = g.integer(1, 6); int(idset.size()) < n;)
    idset.insert(uint32_t(g.integer(0, 19)));
  std::vector<uint32_t> ids(idset.begin(), idset.end());
  plan_input in;
  in.config = random_settings(g);
  in.now = 500;
  in.parts = random_parts(g, ids);
  for (auto id : ids) {
    shard_input s{id, g.real(0, 100), flat(g.real(0, 30))};
    for (const auto& p : in.parts)
      if (p.shard == id)
        for (int t = 0; t < horizon; ++t)
          s.predicted[std::size_t(t)] += p.forecast.mean[std::size_t(t)];
    in.shards.push_back(s);
  }
  for (int k = g.integer(0, 4); k > 0; --k) {
    const auto& p =
        in.parts[std::size_t(g.integer(0, int(in.parts.size()) - 1))];
    decision d;
    d.kind = decision_kind(g.integer(0, 2)); // split, move, consolidate
    d.part = p.id;
    d.at = in.now - g.integer(0, 60);
    d.entries = uint64_t(g.integer(0, 500));
    in.recent.push_back(d);
  }
  return in;
}

std::vector<std::string> lines(const std::vector<decision>& ds) {
  std::vector<std::string> out;
  for (const auto& d : ds)
    out.push_back(describe(d));
  return out;
}

void check_rules(const plan_input& in, const std::vector<decision>& ds) {
  const auto& c = in.config;
  uint32_t used = 0, moves = 0;
  uint64_t used_entries = 0, entries = 0;
  for (const auto& d : in.recent)
    if (d.at > in.now - c.period_slots &&
        (d.kind == decision_kind::move ||
         d.kind == decision_kind::consolidate)) {
      ++used;
      used_entries += d.entries;
    }
  std::set<uint32_t> shards;
  for (const auto& s : in.shards)
    shards.insert(s.id);
  std::set<std::pair<uint64_t, uint64_t>> moved;
  for (const auto& d : ds) {
    INFO(describe(d));
    CHECK(d.at == in.now);
    CHECK(shards.count(d.to) == 1);
    if (d.kind == decision_kind::split) {
      CHECK(d.parts >= 2);
      CHECK((d.parts & (d.parts - 1)) == 0);
      CHECK(d.why.forecast_peak > c.threshold);
    }
    if (d.kind != decision_kind::move && d.kind != decision_kind::consolidate)
      continue;
    CHECK((d.kind == decision_kind::consolidate || d.from != d.to));
    CHECK(moved.insert({d.part.dir, d.part.range.lo}).second);
    ++moves;
    entries += d.entries;
    for (const auto& r : in.recent) // nothing moves back within quiet time
      if (r.at > in.now - c.quiet_slots && r.part.overlaps(d.part))
        CHECK(
            (r.kind == decision_kind::split && d.kind == decision_kind::move));
  }
  CHECK(used + moves <= std::max(used, c.max_moves));
  if (moves > 0)
    CHECK(used_entries + entries <= c.max_entries_moved);
}

} // namespace

TEST_CASE("seeded random inputs: same input, same decisions in any order, "
          "every decision within the rules") {
  std::size_t decided = 0;
  for (uint64_t seed = 1; seed <= 300; ++seed) {
    CAPTURE(seed);
    auto in = random_input(seed);
    REQUIRE(check(in) == "");
    auto first = plan(in);
    decided += first.size();
    CHECK(lines(plan(in)) == lines(first));
    auto shuffled = in;
    std::mt19937_64 rng(seed);
    std::shuffle(shuffled.parts.begin(), shuffled.parts.end(), rng);
    std::shuffle(shuffled.shards.begin(), shuffled.shards.end(), rng);
    CHECK(lines(plan(shuffled)) == lines(first));
    check_rules(in, first);
  }
  MESSAGE(decided << " decisions over 300 seeds");
  CHECK(decided > 300); // the inputs do make the planner act
}
