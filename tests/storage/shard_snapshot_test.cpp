// Snapshots of a shard store in chunks: the SQLite store reads one chunk at
// a time from a view fixed when the snapshot began (its writer goes on
// meanwhile), and stages the chunks it receives in a file beside its own
// until the last replaces its state in one transaction.
#include <doctest/doctest.h>

#include <sys/stat.h>

#include "model/namespace/name.hpp"
#include "storage/batch_codec.hpp"
#include "storage/shard_store.hpp"
#include "tests/storage/store_history.hpp"
#include "tests/temp_dir.hpp"

using namespace ds;
using namespace ds::test;

namespace {

bool exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

/// Reads `r` to its end in chunks of about `bytes`; each chunk goes through
/// the codec as it would travel. Returns the chunks.
std::vector<commit_batch> read_all(snapshot_reader& r, std::size_t bytes) {
  std::vector<commit_batch> out;
  commit_batch c;
  while (r.next(bytes, c)) {
    auto wire = encode_commit_batch(c);
    CHECK(wire.size() < bytes + 1024); // a chunk stays near its bound
    out.push_back(decode_commit_batch(wire));
  }
  CHECK(c.put_entries.empty());
  return out;
}

/// A SQLite store with the history's state, plus many more entries and
/// some request records, at group index `at`.
std::unique_ptr<shard_store> filled(const std::string& path, ns_shard& s,
                                    uint64_t at) {
  auto st = open_sqlite_shard_store(path, {2, 4});
  std::vector<commit_batch> bs = history(s);
  for (int i = 0; i < 3000; ++i) {
    auto r = make_request(ns_op::create, root_ino, "many" + std::to_string(i));
    r.rid = 1000 + static_cast<uint64_t>(i);
    bool wait = false;
    s.apply(r, 1000, wait);
  }
  bs.push_back(s.take_changes());
  REQUIRE_FALSE(bs.back().put_requests.empty());
  st->apply_group(bs, at);
  return st;
}

} // namespace

TEST_CASE("a SQLite store read in chunks from a fixed view and staged "
          "elsewhere ends with the leader's state") {
  temp_dir dir;
  ns_shard_config cfg;
  cfg.dag.list_capacity = 16;
  ns_shard s{2, cfg};
  auto leader = filled(dir.file("leader.db"), s, 7);
  auto want = sorted(leader->load());
  REQUIRE(want.requests.size() == 3000);
  auto view = leader->read_snapshot();
  CHECK(view->applied() == 7);
  // The first chunk is read, then the leader goes on writing: the view
  // does not move.
  commit_batch first;
  REQUIRE(view->next(4096, first));
  CHECK(first.next_seq == want.next_seq);
  CHECK(first.next_row == want.next_row);
  for (int i = 0; i < 50; ++i)
    run(s, ns_op::create, root_ino, "later" + std::to_string(i));
  run(s, ns_op::unlink, root_ino, "many7");
  leader->apply_group({s.take_changes()}, 8);
  auto rest = read_all(*view, 4096);
  CHECK(rest.size() > 20); // a few hundred kB in chunks of 4 kB
  // Staged by a replica that held something else.
  auto replica = open_sqlite_shard_store(dir.file("replica.db"), {2, 4});
  ns_shard other{2, cfg};
  run(other, ns_op::create, root_ino, "only-here");
  replica->apply_group({other.take_changes()}, 3);
  replica->begin_staging();
  CHECK(exists(dir.file("replica.db.snapshot")));
  replica->stage(first);
  for (auto& c : rest)
    replica->stage(c);
  CHECK(replica->applied() == 3); // staging changes nothing yet
  CHECK(replica->load().entries.size() == 1);
  replica->install_staged(view->applied());
  CHECK_FALSE(exists(dir.file("replica.db.snapshot")));
  CHECK(replica->applied() == 7);
  auto got = sorted(replica->load());
  same_load(want, got);
  CHECK(got.requests.size() == want.requests.size());
  CHECK(got.parts.size() == want.parts.size());
  // Reopened, it holds the same.
  replica.reset();
  replica = open_sqlite_shard_store(dir.file("replica.db"), {2, 4});
  same_load(want, sorted(replica->load()));
  // The leader's own state moved on meanwhile.
  CHECK(leader->applied() == 8);
  CHECK(leader->load().entries.size() == want.entries.size() + 49);
}

TEST_CASE("a snapshot staged in part and never installed changes nothing") {
  temp_dir dir;
  ns_shard s{2, ns_shard_config{}};
  auto leader = filled(dir.file("leader.db"), s, 5);
  auto view = leader->read_snapshot();
  auto chunks = read_all(*view, 2048);
  REQUIRE(chunks.size() > 4);
  auto replica = open_sqlite_shard_store(dir.file("replica.db"), {2, 4});
  ns_shard other{2, ns_shard_config{}};
  run(other, ns_op::create, root_ino, "kept");
  replica->apply_group({other.take_changes()}, 2);
  auto before = sorted(replica->load());
  // Half the chunks, then the node stops: the next start drops them.
  replica->begin_staging();
  for (size_t i = 0; i < chunks.size() / 2; ++i)
    replica->stage(chunks[i]);
  replica.reset();
  CHECK(exists(dir.file("replica.db.snapshot")));
  replica = open_sqlite_shard_store(dir.file("replica.db"), {2, 4});
  CHECK_FALSE(exists(dir.file("replica.db.snapshot")));
  same_load(before, sorted(replica->load()));
  CHECK(replica->applied() == 2);
  // Dropped on the way (the transfer went stale): the same.
  replica->begin_staging();
  replica->stage(chunks[0]);
  replica->drop_staged();
  same_load(before, sorted(replica->load()));
  CHECK_THROWS_AS(replica->install_staged(9), sql::storage_error);
  CHECK_THROWS_AS(replica->stage(chunks[1]), sql::storage_error);
  // A whole transfer after all that installs.
  replica->begin_staging();
  for (auto& c : chunks)
    replica->stage(c);
  replica->install_staged(5);
  same_load(sorted(leader->load()), sorted(replica->load()));
}

TEST_CASE("an empty store's snapshot is one chunk, and the memory store "
          "reads and stages the same way") {
  temp_dir dir;
  auto empty = open_sqlite_shard_store(dir.file("empty.db"), {2, 4});
  auto view = empty->read_snapshot();
  auto chunks = read_all(*view, 4096);
  REQUIRE(chunks.size() == 1);
  CHECK(chunks[0].next_seq == 1);
  ns_shard s{2, ns_shard_config{}};
  auto leader = make_memory_shard_store();
  for (auto& b : history(s))
    leader->commit(b);
  auto mem = make_memory_shard_store();
  auto mview = leader->read_snapshot();
  mem->begin_staging();
  for (auto& c : read_all(*mview, 1024))
    mem->stage(c);
  mem->install_staged(4);
  CHECK(mem->applied() == 4);
  same_load(sorted(leader->load()), sorted(mem->load()));
  // And the empty snapshot empties it.
  mem->begin_staging();
  mem->stage(chunks[0]);
  mem->install_staged(5);
  CHECK(mem->load().entries.empty());
}
