#include <doctest/doctest.h>

#include <vector>

#include "model/placement.hpp"

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
