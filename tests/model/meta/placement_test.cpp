#include <doctest/doctest.h>

#include <vector>

#include "model/meta/placement.hpp"

using namespace ds;

TEST_CASE("the ring spreads directories over every shard") {
  hash_ring r{4};
  std::vector<int> load(4);
  for (inode_id d = 1; d <= 40000; ++d)
    ++load[r.home(d)];
  for (auto n : load) {
    CHECK(n > 10000 * 0.75);
    CHECK(n < 10000 * 1.25);
  }
}

TEST_CASE("adding a shard moves about 1/n of the directories") {
  hash_ring a{4};
  hash_ring b{5};
  int moved = 0;
  const int n = 50000;
  for (inode_id d = 1; d <= n; ++d) {
    auto x = a.home(d);
    auto y = b.home(d);
    if (x != y) {
      ++moved;
      CHECK(y == 4); // only onto the new shard
    }
  }
  CHECK(moved > n / 5 * 0.7);
  CHECK(moved < n / 5 * 1.3);
}

TEST_CASE("placement is a pure function of the shard count") {
  hash_ring a{7};
  hash_ring b{7};
  for (inode_id d = 1; d < 1000; ++d)
    CHECK(a.home(d) == b.home(d));
  CHECK(key_hash(1) == key_hash(1));
}

namespace {

/// Assigns keys 1..m in order; returns each key's shard.
std::vector<uint32_t> assign_all(uint32_t shards, double c, uint64_t m,
                                 double* imbalance = nullptr) {
  bounded_ring r{shards, c};
  std::vector<uint32_t> out;
  for (uint64_t k = 1; k <= m; ++k)
    out.push_back(r.assign(key_hash(k)));
  if (imbalance)
    *imbalance = r.imbalance();
  return out;
}

} // namespace

TEST_CASE("bounded loads keep every shard within c times the mean") {
  for (double c : {1.1, 1.25, 2.0}) {
    CAPTURE(c);
    double plain_imbalance = 0;
    {
      hash_ring ring{12};
      std::vector<double> load(12);
      for (uint64_t k = 1; k <= 20000; ++k)
        ++load[ring.home(key_hash(k))];
      double mx = 0;
      for (auto l : load)
        mx = std::max(mx, l);
      plain_imbalance = mx / (20000.0 / 12);
    }
    bounded_ring r{12, c};
    for (uint64_t k = 1; k <= 20000; ++k) {
      r.assign(key_hash(k));
      for (auto l : r.loads())
        REQUIRE(l <= c * r.total() / 12 + 1);
    }
    CHECK(r.imbalance() <= c + 12.0 / 20000);
    CHECK(r.imbalance() <= std::max(plain_imbalance, c + 0.001));
  }
}

TEST_CASE("bounded loads are deterministic and weighted") {
  CHECK(assign_all(7, 1.25, 5000) == assign_all(7, 1.25, 5000));
  bounded_ring r{4, 1.25};
  r.assign(key_hash(1), 100); // one heavy key fills its shard
  std::vector<uint32_t> seen;
  for (uint64_t k = 2; k < 200; ++k)
    seen.push_back(r.assign(key_hash(k), 1));
  CHECK(r.total() == doctest::Approx(100 + 198));
  for (auto l : r.loads())
    CHECK(l <= 1.25 * r.total() / 4 + 100);
  auto s = r.assign(key_hash(999), 5);
  r.release(s, 5);
  CHECK(r.total() == doctest::Approx(298));
}

TEST_CASE("adding a shard moves a bounded fraction of keys") {
  const uint64_t m = 20000;
  auto before = assign_all(12, 1.25, m);
  auto after = assign_all(13, 1.25, m);
  uint64_t moved = 0;
  for (uint64_t i = 0; i < m; ++i)
    moved += before[i] != after[i];
  double f = static_cast<double>(moved) / m;
  MESSAGE("bounded loads, 12 -> 13 shards, c = 1.25: moved "
          << f << " (1/n = " << 1.0 / 13 << ")");
  CHECK(f >= 1.0 / 13 * 0.5); // the new shard takes its share
  CHECK(f <= 3.0 / 13);
}

TEST_CASE("spread placement depends on the DAG node, not only the directory") {
  hash_ring ring{12};
  std::vector<int> used(12);
  for (node_id n = 1; n <= 200; ++n)
    ++used[spread_shard(ring, 42, n)];
  int shards_used = 0;
  for (auto u : used)
    shards_used += u > 0;
  CHECK(shards_used == 12);
}
