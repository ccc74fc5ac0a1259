// Space-saving guarantees against exact counts on seeded Zipf streams.
#include "psm/access/space_saving.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <map>
#include <random>
#include <string>
#include <vector>

TEST_CASE("space-saving bounds hold on seeded Zipf streams") {
  for (unsigned seed : {1u, 2u, 3u, 4u, 5u}) {
    for (double s : {0.8, 1.1, 1.5}) {
      CAPTURE(seed);
      CAPTURE(s);
      const std::size_t universe = 2000, k = 50, n = 20000;
      std::vector<double> w(universe);
      for (std::size_t i = 0; i < universe; ++i)
        w[i] = 1.0 / std::pow(double(i + 1), s);
      std::discrete_distribution<std::size_t> zipf(w.begin(), w.end());
      std::mt19937_64 rng(seed);
      ds::access::space_saving sk(k);
      std::map<std::string, std::uint64_t> exact;
      for (std::size_t i = 0; i < n; ++i) {
        std::string item = "e" + std::to_string(zipf(rng));
        sk.add(item);
        ++exact[item];
      }
      REQUIRE(sk.total() == n);
      const std::uint64_t bound = n / k;
      auto top = sk.top();
      CHECK(top.size() == k);
      for (const auto& e : top) {
        std::uint64_t f = exact[e.item];
        CHECK(e.count >= f);
        CHECK(e.count - f <= bound);
        CHECK(e.count - e.error <= f);
      }
      for (const auto& kv : exact)
        if (kv.second > bound)
          CHECK(sk.estimate(kv.first) >= kv.second);
    }
  }
}
