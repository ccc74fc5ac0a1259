// The planner actor's plain steps: the nodes' views merged, the planner's
// input as each policy sees it, and the static policy's grid.
#include <doctest/doctest.h>

#include <cmath>
#include <set>

#include "actors/psm/plan_build.hpp"
#include "model/meta/placement.hpp"

using namespace ds;
using namespace ds::psm_actor;
using psm_policy::policy_kind;

namespace {

psm_part_state part(const std::string& dir, uint64_t lo, uint64_t hi,
                    uint32_t shard, uint64_t reported,
                    std::vector<double> recent) {
  psm_part_state p;
  p.key = access::series_key::range(dir, lo, hi);
  p.shard = shard;
  p.entries = 100;
  p.reported = reported;
  p.recent = std::move(recent);
  return p;
}

plan_context context(policy_kind k) {
  plan_context ctx;
  ctx.settings.policy = k;
  ctx.settings.plan.threshold = 100;
  ctx.settings.plan.exit_threshold = 50;
  ctx.settings.quiet_seconds = 0;
  ctx.slot_seconds = 1;
  ctx.horizon = 4;
  ctx.period_slots = 4;
  ctx.shards = 4;
  ctx.home = [](inode_id d) { return uint32_t(d % 4); };
  return ctx;
}

} // namespace

TEST_CASE("views merge to one state per part, the latest report winning") {
  psm_node_forecasts a, b;
  a.newest = 10;
  b.newest = 12;
  a.parts = {part("7", 0, ~0ull, 1, 9, {1}), part("8", 0, ~0ull, 2, 10, {2})};
  b.parts = {part("7", 0, ~0ull, 3, 11, {3})};
  auto m = merge_views({a, b});
  REQUIRE(m.size() == 2);
  CHECK(m[0].key.dir == "7");
  CHECK(m[0].shard == 3); // it moved: the new holder reported last
  CHECK(m[1].shard == 2);
  CHECK(newest_slot({a, b}) == 12);
  // Split and spread: the whole directory's older report overlaps its
  // halves' newer ones, and gives way to them.
  psm_node_forecasts c;
  c.newest = 14;
  c.parts = {part("8", 0, (1ull << 63) - 1, 2, 14, {5}),
             part("8", 1ull << 63, ~0ull, 1, 13, {6})};
  m = merge_views({a, b, c});
  REQUIRE(m.size() == 3);
  CHECK(m[0].key.dir == "7");
  CHECK(m[1].key.hi == (1ull << 63) - 1);
  CHECK(m[2].key.lo == 1ull << 63);
}

TEST_CASE("reactive-load splits only after two periods over the threshold") {
  auto ctx = context(policy_kind::reactive_load);
  psm_node_forecasts v;
  v.newest = 20;
  // One period hot after a quiet one: not yet.
  v.parts = {part("5", 0, ~0ull, 1, 20, {10, 10, 10, 10, 400, 400, 400, 400})};
  auto ds = decide({v}, ctx);
  for (auto& d : ds)
    CHECK(d.kind != plan::decision_kind::split);
  // Two periods hot: split and spread.
  v.parts = {
      part("5", 0, ~0ull, 1, 20, {400, 400, 400, 400, 400, 400, 400, 400})};
  ds = decide({v}, ctx);
  REQUIRE(!ds.empty());
  CHECK(ds[0].kind == plan::decision_kind::split);
  CHECK(ds[0].why.model == "observed");
}

