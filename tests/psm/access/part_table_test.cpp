// The slot's per-part counts: exact against a map, across growth and takes.
#include "psm/access/part_table.hpp"

#include <doctest/doctest.h>

#include <set>

#include <map>
#include <random>

using namespace ds::access;

TEST_CASE("part_table counts every part exactly, across growth") {
  part_table t(4); // grows several times below
  std::map<part_ref, op_counts> exact;
  std::mt19937_64 rng(7);
  for (int i = 0; i < 20000; ++i) {
    part_ref p{rng() % 300, (rng() % 4) << 62, 0};
    p.hi = p.lo + ((std::uint64_t{1} << 62) - 1);
    auto o = static_cast<op>(rng() % 4);
    t.count(p, o);
    exact[p][o] += 1;
  }
  CHECK(t.size() == exact.size());
  auto got = t.take();
  REQUIRE(got.size() == exact.size());
  auto i = exact.begin();
  for (auto& g : got) {
    CHECK(g.part == i->first); // in part order
    CHECK(g.counts.n == i->second.n);
    ++i;
  }
}

TEST_CASE("part_table starts each slot empty after take") {
  part_table t;
  t.count({1, 0, 9}, op::lookup);
  t.count({1, 0, 9}, op::lookup);
  t.count({2, 0, 9}, op::create);
  REQUIRE(t.take().size() == 2);
  CHECK(t.size() == 0);
  CHECK(t.take().empty());
  t.count({2, 0, 9}, op::readdir);
  auto s = t.take();
  REQUIRE(s.size() == 1);
  CHECK(s[0].counts[op::readdir] == 1);
  CHECK(s[0].counts[op::create] == 0); // nothing left from the slot before
}

TEST_CASE("the parts of one directory spread over the table's cells") {
  // 64 aligned ranges of one directory differ only in their high bits;
  // their first cells in a table of 128 cells must still differ for most.
  part_table t(64); // 128 cells
  std::set<std::size_t> cells;
  const std::uint64_t width = std::uint64_t{1} << 58;
  for (std::uint64_t k = 0; k < 64; ++k)
    cells.insert(t.cell_of(
        part_ref{70368744177665ull, k * width, k * width + (width - 1)}));
  CHECK(cells.size() >= 40); // random placement gives about 50
  CHECK(*cells.rbegin() < 128);
}
