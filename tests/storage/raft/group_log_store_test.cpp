#include "storage/raft/group_log_store.hpp"

#include <doctest/doctest.h>

#include <functional>

#include "storage/sqlite.hpp"
#include "tests/temp_dir.hpp"

using namespace ds;
using ds::test::temp_dir;

namespace {

raft::entry ent(uint64_t term, uint64_t index, std::string data = {}) {
  return raft::entry{term, index, raft::entry_type::normal, std::move(data)};
}

/// Entries first..last of `term`, data "t<term>i<index>".
std::vector<raft::entry> ents(uint64_t term, uint64_t first, uint64_t last) {
  std::vector<raft::entry> out;
  for (auto i = first; i <= last; ++i)
    out.push_back(
        ent(term, i, "t" + std::to_string(term) + "i" + std::to_string(i)));
  return out;
}

raft::ready rd_of(std::vector<raft::entry> es,
                  std::optional<raft::hard_state> hard = std::nullopt) {
  raft::ready rd;
  rd.entries = std::move(es);
  rd.hard = hard;
  return rd;
}

raft::ready commit_only(raft::hard_state h) {
  raft::ready rd;
  rd.hard = h;
  return rd;
}

group_log_identity who(uint64_t node = 1) {
  return group_log_identity{42, node};
}

std::vector<uint64_t> indexes(const raft::restored_state& rs) {
  std::vector<uint64_t> out;
  for (auto& e : rs.entries)
    out.push_back(e.index);
  return out;
}

/// Opens the store of one kind again on what it holds durably (a restart).
using opener = std::function<std::unique_ptr<group_log_store>()>;

/// Runs `check` once on a SQLite store and once on a memory store: both
/// must behave alike.
template <class F> void on_both(F check) {
  SUBCASE("sqlite") {
    temp_dir dir;
    auto path = dir.file("raft-groups.db");
    check(opener{[path] { return open_sqlite_group_log_store(path, who()); }});
  }
  SUBCASE("memory") {
    auto disk = make_memory_group_log_disk();
    check(opener{[disk] { return make_memory_group_log_store(0, disk); }});
  }
}

} // namespace

TEST_CASE("group log store: several groups in one bundle survive reopen") {
  on_both([](const opener& open) {
    {
      auto s = open();
      CHECK(s->groups().empty());
      CHECK(s->load(3).entries.empty());
      auto a = rd_of(ents(1, 1, 3), raft::hard_state{1, 1, 2});
      auto b = rd_of(ents(2, 1, 1), raft::hard_state{2, 0, 0});
      auto c = rd_of({}, raft::hard_state{5, 2, 0}); // a vote, no entries
      s->save({{3, &a}, {7, &b}, {0, &c}});
      CHECK(s->groups() == std::vector<uint32_t>{0, 3, 7});
    }
    auto s = open();
    CHECK(s->groups() == std::vector<uint32_t>{0, 3, 7});
    auto r3 = s->load(3);
    CHECK(r3.hard == raft::hard_state{1, 1, 2});
    CHECK(r3.entries == ents(1, 1, 3));
    CHECK(s->load(7).entries == ents(2, 1, 1));
    CHECK(s->load(0).hard == raft::hard_state{5, 2, 0});
    CHECK(s->load(0).entries.empty());
    CHECK(s->entry_count(3) == 3);
    CHECK(s->entry_count(0) == 0);
    CHECK(s->load(4).hard == raft::hard_state{}); // never stored
  });
}

