// The planner's properties on hand-made inputs: threshold, split sizes,
// peaks kept apart, complementary curves shared, budget, quiet time,
// consolidation after cold periods, bad input.
#include "tests/psm/plan/plan_fixture.hpp"

#include <doctest/doctest.h>

#include <map>
#include <set>

using namespace plan_test;

namespace {

/// Where each part ends after the decisions (moves only).
std::map<uint64_t, uint32_t> final_shards(const plan_input& in,
                                          const std::vector<decision>& ds) {
  std::map<uint64_t, uint32_t> at;
  for (const auto& p : in.parts)
    at[p.id.dir] = p.shard;
  for (const auto& d : ds)
    if (d.kind == decision_kind::move)
      at[d.part.dir] = d.to;
  return at;
}

/// The input after the moves, shards' curves recomputed.
plan_input moved(plan_input in, const std::vector<decision>& ds) {
  auto at = final_shards(in, ds);
  for (auto& p : in.parts)
    p.shard = at[p.id.dir];
  in.shards = shards_of(in.parts, uint32_t(in.shards.size()));
  return in;
}

/// The decisions that change something (not the skips).
std::vector<std::string> changes(const std::vector<decision>& ds) {
  std::vector<std::string> out;
  for (const auto& d : ds)
    if (d.kind == decision_kind::split || d.kind == decision_kind::move ||
        d.kind == decision_kind::consolidate)
      out.push_back(describe(d));
  return out;
}

} // namespace

TEST_CASE("a part is split only when its forecast upper bound exceeds the "
          "threshold") {
  auto below = plan(input({part(1, 0, flat(90))}, 4)); // upper 99
  CHECK(below.empty());
  auto above = plan(input({part(1, 0, flat(91))}, 4)); // upper 100.1
  auto splits = of_kind(above, decision_kind::split);
  REQUIRE(splits.size() == 1);
  CHECK(splits[0].parts == 2);
  CHECK(splits[0].why.forecast_peak == doctest::Approx(100.1));
  CHECK(splits[0].why.threshold == 100);
  CHECK(splits[0].why.model == "spar(4,3)[24]");
  CHECK(splits[0].why.backtest_mase == 0.5);
  CHECK(splits[0].why.horizon == horizon);
  CHECK(splits[0].why.peak_slot == 1001);
  // The second half is spread to another shard, the first stays.
  auto moves = of_kind(above, decision_kind::move);
  REQUIRE(moves.size() == 1);
  CHECK(moves[0].from == 0);
  CHECK(moves[0].to != 0);
  CHECK(moves[0].part.range == sub_range(ds::hash_range{}, 2, 1));
  CHECK(moves[0].entries == 500);
  CHECK(moves[0].why.forecast_peak == doctest::Approx(50.05));
}

TEST_CASE("sub-parts: the power of two that brings each under "
          "split_fill * threshold, aligned and covering the range") {
  auto cfg = default_settings(); // threshold 100, fill 0.8
  ds::hash_range all;
  CHECK(sub_parts_needed(100, all, cfg) == 1);
  CHECK(sub_parts_needed(150, all, cfg) == 2); // 150 / 80 -> 2
  CHECK(sub_parts_needed(330, all, cfg) == 8); // 4.1 -> 8
  cfg.max_split = 4;
  CHECK(sub_parts_needed(330, all, cfg) == 4);
  ds::hash_range two{6, 7}; // a block of 2 hashes cuts into 2 at most
  cfg.max_split = 64;
  CHECK(sub_parts_needed(1000, two, cfg) == 2);
  CHECK(sub_parts_needed(1000, ds::hash_range{5, 5}, cfg) == 1);
  for (uint32_t n : {2u, 4u, 8u}) {
    uint64_t next = 0;
    for (uint32_t i = 0; i < n; ++i) {
      auto r = sub_range(all, n, i);
      CHECK(r.aligned());
      CHECK(r.lo == next);
      next = r.hi + 1;
    }
    CHECK(next == 0); // wrapped: the last ends at 2^64 - 1
  }
  CHECK(sub_range(ds::hash_range{8, 15}, 4, 3) == ds::hash_range{14, 15});
}

TEST_CASE("parts whose peaks coincide are kept off the same shard") {
  std::vector<part_input> ps;
  for (uint64_t d = 1; d <= 4; ++d)
    ps.push_back(part(d, 0, bump(0, 60, 12))); // one cluster, all on 0
  auto in = input(ps, 4);
  auto ds = plan(in);
  CHECK(of_kind(ds, decision_kind::split).empty()); // each under threshold
  CHECK(of_kind(ds, decision_kind::move).size() == 3);
  auto at = final_shards(in, ds);
  std::set<uint32_t> used;
  for (auto& [dir, s] : at)
    used.insert(s);
  CHECK(used.size() == 4);
  for (const auto& d : of_kind(ds, decision_kind::move)) {
    CHECK(d.why.cluster == of_kind(ds, decision_kind::move)[0].why.cluster);
    CHECK(d.why.shard == d.to);
    CHECK(d.why.shard_peak == doctest::Approx(60));
  }
  // Planning again on the result changes nothing.
  CHECK(changes(plan(moved(in, ds))).empty());
  // Five such parts on four shards: two share (the even share, rounded up),
  // and that too is stable.
  ps.push_back(part(5, 0, bump(0, 60, 12)));
  in = input(ps, 4);
  ds = plan(in);
  CHECK(of_kind(ds, decision_kind::move).size() == 3);
  std::map<uint32_t, int> per_shard;
  for (auto& [dir, sh] : final_shards(in, ds))
    ++per_shard[sh];
  CHECK(per_shard.size() == 4);
  CHECK(per_shard[0] == 2);
  CHECK(changes(plan(moved(in, ds))).empty());
}

