// The comparison's figures: surge seconds, latency violations, and the
// shards' max/mean load during surges.
#include <doctest/doctest.h>

#include "tools/dagbench/workload/generators.hpp"
#include "tools/dagbench/workload/surges.hpp"

using namespace ds::workload;

TEST_CASE("offered operations are counted per second of due time") {
  std::vector<event> evs{{0, op_kind::lookup, "/a", 0},
                         {999'999, op_kind::lookup, "/a", 0},
                         {2'500'000, op_kind::lookup, "/a", 0}};
  CHECK(offered_per_second(evs) == std::vector<uint64_t>{2, 0, 1});
}

TEST_CASE("surges are the seconds well above the median second") {
  std::vector<uint64_t> offered{100, 100, 0, 110, 400, 90, 149, 150};
  auto s = surge_seconds(offered, 1.5); // median of the busy seconds: 110
  CHECK(s == std::vector<bool>{false, false, false, false, true, false, false,
                               false});
  CHECK(surge_seconds({}, 1.5).empty());
  CHECK(surge_seconds({0, 0}, 1.5) == std::vector<bool>{false, false});
}

TEST_CASE("violation seconds are those whose p99 is above the objective") {
  CHECK(violation_seconds({0, 5, 20, 21, 1000}, 20) == 2);
}

TEST_CASE("max over mean sums the marked seconds' loads per shard") {
  std::vector<std::vector<uint64_t>> ops{{10, 10}, {90, 10}, {}, {30, 30}};
  CHECK(max_over_mean(ops, {true, false, true, true}) == doctest::Approx(1.0));
  CHECK(max_over_mean(ops, {false, true, false, false}) ==
        doctest::Approx(1.8));
  CHECK(max_over_mean(ops, {false, false, true, false}) == 0);
}

TEST_CASE("a batch job's day surges at the same time each day, unannounced "
          "bursts do not") {
  daily_burst_options b;
  b.period_s = 60;
  b.start_s = 30;
  b.length_s = 10;
  common_options o;
  o.seed = 7;
  o.duration_s = 180;
  auto g = make_daily_bursts(b, o);
  std::vector<event> evs;
  event e;
  while (g->next(e))
    evs.push_back(e);
  auto s = surge_seconds(offered_per_second(evs), 1.5);
  for (int day = 0; day < 3; ++day)
    for (int t = 0; t < 60; ++t) {
      bool in = t >= 30 && t < 40;
      CHECK_MESSAGE(s[std::size_t(day * 60 + t)] == in, "day ", day, " t ", t);
    }
  b.unannounced = true;
  auto d0 = burst_of(b, 7, 0), d1 = burst_of(b, 7, 1);
  CHECK((d0.first != d1.first || d0.second != d1.second));
  CHECK(d0 == burst_of(b, 7, 0)); // replayable from the seed
  for (uint64_t day = 0; day < 50; ++day) {
    auto x = burst_of(b, 7, day);
    CHECK(x.first < b.dirs);
    CHECK(x.second >= b.length_s);
    CHECK(x.second + b.length_s <= b.period_s - b.length_s);
  }
}

TEST_CASE("the hot directories are the busiest during the surges") {
  std::vector<event> evs{{0, op_kind::lookup, "/a/x", 0},
                         {100, op_kind::lookup, "/a/y", 0},
                         {1'000'000, op_kind::lookup, "/b/x", 0},
                         {1'000'001, op_kind::lookup, "/b/y", 0},
                         {1'000'002, op_kind::readdir, "/c", 0}};
  CHECK(hot_dirs(evs, {false, true}, 1) == std::vector<std::string>{"/b"});
  CHECK(hot_dirs(evs, {false, true}, 5) ==
        std::vector<std::string>{"/b", "/c"});
  CHECK(hot_dirs(evs, {}, 2) == std::vector<std::string>{"/a", "/b"});
  CHECK(dir_rates(evs, "/b", 1, 3) == std::vector<double>{0, 2, 0});
  CHECK(dir_rates(evs, "/a", 0.5, 2) == std::vector<double>{4, 0});
}

TEST_CASE("MASE scales the forecast's error by the seasonal naive's") {
  // History with period 2: 1,3,1,5 -> seasonal naive errors 0 and 2.
  std::vector<double> hist{1, 3, 1, 5};
  CHECK(mase({2, 2}, {1, 3}, hist, 2) == doctest::Approx(1.0));
  CHECK(mase({1, 3}, {1, 3}, hist, 2) == doctest::Approx(0.0));
  CHECK(mase({1}, {1}, {1, 1, 1}, 2) < 0); // a flat history: no scale
  CHECK(mase({1}, {1}, {1, 3}, 2) < 0);    // shorter than two seasons
}
