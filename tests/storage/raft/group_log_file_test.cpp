// The SQLite group log file: refusal of files that are not this node's, and
// the memory store checked against it on a seeded random history.
#include "storage/raft/group_log_store.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <map>
#include <random>

#include "storage/raft/raft_store.hpp"
#include "storage/sqlite.hpp"
#include "tests/temp_dir.hpp"

using namespace ds;
using ds::test::temp_dir;

namespace {

group_log_identity who(uint64_t node = 1) {
  return group_log_identity{42, node};
}

std::string file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

/// A file of node 1 whose group 5 holds entries 1..3 after a snapshot at 0.
std::string make_file(const temp_dir& dir) {
  auto path = dir.file("raft-groups.db");
  auto s = open_sqlite_group_log_store(path, who());
  raft::ready rd;
  rd.hard = raft::hard_state{1, 1, 1};
  for (uint64_t i = 1; i <= 3; ++i)
    rd.entries.push_back(raft::entry{1, i, raft::entry_type::normal, "x"});
  s->save({{5, &rd}});
  s->compact(6, raft::snapshot_meta{1, 1, {1, 2}});
  return path;
}

/// Changes the file with `sql` (a damage), then expects it to be refused
/// with a message holding `why`, and to stay as it is.
void refused_after(const std::string& path, const std::string& sql,
                   const std::string& why) {
  if (!sql.empty()) {
    sql::db d(path, false);
    d.exec(sql);
  }
  auto before = file_bytes(path);
  REQUIRE(!before.empty());
  CHECK_THROWS_WITH_AS(open_sqlite_group_log_store(path, who()),
                       doctest::Contains(why.c_str()), sql::storage_error);
  CHECK(file_bytes(path) == before);
}

} // namespace

TEST_CASE("group log file: a file of another node or cluster is refused "
          "untouched") {
  temp_dir dir;
  auto path = make_file(dir);
  auto before = file_bytes(path);
  CHECK_THROWS_WITH_AS(open_sqlite_group_log_store(path, who(2)),
                       doctest::Contains("belongs to node 1, not 2"),
                       sql::storage_error);
  CHECK_THROWS_WITH_AS(
      open_sqlite_group_log_store(path, group_log_identity{7, 1}),
      doctest::Contains("another cluster"), sql::storage_error);
  CHECK(file_bytes(path) == before);
  auto s = open_sqlite_group_log_store(path, who()); // ours: accepted
  CHECK(s->load(5).entries.size() == 3);
}

TEST_CASE("group log file: a file that is not ours is refused untouched") {
  temp_dir dir;
  auto text = dir.file("text.db");
  { std::ofstream(text) << "not a database at all, just some text to refuse"; }
  refused_after(text, "", "not a dagshard raft group log");

  auto other = dir.file("other.db");
  {
    sql::db d(other, false);
    d.exec("CREATE TABLE t(x); INSERT INTO t VALUES (1)");
  }
  refused_after(other, "", "not a dagshard raft group log");

  auto one_group = dir.file("raft.db"); // the single-group log of meta
  { open_sqlite_raft_store(one_group, raft_identity{42, 1, "meta"}); }
  refused_after(one_group, "", "not a dagshard raft group log");

  temp_dir dir2;
  refused_after(make_file(dir2),
                "UPDATE meta SET value = 2 WHERE key = 'schema'",
                "newer than this build's 1");
}

TEST_CASE("group log file: a damaged group log is refused untouched") {
  {
    temp_dir dir;
    refused_after(make_file(dir),
                  "DELETE FROM entries WHERE grp = 5 AND idx = 2",
                  "raft group 5: its log has a gap before index 3");
  }
  {
    temp_dir dir;
    refused_after(make_file(dir), "UPDATE snap SET voters = x'0102'",
                  "raft group 6: its snapshot has a malformed voter list");
  }
  {
    temp_dir dir;
    refused_after(make_file(dir), "UPDATE hard SET grp = -5",
                  "malformed raft group id -5");
  }
  {
    temp_dir dir;
    auto path = make_file(dir);
    {
      sql::db d(path, false);
      d.exec("UPDATE entries SET type = 7 WHERE idx = 2");
    }
    auto s = open_sqlite_group_log_store(path, who());
    CHECK_THROWS_WITH_AS(
        s->load(5),
        doctest::Contains("raft group 5: log entry 2 has an unknown type"),
        sql::storage_error);
  }
}

