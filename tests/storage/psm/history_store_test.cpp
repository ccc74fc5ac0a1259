#include <doctest/doctest.h>

#include <fstream>
#include <functional>
#include <iterator>
#include <random>

#include "storage/psm/history_store.hpp"
#include "storage/sqlite.hpp"
#include "tests/temp_dir.hpp"

using namespace ds::psm_history;
using ds::test::temp_dir;

namespace {

// Small levels so that a test crosses every boundary: 4 full slots, then
// buckets of 2 for 8 slots, then buckets of 4.
history_options small() {
  history_options o;
  o.full_slots = 4;
  o.mid_width = 2;
  o.mid_slots = 8;
  o.coarse_width = 4;
  return o;
}

op_counts counts(uint64_t a, uint64_t b, uint64_t c, uint64_t d) {
  op_counts x;
  x.n = {a, b, c, d};
  return x;
}

op_counts sum(const std::vector<history_point>& ps) {
  op_counts t;
  for (auto& p : ps)
    for (size_t j = 0; j < 4; ++j)
      t.n[j] += p.counts.n[j];
  return t;
}

bool same(const std::vector<history_point>& a,
          const std::vector<history_point>& b) {
  if (a.size() != b.size())
    return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i].slot != b[i].slot || a[i].width != b[i].width ||
        a[i].counts.n != b[i].counts.n)
      return false;
  return true;
}

std::string slurp(const std::string& path) {
  std::ifstream f{path, std::ios::binary};
  return {std::istreambuf_iterator<char>{f}, {}};
}

std::string open_error(const std::string& path) {
  try {
    open_sqlite_history_store(path, small());
  } catch (const ds::sql::storage_error& e) {
    return e.what();
  }
  return "";
}

const series_key dir_a = series_key::directory("a");
const series_key part_a = series_key::range("a", 0, ~uint64_t{0} / 2);

// Both implementations, over a fresh file for the SQLite one.
void for_each_store(history_options o,
                    const std::function<void(history_store&)>& f) {
  SUBCASE("memory") {
    auto s = make_memory_history_store(o);
    f(*s);
  }
  SUBCASE("sqlite") {
    temp_dir d;
    auto s = open_sqlite_history_store(d.file("psm.db"), o);
    f(*s);
  }
}

} // namespace

TEST_CASE("history round trip: what is appended reads back per series") {
  for_each_store(small(), [](history_store& s) {
    s.append(10, {{dir_a, counts(5, 1, 0, 2)}, {part_a, counts(3, 1, 0, 0)}});
    s.append(11, {{dir_a, counts(7, 0, 1, 0)}});
    s.append(11, {{dir_a, counts(1, 0, 0, 0)}}); // a second shard's report
    auto a = s.read(dir_a);
    REQUIRE(a.size() == 2);
    CHECK(a[0].slot == 10);
    CHECK(a[0].width == 1);
    CHECK(a[0].counts.n == counts(5, 1, 0, 2).n);
    CHECK(a[1].counts.n == counts(8, 0, 1, 0).n);
    CHECK(s.read(part_a).size() == 1);
    CHECK(s.read(series_key::directory("b")).empty());
    uint64_t n = 0;
    CHECK(s.newest(n));
    CHECK(n == 11);
    CHECK(s.rows() == 3);
    CHECK(s.active(11).size() == 1);
    CHECK(s.active(0).size() == 2);
  });
}

TEST_CASE("history roll-up keeps every total and coarsens only old slots") {
  for_each_store(small(), [](history_store& s) {
    op_counts total;
    for (uint64_t t = 0; t < 40; ++t) {
      auto c = counts(t, t % 3, 1, t % 2);
      for (size_t j = 0; j < 4; ++j)
        total.n[j] += c.n[j];
      s.append(t, {{dir_a, c}});
    }
    auto rows = s.read(dir_a);
    CHECK(sum(rows).n == total.n);
    auto b = bounds(small(), 39);
    for (auto& p : rows) {
      if (p.slot >= b.full_from)
        CHECK(p.width == 1);
      else if (p.slot >= b.mid_from)
        CHECK(p.width == 2);
      else
        CHECK(p.width == 4);
      CHECK(p.slot % p.width == 0);
    }
    CHECK(rows.back().slot == 39);
    CHECK(rows.front().width == 4);
    CHECK(rows.size() < 40);
    // A late report of a rolled-up slot lands in its bucket.
    s.append(1, {{dir_a, counts(100, 0, 0, 0)}});
    CHECK(sum(s.read(dir_a)).n[0] == total.n[0] + 100);
  });
}