TEST_CASE("group log store: a later ready overwrites a group's suffix") {
  on_both([](const opener& open) {
    {
      auto s = open();
      auto a = rd_of(ents(1, 1, 5), raft::hard_state{1, 1, 1});
      auto other = rd_of(ents(1, 1, 4));
      s->save({{1, &a}, {2, &other}});
      // A new leader's conflicting entries replace those from index 3 on.
      auto b = rd_of(ents(2, 3, 4), raft::hard_state{2, 2, 1});
      s->save({{1, &b}});
      // The same group twice in one bundle is applied in order.
      auto c1 = rd_of(ents(3, 5, 6));
      auto c2 = rd_of(ents(3, 6, 6));
      s->save({{2, &c1}, {2, &c2}});
    }
    auto s = open();
    auto r1 = s->load(1);
    CHECK(indexes(r1) == std::vector<uint64_t>{1, 2, 3, 4});
    CHECK(r1.entries[1] == ent(1, 2, "t1i2"));
    CHECK(r1.entries[2] == ent(2, 3, "t2i3"));
    CHECK(r1.hard == raft::hard_state{2, 2, 1});
    CHECK(indexes(s->load(2)) == std::vector<uint64_t>{1, 2, 3, 4, 5, 6});
    CHECK(s->load(2).entries.back() == ent(3, 6, "t3i6"));
  });
}

TEST_CASE("group log store: a commit-only change rides along with the next "
          "transaction") {
  on_both([](const opener& open) {
    {
      auto s = open();
      auto a = rd_of(ents(2, 1, 3), raft::hard_state{2, 1, 0});
      auto b = rd_of(ents(2, 1, 1), raft::hard_state{2, 1, 0});
      s->save({{1, &a}, {2, &b}});
      auto c = commit_only(raft::hard_state{2, 1, 3});
      s->save({{1, &c}}); // not written: lost by a restart
      CHECK(s->load(1).hard.commit == 3);
    }
    {
      auto s = open();
      CHECK(s->load(1).hard == raft::hard_state{2, 1, 0});
      auto c = commit_only(raft::hard_state{2, 1, 2});
      s->save({{1, &c}});
      // Another group's write carries group 1's commit index with it.
      auto more = rd_of(ents(2, 2, 2));
      s->save({{2, &more}});
      // A commit-only change in a bundle that writes is written with it.
      auto c2 = commit_only(raft::hard_state{2, 1, 2});
      auto more2 = rd_of(ents(2, 4, 4));
      s->save({{2, &c2}, {1, &more2}});
    }
    auto s = open();
    CHECK(s->load(1).hard == raft::hard_state{2, 1, 2});
    CHECK(s->load(2).hard == raft::hard_state{2, 1, 2});
    // A change of term or vote is never deferred.
    {
      auto t = commit_only(raft::hard_state{3, 0, 2});
      s->save({{1, &t}});
    }
    CHECK(open()->load(1).hard == raft::hard_state{3, 0, 2});
  });
}

TEST_CASE("group log store: compaction and a snapshot from the leader") {
  on_both([](const opener& open) {
    {
      auto s = open();
      auto a = rd_of(ents(1, 1, 5), raft::hard_state{1, 1, 5});
      auto b = rd_of(ents(1, 1, 2));
      s->save({{1, &a}, {2, &b}});
      s->compact(1, raft::snapshot_meta{3, 1, {1, 2, 3}}, "small");
      CHECK(s->entry_count(1) == 2);
      s->compact(1, raft::snapshot_meta{2, 1, {1}}); // older: no change
      // A snapshot point past the log leaves it empty; the log goes on
      // after it.
      s->compact(2, raft::snapshot_meta{4, 1, {1, 2}});
      CHECK(s->entry_count(2) == 0);
      auto c = rd_of(ents(1, 5, 6));
      s->save({{2, &c}});
    }
    auto s = open();
    auto r1 = s->load(1);
    CHECK(r1.snap.meta == raft::snapshot_meta{3, 1, {1, 2, 3}});
    CHECK(r1.snap.data == "small");
    CHECK(indexes(r1) == std::vector<uint64_t>{4, 5});
    CHECK(s->load(2).snap.meta.index == 4);
    CHECK(indexes(s->load(2)) == std::vector<uint64_t>{5, 6});
    // A snapshot from the leader replaces the group's whole log; entries in
    // the same ready follow it.
    raft::ready r;
    r.snap = raft::snapshot{raft::snapshot_meta{9, 2, {1, 2, 3}}, "blob"};
    r.entries = ents(2, 10, 11);
    r.hard = raft::hard_state{2, 0, 9};
    s->save({{1, &r}});
    auto again = open()->load(1);
    CHECK(again.snap.meta.index == 9);
    CHECK(again.snap.data == "blob");
    CHECK(indexes(again) == std::vector<uint64_t>{10, 11});
    CHECK(again.hard == raft::hard_state{2, 0, 9});
    CHECK(s->entry_count(1) == 2);
  });
}

