#include "tools/dagbench/workload/hdr_histogram.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

using ds::workload::hdr_histogram;

namespace {

// The exact q-th percentile as the histogram defines it: the smallest value
// with at least q% of the samples at or below it.
int64_t exact(std::vector<int64_t> v, double q) {
  std::sort(v.begin(), v.end());
  auto rank = static_cast<std::size_t>(std::ceil(q / 100.0 * double(v.size())));
  return v[std::max<std::size_t>(rank, 1) - 1];
}

} // namespace

TEST_CASE(
    "percentiles are within the stated relative error of the exact ones") {
  for (uint64_t seed : {1, 2, 3}) {
    CAPTURE(seed);
    std::mt19937_64 rng(seed);
    std::lognormal_distribution<double> lat(std::log(200000.0), 1.2); // ns
    hdr_histogram h;
    std::vector<int64_t> xs;
    for (int i = 0; i < 200000; ++i) {
      auto v = std::max<int64_t>(1, static_cast<int64_t>(lat(rng)));
      xs.push_back(v);
      h.record(v);
    }
    CHECK(h.count() == xs.size());
    CHECK(h.min() == *std::min_element(xs.begin(), xs.end()));
    CHECK(h.max() == *std::max_element(xs.begin(), xs.end()));
    for (double q : {50.0, 90.0, 99.0, 99.9, 99.99, 100.0}) {
      CAPTURE(q);
      auto want = exact(xs, q);
      auto got = h.percentile(q);
      CHECK(got >= want);
      CHECK(double(got - want) <= h.precision() * double(want) + 1);
    }
    double mean = 0;
    for (auto v : xs)
      mean += double(v);
    mean /= double(xs.size());
    CHECK(std::abs(h.mean() - mean) <= 1e-9 * mean);
  }
}

TEST_CASE(
    "small values are exact, out-of-range values are clamped and counted") {
  hdr_histogram h(1, 1000000, 3);
  for (int64_t v = 1; v <= 2000; ++v)
    h.record(v);
  CHECK(h.percentile(50) == 1000);
  CHECK(h.percentile(100) == 2000);
  h.record(0);
  h.record(5000000);
  CHECK(h.clamped() == 2);
  CHECK(h.max() == 1000000);
  CHECK(h.precision() == doctest::Approx(1.0 / 1024));
}

TEST_CASE("merge adds counts, shapes must match, encode round-trips") {
  hdr_histogram a, b;
  for (int i = 1; i <= 1000; ++i) {
    a.record(i * 1000);
    b.record(i * 7000);
  }
  hdr_histogram both = a;
  REQUIRE(both.merge(b));
  CHECK(both.count() == 2000);
  CHECK(both.max() == 7000000);
  // Half of all values are <= 875,000 (875 of a's and 125 of b's).
  CHECK(std::abs(double(both.percentile(50)) - 875000.0) <=
        875000.0 * both.precision());
  hdr_histogram other(1, 1000, 2);
  CHECK(!both.merge(other));
  CHECK(both.count() == 2000);

  hdr_histogram back;
  REQUIRE(hdr_histogram::decode(both.encode(), back));
  CHECK(back.count() == both.count());
  for (double q : {1.0, 50.0, 99.0, 100.0})
    CHECK(back.percentile(q) == both.percentile(q));
  CHECK(back.encode() == both.encode());
  CHECK(!hdr_histogram::decode("hdr2 1 2 3", back));
  CHECK(!hdr_histogram::decode("hdr1 1 100 3 1 1 0 999999:1", back));
  CHECK(!hdr_histogram::decode("hdr1 1 100 3 1 1 0 junk", back));
  CHECK(back.count() == both.count()); // unchanged by the failures
}

TEST_CASE("an empty histogram answers zeros") {
  hdr_histogram h;
  CHECK(h.count() == 0);
  CHECK(h.percentile(99) == 0);
  CHECK(h.mean() == 0);
  CHECK(h.min() == 0);
}
