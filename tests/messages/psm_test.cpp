#include "messages/psm.hpp"

#include <doctest/doctest.h>

#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>
#include <caf/deep_to_string.hpp>

using namespace ds;

namespace {

template <class T> T round_trip(T x) {
  std::vector<char> buf;
  caf::binary_serializer sink{nullptr, buf};
  REQUIRE(!sink(x));
  T back;
  caf::binary_deserializer source{nullptr, buf};
  REQUIRE(!source(back));
  CHECK(source.remaining() == 0);
  return back;
}

} // namespace

TEST_CASE("a shard's slot report round-trips: every part's counts and names") {
  psm_slot_report r;
  r.shard = 3;
  r.slot = 170000123;
  psm_part_counts p;
  p.dir = "42";
  p.lo = 0;
  p.hi = ~uint64_t{0};
  p.counts.n = {1000, 7, 3, 12};
  r.parts = {p, {"43", 5, 9, {}}};
  r.top = {{"/home/a/hot", 900, 4}, {"/home/b", 20, 0}};
  auto back = round_trip(r);
  CHECK(back.shard == 3);
  CHECK(back.slot == 170000123);
  REQUIRE(back.parts.size() == 2);
  CHECK(back.parts[0].dir == "42");
  CHECK(back.parts[0].hi == ~uint64_t{0});
  CHECK(back.parts[0].counts.n == p.counts.n);
  CHECK(back.parts[1].lo == 5);
  CHECK(back.parts[1].hi == 9);
  REQUIRE(back.top.size() == 2);
  CHECK(back.top[0].name == "/home/a/hot");
  CHECK(back.top[0].count == 900);
  CHECK(back.top[0].error == 4);
  // Printing shows the fields (a type whose inspect skipped one would not).
  auto text = caf::deep_to_string(r);
  CHECK(text.find("/home/a/hot") != std::string::npos);
  CHECK(text.find("1000") != std::string::npos);
}

TEST_CASE("a series view round-trips with its forecast and its key") {
  psm_series_view v;
  v.key = access::series_key::range("7", 10, 20);
  v.slots = {1, 2, 4};
  v.widths = {1, 2, 1};
  v.totals = {5, 9, 3};
  v.has_forecast = true;
  v.origin = 4;
  v.mean = {1.5, 2.5};
  v.lower = {0, 1};
  v.upper = {3, 4};
  v.level = 0.95;
  v.model = "SPAR(n=4,m=3)[24]";
  v.family = "spar";
  v.backtested = true;
  v.backtest_mase = 0.73;
  v.escalated = true;
  auto back = round_trip(v);
  CHECK(back.key == v.key);
  CHECK(back.slots == v.slots);
  CHECK(back.widths == v.widths);
  CHECK(back.totals == v.totals);
  CHECK(back.has_forecast);
  CHECK(back.origin == 4);
  CHECK(back.mean == v.mean);
  CHECK(back.lower == v.lower);
  CHECK(back.upper == v.upper);
  CHECK(back.level == 0.95);
  CHECK(back.model == v.model);
  CHECK(back.family == "spar");
  CHECK(back.backtested);
  CHECK(back.backtest_mase == 0.73);
  CHECK(back.escalated);
}

TEST_CASE("a truncated report is refused, not read as a shorter one") {
  psm_slot_report r;
  r.parts = {{"1", 0, 1, {}}};
  std::vector<char> buf;
  caf::binary_serializer sink{nullptr, buf};
  REQUIRE(!sink(r));
  buf.resize(buf.size() - 3);
  psm_slot_report back;
  caf::binary_deserializer source{nullptr, buf};
  CHECK(source(back));
}
