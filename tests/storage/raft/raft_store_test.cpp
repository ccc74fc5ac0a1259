#include "storage/raft/raft_store.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <sys/stat.h>

#include "storage/sqlite.hpp"
#include "tests/temp_dir.hpp"

using namespace ds;
using ds::test::temp_dir;

namespace {

raft::entry ent(uint64_t term, uint64_t index, std::string data) {
  return raft::entry{term, index, raft::entry_type::normal, std::move(data)};
}

raft_identity who(uint64_t node = 1) {
  return raft_identity{42, node, "meta"};
}

std::string file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

} // namespace

TEST_CASE("raft store: entries, truncation, hard state and snapshots survive "
          "reopen") {
  temp_dir dir;
  auto path = dir.path + "/raft.db";
  {
    auto s = open_sqlite_raft_store(path, who());
    CHECK(s->load().entries.empty());
    raft::ready rd;
    rd.hard = raft::hard_state{3, 2, 1};
    rd.entries = {ent(1, 1, "a"), ent(2, 2, "b"), ent(2, 3, "c")};
    s->save(rd);
    // A conflicting suffix from a new leader replaces entries from index 3.
    raft::ready r2;
    r2.entries = {ent(3, 3, "C"), ent(3, 4, "d")};
    r2.hard = raft::hard_state{3, 2, 3};
    s->save(r2);
  }
  {
    auto s = open_sqlite_raft_store(path, who());
    auto rs = s->load();
    CHECK(rs.hard == raft::hard_state{3, 2, 3});
    REQUIRE(rs.entries.size() == 4);
    CHECK(rs.entries[2] == ent(3, 3, "C"));
    CHECK(rs.entries[3] == ent(3, 4, "d"));
    raft::snapshot snap;
    snap.meta = raft::snapshot_meta{3, 3, {1, 2, 3}};
    snap.data = "state@3";
    s->compact(snap);
    CHECK(s->entry_count() == 1);
  }
  auto s = open_sqlite_raft_store(path, who());
  auto rs = s->load();
  CHECK(rs.snap.meta == raft::snapshot_meta{3, 3, {1, 2, 3}});
  CHECK(rs.snap.data == "state@3");
  REQUIRE(rs.entries.size() == 1);
  CHECK(rs.entries[0].index == 4);
  // A snapshot from the leader replaces the whole log.
  raft::ready r3;
  r3.snap = raft::snapshot{raft::snapshot_meta{9, 4, {1, 2, 3}}, "state@9"};
  s->save(r3);
  rs = s->load();
  CHECK(rs.snap.meta.index == 9);
  CHECK(rs.entries.empty());
}

TEST_CASE(
    "raft store: a log of another node, cluster or kind is refused untouched") {
  temp_dir dir;
  auto path = dir.path + "/raft.db";
  { open_sqlite_raft_store(path, who(1)); }
  auto before = file_bytes(path);
  CHECK_THROWS_WITH_AS(open_sqlite_raft_store(path, who(2)),
                       doctest::Contains("belongs to node 1"),
                       sql::storage_error);
  CHECK_THROWS_WITH_AS(
      open_sqlite_raft_store(path, raft_identity{7, 1, "meta"}),
      doctest::Contains("another cluster"), sql::storage_error);
  CHECK(file_bytes(path) == before);
  auto junk = dir.path + "/junk.db";
  { std::ofstream(junk) << "not a database at all, just some text to refuse"; }
  CHECK_THROWS_AS(open_sqlite_raft_store(junk, who()), sql::storage_error);
  CHECK(file_bytes(junk) == "not a database at all, just some text to refuse");
}

TEST_CASE("raft store: a log with a gap is refused") {
  temp_dir dir;
  auto path = dir.path + "/raft.db";
  {
    auto s = open_sqlite_raft_store(path, who());
    raft::ready rd;
    rd.entries = {ent(1, 1, "a"), ent(1, 2, "b"), ent(1, 3, "c")};
    s->save(rd);
  }
  {
    sql::db d(path, false);
    d.exec("DELETE FROM entries WHERE idx = 2");
  }
  CHECK_THROWS_WITH_AS(open_sqlite_raft_store(path, who()),
                       doctest::Contains("gap"), sql::storage_error);
}

TEST_CASE("raft store: the memory store fails on the chosen save") {
  auto s = make_memory_raft_store(2);
  raft::ready rd;
  rd.entries = {ent(1, 1, "a")};
  s->save(rd);
  CHECK_THROWS_AS(s->save(rd), sql::storage_error);
}

TEST_CASE(
    "raft store: a commit-only change is written with the next transaction") {
  temp_dir dir;
  auto path = dir.path + "/raft.db";
  {
    auto s = open_sqlite_raft_store(path, who());
    raft::ready rd;
    rd.hard = raft::hard_state{2, 1, 0};
    rd.entries = {ent(2, 1, "a"), ent(2, 2, "b")};
    s->save(rd);
    raft::ready commit_only;
    commit_only.hard = raft::hard_state{2, 1, 2};
    s->save(commit_only); // no fsync for this one
  }
  {
    auto s = open_sqlite_raft_store(path, who());
    auto rs = s->load();
    CHECK(rs.hard == raft::hard_state{2, 1, 0}); // term and vote are never late
    raft::ready commit_only;
    commit_only.hard = raft::hard_state{2, 1, 2};
    s->save(commit_only);
    raft::ready more;
    more.entries = {ent(2, 3, "c")};
    s->save(more);
  }
  auto s = open_sqlite_raft_store(path, who());
  CHECK(s->load().hard == raft::hard_state{2, 1, 2});
}
