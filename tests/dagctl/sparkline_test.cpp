// `dagctl psm forecast`'s views of a series.
#include "tools/dagctl/sparkline.hpp"

#include <doctest/doctest.h>

using namespace ds;
using namespace ds::dagctl;

TEST_CASE("a sparkline scales values to eight blocks") {
  CHECK(sparkline({0, 1, 2, 4, 8}, 8) ==
        "\u2581\u2581\u2582\u2584\u2588");
  CHECK(sparkline({3, 3}, 0) == "\u2581\u2581");
  CHECK(sparkline({}, 5).empty());
}

TEST_CASE("history rates spread rolled-up rows and fill gaps") {
  psm_series_view v;
  v.slot_seconds = 2;
  v.slots = {10, 16, 20};
  v.widths = {6, 1, 1};
  v.totals = {24, 8, 2}; // 2 ops/s over six slots, then 4, a gap, then 1
  auto r = history_rates(v, 100);
  REQUIRE(r.size() == 11);
  CHECK(r[0] == 2);
  CHECK(r[5] == 2);
  CHECK(r[6] == 4);
  CHECK(r[7] == 0);
  CHECK(r[10] == 1);
  CHECK(history_rates(v, 3) == std::vector<double>{0, 0, 1});
}

TEST_CASE("the JSON view carries history and forecast") {
  psm_series_view v;
  v.key = access::series_key::directory("42");
  v.slot_seconds = 10;
  v.slots = {5};
  v.widths = {1};
  v.totals = {30};
  auto none = series_json("/p", v);
  CHECK(none["forecast"].is_null());
  CHECK(none["history"][0]["ops"] == 30);
  // A first-tier forecast of two slots, not backtested.
  v.has_forecast = true;
  v.model = "SPAR(8)";
  v.family = "spar";
  for (double x : {3.0, 4.0}) {
    v.mean.push_back(x);
    v.lower.push_back(x - 2);
    v.upper.push_back(x + 2);
  }
  v.level = 0.95;
  auto j = series_json("/p", v);
  CHECK(j["dir"] == "42");
  CHECK(j["forecast"]["upper"][1] == 6);
  CHECK(j["forecast"]["backtest_mase"].is_null());
  auto text = series_text("/p", v);
  CHECK(text.find("model     SPAR(8) (spar), first tier") != std::string::npos);
}