TEST_CASE("group log store: a dropped group is forgotten, others kept") {
  on_both([](const opener& open) {
    {
      auto s = open();
      auto a = rd_of(ents(1, 1, 3), raft::hard_state{1, 1, 1});
      s->save({{1, &a}, {2, &a}, {3, &a}});
      s->compact(2, raft::snapshot_meta{1, 1, {1}});
      s->drop(2);
      s->drop(9); // unknown: nothing to do
      CHECK(s->groups() == std::vector<uint32_t>{1, 3});
      CHECK(s->entry_count(2) == 0);
    }
    auto s = open();
    CHECK(s->groups() == std::vector<uint32_t>{1, 3});
    auto r2 = s->load(2);
    CHECK(r2.hard == raft::hard_state{});
    CHECK(r2.snap.meta.index == 0);
    CHECK(r2.entries.empty());
    CHECK(s->load(3).entries == ents(1, 1, 3));
    // The group may come back (a replica added again), from scratch.
    auto b = rd_of(ents(4, 1, 1), raft::hard_state{4, 0, 0});
    s->save({{2, &b}});
    CHECK(open()->load(2).entries == ents(4, 1, 1));
  });
}

TEST_CASE("group log store: a bundle with a ready that does not fit its log "
          "writes nothing") {
  on_both([](const opener& open) {
    auto s = open();
    auto a = rd_of(ents(1, 1, 3), raft::hard_state{1, 1, 0});
    s->save({{1, &a}, {2, &a}});
    auto fine = rd_of(ents(1, 4, 4), raft::hard_state{1, 1, 4});
    auto gapped = rd_of(ents(1, 5, 5));
    CHECK_THROWS_WITH_AS(
        s->save({{1, &fine}, {2, &gapped}}),
        doctest::Contains("raft group 2: entries from index 5"),
        sql::storage_error);
    raft::ready holes;
    holes.entries = {ent(1, 4), ent(1, 6)};
    CHECK_THROWS_WITH_AS(s->save({{1, &holes}}),
                         doctest::Contains("not contiguous"),
                         sql::storage_error);
    s->compact(1, raft::snapshot_meta{2, 1, {1}});
    auto before_snap = rd_of(ents(1, 2, 2));
    CHECK_THROWS_AS(s->save({{1, &before_snap}}), sql::storage_error);
    auto reopened = open();
    for (auto* st : {s.get(), reopened.get()}) {
      CHECK(indexes(st->load(1)) == std::vector<uint64_t>{3});
      CHECK(st->load(1).hard == raft::hard_state{1, 1, 0});
      CHECK(st->load(2).entries == ents(1, 1, 3));
    }
    s->save({{1, &fine}}); // still usable
    CHECK(indexes(open()->load(1)) == std::vector<uint64_t>{3, 4});
  });
}

TEST_CASE("group log store: the memory store's failed save keeps the "
          "previous state") {
  auto disk = make_memory_group_log_disk();
  auto s = make_memory_group_log_store(2, disk);
  auto a = rd_of(ents(1, 1, 2), raft::hard_state{1, 1, 0});
  s->save({{1, &a}});
  auto b = rd_of(ents(2, 2, 3), raft::hard_state{2, 2, 1});
  CHECK_THROWS_WITH_AS(s->save({{1, &b}, {2, &b}}),
                       doctest::Contains("simulated"), sql::storage_error);
  auto reopened = make_memory_group_log_store(0, disk);
  for (auto* st : {s.get(), reopened.get()}) {
    CHECK(st->groups() == std::vector<uint32_t>{1});
    CHECK(st->load(1).entries == ents(1, 1, 2));
    CHECK(st->load(1).hard == raft::hard_state{1, 1, 0});
  }
}