TEST_CASE("history bound: past max_rows the oldest rolled-up rows go") {
  auto o = small();
  o.max_rows = 10;
  for_each_store(o, [](history_store& s) {
    for (uint64_t t = 0; t < 200; ++t)
      s.append(t, {{dir_a, counts(1, 0, 0, 0)}, {part_a, counts(2, 0, 0, 0)}});
    CHECK(s.rows() <= 10);
    auto rows = s.read(dir_a);
    REQUIRE(!rows.empty());
    // The newest full-resolution slots are all still there.
    CHECK(rows.back().slot == 199);
    CHECK(rows.back().width == 1);
    CHECK(rows.front().slot > 0);
  });
}

TEST_CASE("history: SQLite and memory agree on a seeded mixed sequence") {
  temp_dir d;
  auto o = small();
  o.max_rows = 40;
  auto mem = make_memory_history_store(o);
  auto path = d.file("psm.db");
  auto db = open_sqlite_history_store(path, o);
  std::mt19937_64 rng{14};
  std::vector<series_key> keys{dir_a, part_a, series_key::directory("b"),
                               series_key::range("b", 7, 9)};
  for (int i = 0; i < 300; ++i) {
    uint64_t slot = i / 3 + (rng() % 4 == 0 ? 0 : rng() % 3); // some late
    std::vector<series_counts> rows;
    for (auto& k : keys)
      if (rng() % 2)
        rows.push_back(
            {k, counts(rng() % 50, rng() % 5, rng() % 5, rng() % 9)});
    mem->append(slot, rows);
    db->append(slot, rows);
    if (i == 150) // a restart in the middle forgets nothing
      db = open_sqlite_history_store(path, o);
  }
  for (auto& k : keys)
    CHECK(same(mem->read(k), db->read(k)));
  CHECK(mem->rows() == db->rows());
  CHECK(mem->active(90) == db->active(90));
}

TEST_CASE("history restart: a reopened psm.db has every row and the newest") {
  temp_dir d;
  auto path = d.file("psm.db");
  std::vector<history_point> before;
  {
    auto s = open_sqlite_history_store(path, small());
    for (uint64_t t = 0; t < 30; ++t)
      s->append(t, {{dir_a, counts(t, 1, 0, 0)}});
    before = s->read(dir_a);
  }
  auto s = open_sqlite_history_store(path, small());
  CHECK(same(s->read(dir_a), before));
  uint64_t n = 0;
  CHECK(s->newest(n));
  CHECK(n == 29);
  CHECK(s->rows() == before.size());
}

TEST_CASE("history: foreign, damaged and newer files are refused untouched") {
  temp_dir d;
  auto text = d.file("text.db");
  std::ofstream{text} << "not a database, only some words in a file\n";
  auto before = slurp(text);
  CHECK(open_error(text).find("not a dagshard PSM history") !=
        std::string::npos);
  CHECK(slurp(text) == before);

  auto other = d.file("other.db");
  {
    ds::sql::db db{other, false};
    db.exec("CREATE TABLE t(x); INSERT INTO t VALUES (1)");
  }
  before = slurp(other);
  CHECK(open_error(other).find("not a dagshard PSM history") !=
        std::string::npos);
  CHECK(slurp(other) == before);

  auto newer = d.file("newer.db");
  { open_sqlite_history_store(newer, small()); }
  {
    ds::sql::db db{newer, false};
    db.exec("UPDATE meta SET value = 99 WHERE key = 'schema'");
  }
  before = slurp(newer);
  CHECK(open_error(newer).find("newer") != std::string::npos);
  CHECK(slurp(newer) == before);

  auto hurt = d.file("hurt.db");
  {
    // Enough rows for several pages, in one transaction.
    auto s = open_sqlite_history_store(hurt, small());
    std::vector<series_counts> rows;
    for (uint64_t t = 0; t < 3000; ++t)
      rows.push_back(
          {series_key::directory(std::to_string(t)), counts(t, 0, 0, 0)});
    s->append(0, rows);
  }
  {
    std::fstream f{hurt, std::ios::in | std::ios::out | std::ios::binary};
    f.seekp(2 * 4096);
    std::string junk(3000, '\x5a');
    f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
  }
  before = slurp(hurt);
  CHECK(!open_error(hurt).empty());
  CHECK(slurp(hurt) == before);
}

TEST_CASE("history options: bad values are refused by name") {
  auto o = small();
  o.coarse_width = 3;
  CHECK_THROWS_WITH_AS(make_memory_history_store(o),
                       doctest::Contains("coarse_width"),
                       std::invalid_argument);
}