TEST_CASE("parts with complementary curves share a shard") {
  // Two parts busy by day, two by night, all on shard 0 of two shards:
  // each shard ends with one of each, a flat sum.
  std::vector<part_input> ps{
      part(1, 0, bump(0, 60, 6)), part(2, 0, bump(0, 60, 6)),
      part(3, 0, bump(0, 60, 18)), part(4, 0, bump(0, 60, 18))};
  auto in = input(ps, 2);
  auto ds = plan(in);
  auto at = final_shards(in, ds);
  CHECK(at[1] != at[2]); // same peaks: apart
  CHECK(at[3] != at[4]);
  for (uint32_t s = 0; s < 2; ++s) {
    double peak = 0;
    for (int t = 0; t < horizon; ++t) {
      double sum = 0;
      for (const auto& p : ps)
        if (at[p.id.dir] == s)
          sum += p.forecast.mean[std::size_t(t)];
      peak = std::max(peak, sum);
    }
    CHECK(peak <= 60.0 + 1e-9); // a day part and a night part
  }
  // The same four parts in phase: two per shard, peaks stacked, and the
  // planner says so by spreading as evenly as it can.
  std::vector<part_input> same{
      part(1, 0, bump(0, 60, 6)), part(2, 0, bump(0, 60, 6)),
      part(3, 0, bump(0, 60, 6)), part(4, 0, bump(0, 60, 6))};
  auto in2 = input(same, 2);
  auto at2 = final_shards(in2, plan(in2));
  int on0 = 0;
  for (auto& [dir, s] : at2)
    on0 += s == 0;
  CHECK(on0 == 2);
  CHECK(changes(plan(moved(in, ds))).empty());
}

TEST_CASE("the budget caps moves and entries per period, hottest first") {
  std::vector<part_input> ps;
  for (uint64_t d = 1; d <= 8; ++d)
    ps.push_back(part(d, 0, bump(0, 50 + double(d), 12), -1, 100 * d));
  auto cfg = default_settings();
  cfg.max_moves = 3;
  auto in = input(ps, 8, cfg);
  auto ds = plan(in);
  auto moves = of_kind(ds, decision_kind::move);
  CHECK(moves.size() == 3);
  // The move the budget refused is said, once: the planning stops there.
  auto skipped = of_kind(ds, decision_kind::skip_budget);
  REQUIRE(skipped.size() == 1);
  CHECK(skipped[0].why.note.rfind("budget spent: 3 of 3 moves", 0) == 0);
  // The hottest parts moved: each takes the most overload off shard 0.
  std::set<uint64_t> moved;
  for (const auto& d : moves)
    moved.insert(d.part.dir);
  CHECK(moved == std::set<uint64_t>{6, 7, 8});
  CHECK(skipped[0].part.dir == 5);
  // Entries: 700 + 600 = 1300 allowed, then nothing above it.
  cfg.max_moves = 100;
  cfg.max_entries_moved = 1300;
  ds = plan(input(ps, 8, cfg));
  uint64_t entries = 0;
  for (const auto& d : of_kind(ds, decision_kind::move))
    entries += d.entries;
  CHECK(entries <= 1300);
  CHECK(!of_kind(ds, decision_kind::skip_budget).empty());
  // What an earlier planning of the same period spent counts.
  cfg = default_settings();
  cfg.max_moves = 3;
  auto again = input(ps, 8, cfg);
  again.recent = moves;
  for (auto& d : again.recent)
    d.at = again.now - 1;
  CHECK(of_kind(plan(again), decision_kind::move).empty());
  again.now += cfg.period_slots; // the next period has a fresh budget
  CHECK(!of_kind(plan(again), decision_kind::move).empty());
}

TEST_CASE("parts used together join one cluster, whatever their shapes") {
  // A daily bump and a flat rate on shard 0 of 4: shapes apart, each
  // below the threshold of 100, so neither is a hot cluster on its own.
  std::vector<part_input> ps{part(1, 0, bump(0, 60, 6)), part(2, 0, flat(50))};
  CHECK(plan(input(ps, 4)).empty());
  // Directory 1's hot names lead into directory 2 at 50 ops/s: they are
  // one cluster, 110 ops/s at its peak, and one of them moves off shard 0.
  ps[0].leads_to = {{2, 50}};
  auto ds = plan(input(ps, 4));
  auto moves = of_kind(ds, decision_kind::move);
  REQUIRE(moves.size() == 1);
  CHECK(moves[0].why.cluster > 0);
  CHECK(moves[0].from == 0);
  // The link counts the same from either side.
  std::swap(ps[0].leads_to, ps[1].leads_to);
  ps[1].leads_to = {{1, 50}};
  CHECK(of_kind(plan(input(ps, 4)), decision_kind::move).size() == 1);
  // A faint link (a tenth of the quieter part's mean rate) does not bring
  // a bump and a flat rate together, nor does a link to a directory that
  // is not planned.
  ps[1].leads_to = {{1, 1}};
  CHECK(plan(input(ps, 4)).empty());
  ps[1].leads_to = {{99, 50}};
  CHECK(plan(input(ps, 4)).empty());
  // A co-access rate must be a rate.
  ps[1].leads_to = {{1, -1}};
  CHECK(check(input(ps, 4)).find("co-access") != std::string::npos);
}
