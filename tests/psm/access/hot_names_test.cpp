// The request path's heavy-hitter sketch keeps space-saving's guarantees.
#include "psm/access/hot_names.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <functional>
#include <map>
#include <random>
#include <string>

using namespace ds::access;

TEST_CASE("hot_names bounds hold on a seeded Zipf stream") {
  const std::size_t universe = 1000, k = 20, n = 10000;
  std::vector<double> w(universe);
  for (std::size_t i = 0; i < universe; ++i)
    w[i] = 1.0 / std::pow(double(i + 1), 1.1);
  std::discrete_distribution<std::size_t> zipf(w.begin(), w.end());
  std::mt19937_64 rng(3);
  hot_names sk(k);
  std::map<std::pair<std::uint64_t, std::string>, std::uint64_t> exact;
  for (std::size_t i = 0; i < n; ++i) {
    auto x = zipf(rng);
    std::uint64_t dir = 10 + x % 3;
    std::string name = "f" + std::to_string(x);
    sk.add(dir, std::hash<std::string>{}(name), name);
    ++exact[{dir, name}];
  }
  CHECK(sk.total() == n);
  auto top = sk.take();
  REQUIRE(top.size() == k);
  for (std::size_t i = 1; i < top.size(); ++i)
    CHECK(top[i - 1].count >= top[i].count);
  for (auto& e : top) {
    auto f = exact[{e.dir, e.name}];
    CHECK(e.count >= f);
    CHECK(e.count - f <= n / k);
    CHECK(e.count - e.error <= f);
  }
  for (auto& [key, f] : exact)
    if (f > n / k) {
      bool seen = false;
      for (auto& e : top)
        seen = seen || (e.dir == key.first && e.name == key.second);
      CHECK_MESSAGE(seen, key.second);
    }
  CHECK(sk.total() == 0);
  CHECK(sk.take().empty());
}
