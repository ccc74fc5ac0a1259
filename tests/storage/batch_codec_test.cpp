// A shard's commit batch as a command of its Raft group: every replica that
// writes the decoded batch ends with the state the leader wrote.
#include <algorithm>

#include <doctest/doctest.h>

#include "model/namespace/name.hpp"
#include "storage/batch_codec.hpp"
#include "storage/shard_store.hpp"
#include "storage/sqlite.hpp"
#include "tests/storage/store_history.hpp"
#include "tests/temp_dir.hpp"

using namespace ds;
using ds::test::temp_dir;
using namespace ds::test;

TEST_CASE("a replica writing decoded batches ends where the leader did") {
  ns_shard_config cfg;
  cfg.dag.list_capacity = 16; // many splits
  ns_shard s{2, cfg};
  auto leader = make_memory_shard_store();
  auto replica = make_memory_shard_store();
  for (auto& b : history(s)) {
    leader->commit(b);
    auto bytes = encode_commit_batch(b);
    replica->commit(decode_commit_batch(bytes));
    // Final states: the same batch again changes nothing.
    replica->commit(decode_commit_batch(bytes));
  }
  same_load(leader->load(), replica->load());
  auto l = replica->load();
  ns_shard back{2, cfg};
  REQUIRE(back.restore(l.nodes, l.entries, l.dead, l.next_seq, l.next_row,
                       l.parts) == "");
  CHECK(back.check() == "");
  CHECK(back.stats().entries == s.stats().entries);
}

TEST_CASE("bytes that are not a commit batch are refused") {
  ns_shard s{2, {}};
  run(s, ns_op::create, root_ino, "x");
  auto good = encode_commit_batch(s.take_changes());
  CHECK_NOTHROW(decode_commit_batch(good));
  for (size_t cut = 0; cut < good.size(); ++cut)
    CHECK_THROWS_AS(decode_commit_batch(good.substr(0, cut)),
                    sql::storage_error);
  CHECK_THROWS_AS(decode_commit_batch("junk"), sql::storage_error);
  auto tamper = [&](auto&& change) {
    commit_batch b = decode_commit_batch(good);
    change(b);
    return encode_commit_batch(b);
  };
  // A name that is no name, a hash that is not the name's, an unknown kind.
  CHECK_THROWS_AS(decode_commit_batch(tamper([](commit_batch& b) {
                    b.put_entries.at(0).e.name = "a/b";
                    b.put_entries.at(0).e.hash = name_hash("a/b");
                  })),
                  sql::storage_error);
  CHECK_THROWS_AS(decode_commit_batch(tamper([](commit_batch& b) {
                    b.put_entries.at(0).e.hash ^= 1;
                  })),
                  sql::storage_error);
  CHECK_THROWS_AS(decode_commit_batch(tamper([](commit_batch& b) {
                    b.put_entries.at(0).e.a.kind = static_cast<entry_kind>(7);
                  })),
                  sql::storage_error);
  // Another version.
  std::string v2 = good;
  REQUIRE(static_cast<unsigned char>(v2[1]) == 1);
  v2[1] = 2;
  CHECK_THROWS_AS(decode_commit_batch(v2), sql::storage_error);
}

TEST_CASE("a replica's store keeps the group index it applied with the "
          "batches") {
  temp_dir dir;
  auto path = dir.file("shard-2.db");
  ns_shard_config cfg;
  cfg.dag.list_capacity = 16;
  ns_shard s{2, cfg};
  auto batches = history(s);
  auto direct = make_memory_shard_store();
  for (auto& b : batches)
    direct->commit(b);
  {
    auto st = open_sqlite_shard_store(path, {2, 4});
    CHECK(st->applied() == 0);
    // Entries 1 (a leader's no-op, no batch) to 3 in one transaction, then
    // the rest.
    st->apply_group({batches[0], batches[1]}, 3);
    CHECK(st->applied() == 3);
    st->apply_group({batches[2], batches[3]}, 5);
  }
  auto st = open_sqlite_shard_store(path, {2, 4});
  CHECK(st->applied() == 5);
  auto l = st->load();
  CHECK(l.applied == 5);
  same_load(direct->load(), l);
  // The memory store does the same.
  auto mem = make_memory_shard_store();
  mem->apply_group(batches, 9);
  CHECK(mem->applied() == 9);
  same_load(direct->load(), mem->load());
}

TEST_CASE("a store cut into chunks and installed elsewhere replaces its "
          "state whole") {
  ns_shard_config cfg;
  cfg.dag.list_capacity = 16;
  ns_shard s{2, cfg};
  auto leader = make_memory_shard_store();
  for (auto& b : history(s))
    leader->commit(b);
  commit_batch whole = whole_batch(leader->load());
  auto chunks = split_commit_batch(whole, 2048);
  CHECK(chunks.size() > 3);
  // Each chunk stays near the bound (a record larger than it would not).
  for (auto& c : chunks)
    CHECK(c.size() < 2048 + 512);
  // The replica held something else: it is gone after the install.
  temp_dir dir;
  auto replica = open_sqlite_shard_store(dir.path + "/r.db", {2, 4});
  ns_shard other{2, cfg};
  run(other, ns_op::create, root_ino, "only-here");
  replica->apply_group({other.take_changes()}, 3);
  commit_batch back;
  for (auto& c : chunks)
    append_commit_batch(back, decode_commit_batch(c));
  replica->install(back, 42);
  CHECK(replica->applied() == 42);
  same_load(sorted(leader->load()), sorted(replica->load()));
  for (auto& e : replica->load().entries)
    CHECK(e.e.name != "only-here");
  // The memory store does the same.
  auto mem = make_memory_shard_store();
  mem->install(back, 42);
  same_load(sorted(leader->load()), sorted(mem->load()));
  // An empty store is one chunk that installs an empty state.
  auto none = split_commit_batch(commit_batch{}, 2048);
  REQUIRE(none.size() == 1);
  replica->install(decode_commit_batch(none[0]), 43);
  CHECK(replica->load().entries.empty());
  CHECK(replica->applied() == 43);
}