TEST_CASE("predictive uses the forecast, and a part without one keeps its "
          "rate") {
  auto ctx = context(policy_kind::predictive);
  auto p = part("5", 0, ~0ull, 1, 20, {10, 10, 10, 10});
  p.forecast.has_forecast = true;
  p.forecast.mean = {10, 10, 300, 300};
  p.forecast.upper = {12, 12, 350, 350};
  p.forecast.model = "spar";
  p.forecast.origin = 20; // made at the planning's slot
  // Not backtested: not trusted, so planned on its observed rate (10).
  for (auto& d : decide({psm_node_forecasts{20, 1, {p}}}, ctx))
    CHECK(d.kind != plan::decision_kind::split);
  p.forecast.backtested = true;
  p.forecast.backtest_mase = 0.5;
  auto in = build_input({p, part("6", 0, ~0ull, 2, 20, {30})}, ctx, 20);
  REQUIRE(in.parts.size() == 2);
  CHECK(in.parts[0].forecast.upper[2] == 350);
  CHECK(in.parts[0].home == 1);
  CHECK(in.parts[1].forecast.mean == std::vector<double>(4, 30));
  CHECK(in.parts[1].forecast.model == "last-rate");
  CHECK(in.shards.size() == 4);
  CHECK(in.shards[1].predicted[2] == 300);
  CHECK(in.shards[2].load == 30);
  CHECK(in.parts[0].leads_to.empty());
  // Its co-access links reach the planner; a rate that is not one does not.
  auto linked = p;
  linked.lead_dirs = {9, 10};
  linked.lead_rates = {4.5, std::nan("")};
  auto with_links = build_input({linked}, ctx, 20);
  REQUIRE(with_links.parts[0].leads_to.size() == 1);
  CHECK(with_links.parts[0].leads_to[0].dir == 9);
  CHECK(with_links.parts[0].leads_to[0].rate == 4.5);
  auto ds = decide({psm_node_forecasts{20, 1, {p}}}, ctx);
  REQUIRE(!ds.empty());
  CHECK(ds[0].kind == plan::decision_kind::split);
  CHECK(ds[0].why.model == "spar");
  // A forecast made two slots before the planning is read from its third
  // slot on (slot 21), and stretched by its last value.
  auto late = p;
  late.forecast.origin = 18;
  auto shifted = build_input({late}, ctx, 20);
  CHECK(shifted.parts[0].forecast.mean ==
        std::vector<double>{300, 300, 300, 300});
  CHECK(shifted.parts[0].forecast.upper[0] == 350);
  CHECK(shifted.shards[1].predicted[0] == 300);
  // One made longer ago than it reaches says nothing: the rate stays.
  late.forecast.origin = 16;
  auto stale = build_input({late}, ctx, 20);
  CHECK(stale.parts[0].forecast.mean == std::vector<double>(4, 10));
  CHECK(stale.parts[0].forecast.model == "last-rate");
  // Parts that do not name a directory, or a shard out of range, are left
  // out rather than planned.
  auto bad = build_input({part("x7", 0, ~0ull, 1, 20, {1}),
                          part("9", 0, ~0ull, 99, 20, {1}),
                          part("9", 0, 5, 1, 20, {1})},
                         ctx, 20);
  CHECK(bad.parts.empty());
}

TEST_CASE("static cuts every directory into its grid, spread after the home") {
  auto ctx = context(policy_kind::fixed);
  ctx.settings.static_parts = 4;
  psm_node_forecasts v;
  v.newest = 5;
  v.parts = {part("9", 0, ~0ull, 1, 5, {1})}; // dir 9: home 1
  auto ds = decide({v}, ctx);
  REQUIRE(ds.size() == 4); // a split, and 3 of 4 cells move
  CHECK(ds[0].kind == plan::decision_kind::split);
  CHECK(ds[0].parts == 4);
  std::set<uint32_t> to;
  for (size_t i = 1; i < ds.size(); ++i) {
    CHECK(ds[i].kind == plan::decision_kind::move);
    to.insert(ds[i].to);
  }
  CHECK(to == std::set<uint32_t>{2, 3, 0});
  // Once on the grid, nothing more.
  psm_node_forecasts after;
  after.newest = 6;
  for (uint32_t k = 0; k < 4; ++k)
    after.parts.push_back(part("9", uint64_t(k) << 62,
                               (uint64_t(k) << 62) + ((1ull << 62) - 1),
                               (1 + k) % 4, 6, {1}));
  CHECK(decide({after}, ctx).empty());
  // Off and reactive-capacity decide nothing.
  CHECK(decide({v}, context(policy_kind::off)).empty());
  CHECK(decide({v}, context(policy_kind::reactive_capacity)).empty());
}