namespace {

/// What a random history needs to know of a group to make valid readies.
struct model_group {
  uint64_t snap = 0, last = 0, term = 1, vote = 0, commit = 0;
};

/// A random ready for `g` that fits its log; updates `g`.
raft::ready random_ready(std::mt19937& rng, model_group& g) {
  raft::ready rd;
  auto pick = [&](uint32_t n) { return static_cast<uint32_t>(rng() % n); };
  if (pick(12) == 0) { // a snapshot from the leader
    auto at = g.last + pick(3);
    rd.snap = raft::snapshot{raft::snapshot_meta{at, g.term, {1, 2, 3}},
                             "snap" + std::to_string(at)};
    g.snap = g.last = at;
  }
  if (pick(10) < 7) { // entries, maybe overwriting up to 2 of the tail
    auto first =
        std::max(g.snap + 1, g.last + 1 - std::min<uint64_t>(g.last, pick(3)));
    auto n = pick(4);
    for (uint64_t i = 0; i < n; ++i)
      rd.entries.push_back(raft::entry{
          g.term, first + i,
          pick(5) ? raft::entry_type::normal : raft::entry_type::config,
          std::string(pick(40), char('a' + pick(26)))});
    if (n > 0)
      g.last = first + n - 1;
  }
  auto r = pick(10);
  if (r < 5) { // commit only (maybe deferred)
    g.commit = std::min(g.last, g.commit + pick(3));
    rd.hard = raft::hard_state{g.term, g.vote, g.commit};
  } else if (r < 7) { // a new term and vote
    ++g.term;
    g.vote = pick(4);
    rd.hard = raft::hard_state{g.term, g.vote, g.commit};
  }
  return rd;
}

void check_alike(group_log_store& a, group_log_store& b) {
  REQUIRE(a.groups() == b.groups());
  for (uint32_t g = 0; g < 6; ++g) {
    CAPTURE(g);
    auto x = a.load(g), y = b.load(g);
    CHECK(x.hard == y.hard);
    CHECK(x.snap.meta == y.snap.meta);
    CHECK(x.snap.data == y.snap.data);
    CHECK(x.entries == y.entries);
    CHECK(a.entry_count(g) == b.entry_count(g));
  }
}

} // namespace

TEST_CASE("group log file: the memory store behaves like the SQLite one on a "
          "random history") {
  temp_dir dir;
  auto path = dir.file("raft-groups.db");
  auto disk = make_memory_group_log_disk();
  auto sq = open_sqlite_group_log_store(path, who());
  auto mem = make_memory_group_log_store(0, disk);
  std::mt19937 rng(20261203);
  std::map<uint32_t, model_group> model;
  int reopens = 0;
  for (int step = 0; step < 400; ++step) {
    CAPTURE(step);
    auto op = rng() % 20;
    if (op < 15) { // a bundle of up to 4 groups, sometimes one twice
      std::vector<raft::ready> rds(1 + rng() % 4);
      std::vector<group_ready> bundle;
      for (auto& rd : rds) {
        auto g = static_cast<uint32_t>(rng() % 6);
        rd = random_ready(rng, model[g]);
        bundle.emplace_back(g, &rd);
      }
      sq->save(bundle);
      mem->save(bundle);
    } else if (op < 17) { // a local snapshot
      auto g = static_cast<uint32_t>(rng() % 6);
      auto& m = model[g];
      if (m.last > m.snap) {
        raft::snapshot_meta meta{
            m.snap + 1 + rng() % (m.last - m.snap), m.term, {1, 2}};
        sq->compact(g, meta, "c");
        mem->compact(g, meta, "c");
        m.snap = meta.index;
      }
    } else if (op < 18) { // a replica removed
      auto g = static_cast<uint32_t>(rng() % 6);
      sq->drop(g);
      mem->drop(g);
      model.erase(g);
    } else { // a restart: deferred commit indexes are lost by both
      sq.reset();
      sq = open_sqlite_group_log_store(path, who());
      mem = make_memory_group_log_store(0, disk);
      ++reopens;
      for (auto g : sq->groups())
        model[g].commit = sq->load(g).hard.commit;
    }
    check_alike(*sq, *mem);
  }
  CHECK(reopens > 10);
  CHECK(sq->groups().size() > 2);
}
