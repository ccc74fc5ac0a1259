// The stored form of the planner's decisions: every field comes back, an
// unknown backtest error stays unknown, junk is refused.
#include <doctest/doctest.h>

#include <cmath>
#include <stdexcept>

#include "psm/plan/decision_codec.hpp"

using namespace ds;
using namespace ds::plan;

TEST_CASE("decisions round-trip through their stored form") {
  decision a;
  a.at = 77;
  a.kind = decision_kind::move;
  a.part = {12345, {1ull << 63, ~0ull}};
  a.from = 1;
  a.to = 4;
  a.parts = 1;
  a.entries = 5000;
  a.why = {812.5, true, 80, 16, "spar(2,1)[24]", 0.42, 3, 500, 4, 640.25,
           "moved off a shard whose peak coincides"};
  decision b;
  b.kind = decision_kind::skip_quiet;
  b.why.model = "";
  auto back = decode_decisions(encode_decisions({a, b}));
  REQUIRE(back.size() == 2);
  auto& x = back[0];
  CHECK(x.at == 77);
  CHECK(x.kind == decision_kind::move);
  CHECK(x.part == a.part);
  CHECK(x.from == 1);
  CHECK(x.to == 4);
  CHECK(x.entries == 5000);
  CHECK(x.why.forecast_peak == 812.5);
  CHECK(x.why.reacting);
  CHECK(x.why.peak_slot == 80);
  CHECK(x.why.horizon == 16);
  CHECK(x.why.model == "spar(2,1)[24]");
  CHECK(x.why.backtest_mase == 0.42);
  CHECK(x.why.cluster == 3);
  CHECK(x.why.threshold == 500);
  CHECK(x.why.shard == 4);
  CHECK(x.why.shard_peak == 640.25);
  CHECK(x.why.note == a.why.note);
  CHECK(back[1].kind == decision_kind::skip_quiet);
  CHECK(std::isnan(back[1].why.backtest_mase));
  CHECK(decode_decisions(encode_decisions({})).empty());
}

TEST_CASE("malformed decisions are refused") {
  CHECK_THROWS_AS(decode_decisions("junk"), std::invalid_argument);
  auto good = encode_decisions({decision{}});
  CHECK_THROWS_AS(decode_decisions(good.substr(0, good.size() - 3)),
                  std::invalid_argument);
  auto bad_kind = good;
  bad_kind[7] = '\x09'; // the kind: after 92 01 91 dc 00 14 00
  CHECK_THROWS_AS(decode_decisions(bad_kind), std::invalid_argument);
}
