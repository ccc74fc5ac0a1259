// The emulated shard capacity: a burst at once, then one op per 1/rate s,
// in arrival order; an idle spell refills at most `burst` tokens.
#include "psm/capacity/token_bucket.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <random>
#include <stdexcept>
#include <vector>

using ds::capacity::token_bucket;

TEST_CASE("a burst is served at once, the rest one per interval") {
  token_bucket b(10, 3); // 10 ops/s, 3 back to back
  std::vector<double> served;
  for (int i = 0; i < 6; ++i)
    served.push_back(b.serve(1.0));
  CHECK(served[0] == doctest::Approx(1.0));
  CHECK(served[1] == doctest::Approx(1.0));
  CHECK(served[2] == doctest::Approx(1.0));
  CHECK(served[3] == doctest::Approx(1.1));
  CHECK(served[4] == doctest::Approx(1.2));
  CHECK(served[5] == doctest::Approx(1.3));
  CHECK(b.next_service(1.0) == doctest::Approx(1.4));
}

TEST_CASE("an idle spell refills the bucket up to the burst, not beyond") {
  token_bucket b(2, 2); // 2 ops/s, burst 2
  b.serve(0);
  b.serve(0);
  // 100 s idle: only 2 tokens back, the third op waits half a second.
  CHECK(b.serve(100) == doctest::Approx(100));
  CHECK(b.serve(100) == doctest::Approx(100));
  CHECK(b.serve(100) == doctest::Approx(100.5));
  // Arrivals slower than the rate are never delayed.
  token_bucket slow(2, 1);
  for (int i = 0; i < 10; ++i)
    CHECK(slow.serve(i * 0.6) == doctest::Approx(i * 0.6));
}

TEST_CASE("served in order, never before arrival, at the rate in the long "
          "run") {
  std::mt19937_64 rng(42);
  std::exponential_distribution<double> gap(50); // 50 ops/s offered
  token_bucket b(20, 5);                         // 20 ops/s served
  double t = 0, last = 0;
  int n = 2000;
  for (int i = 0; i < n; ++i) {
    t += gap(rng);
    double s = b.serve(t);
    REQUIRE(s >= t);
    REQUIRE(s >= last);
    last = s;
  }
  // Saturated: n ops take n / rate seconds, less the first burst.
  CHECK(last == doctest::Approx((n - 5) / 20.0).epsilon(0.01));
}

TEST_CASE("rate 0 is unlimited, bad settings and arrivals are refused") {
  token_bucket off(0, 1);
  for (int i = 0; i < 100; ++i)
    CHECK(off.serve(3.0) == 3.0);
  CHECK_THROWS_AS(token_bucket(-1, 1), std::invalid_argument);
  CHECK_THROWS_AS(token_bucket(10, 0.5), std::invalid_argument);
  CHECK_THROWS_AS(token_bucket(std::nan(""), 1), std::invalid_argument);
  token_bucket b(10, 1);
  b.serve(5);
  CHECK_THROWS_AS(b.serve(4.9), std::invalid_argument); // back in time
  CHECK_THROWS_AS(b.serve(std::nan("")), std::invalid_argument);
  CHECK(b.serve(5) == doctest::Approx(5.1)); // the refusal changed nothing
}
