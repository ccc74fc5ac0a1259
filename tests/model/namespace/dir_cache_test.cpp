// The directory-lookup cache on its own: bounded, least recently used out
// first, counted.
#include <doctest/doctest.h>

#include "model/namespace/dir_cache.hpp"

using namespace ds;

TEST_CASE("a cache finds what it was told, by parent and name") {
  dir_cache c{8};
  CHECK(c.find(1, "a") == 0);
  c.insert(1, "a", 10);
  c.insert(10, "a", 11); // the same name in another directory
  CHECK(c.find(1, "a") == 10);
  CHECK(c.find(10, "a") == 11);
  CHECK(c.find(1, "b") == 0);
  c.insert(1, "a", 12); // made again: the newer inode replaces it
  CHECK(c.find(1, "a") == 12);
  CHECK(c.size() == 2);
  auto s = c.stats();
  CHECK(s.hits == 3);
  CHECK(s.misses == 2);
  CHECK(s.entries == 2);
}

TEST_CASE("beyond its capacity the least recently used entry goes") {
  dir_cache c{3};
  c.insert(1, "a", 10);
  c.insert(1, "b", 11);
  c.insert(1, "c", 12);
  CHECK(c.find(1, "a") == 10); // a is now the most recently used
  c.insert(1, "d", 13);        // b goes
  CHECK(c.find(1, "b") == 0);
  CHECK(c.find(1, "a") == 10);
  CHECK(c.find(1, "c") == 12);
  CHECK(c.find(1, "d") == 13);
  CHECK(c.size() == 3);
  CHECK(c.stats().evictions == 1);
  for (uint64_t i = 0; i < 100; ++i)
    c.insert(2, "n" + std::to_string(i), 100 + i);
  CHECK(c.size() == 3);
  CHECK(c.find(2, "n99") == 199);
  CHECK(c.stats().evictions == 101);
}

TEST_CASE("erase drops an entry only if it still names that directory") {
  dir_cache c{4};
  c.insert(1, "a", 10);
  c.erase(1, "a", 99, true); // an older handle: the newer entry stays
  CHECK(c.find(1, "a") == 10);
  c.erase(1, "a", 10, true);
  CHECK(c.find(1, "a") == 0);
  c.insert(1, "b", 11);
  c.erase(1, "b", 0, false); // an rmdir: whatever it names
  CHECK(c.find(1, "b") == 0);
  auto s = c.stats();
  CHECK(s.stale == 2); // both detections, though one found a newer entry
  CHECK(s.dropped == 1);
  CHECK(s.entries == 0);
}

TEST_CASE("a cache of capacity 0 holds nothing") {
  dir_cache c{0};
  c.insert(1, "a", 10);
  CHECK(c.find(1, "a") == 0);
  CHECK(c.size() == 0);
}
