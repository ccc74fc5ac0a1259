// Request ids (ns_request::rid): a write sent again after its answer was
// lost (a failover) is answered what it was answered the first time,
// whichever replica of the shard's group leads when it comes back, and the
// records are bounded by age and count.
#include <doctest/doctest.h>

#include <msgpack.hpp>

#include "model/namespace/name.hpp"
#include "storage/batch_codec.hpp"
#include "storage/shard_store.hpp"
#include "storage/sqlite.hpp"
#include "tests/temp_dir.hpp"

using namespace ds;
using ds::test::temp_dir;

namespace {

constexpr int64_t sec = 1'000'000'000;

ns_request with_id(ns_op op, inode_id dir, const std::string& name,
                   uint64_t rid) {
  auto r = make_request(op, dir, name);
  r.rid = rid;
  return r;
}

ns_reply run(ns_shard& s, const ns_request& r, int64_t now = sec) {
  bool wait = false;
  return s.apply(r, now, wait);
}

// A core restored from what `st` holds.
ns_shard reload(shard_store& st, ns_shard_config cfg = {}) {
  auto l = st.load();
  ns_shard s{0, cfg};
  REQUIRE(s.restore(l.nodes, l.entries, l.dead, l.next_seq, l.next_row, l.parts,
                    l.requests) == "");
  return s;
}

} // namespace

TEST_CASE("a write sent again with its id is answered as the first time") {
  ns_shard s{0, {}};
  auto c = run(s, with_id(ns_op::create, root_ino, "a", 7));
  REQUIRE(c.code == errc::ok);
  // The same create again: its own entry, not EEXIST.
  auto again = run(s, with_id(ns_op::create, root_ino, "a", 7));
  CHECK(again.code == errc::ok);
  CHECK(again.a == c.a);
  CHECK(s.stats().replayed == 1);
  // Another request for the name (another id, or none) is applied.
  CHECK(run(s, with_id(ns_op::create, root_ino, "a", 8)).code == errc::eexist);
  CHECK(run(s, make_request(ns_op::create, root_ino, "a")).code ==
        errc::eexist);
  // The id names one request: with another name it is a new request.
  CHECK(run(s, with_id(ns_op::create, root_ino, "b", 7)).code == errc::ok);
  CHECK(run(s, with_id(ns_op::create, root_ino, "a", 7)).code == errc::eexist);
  // An unlink sent again: ok, not ENOENT; a mkdir likewise.
  auto u = run(s, with_id(ns_op::unlink, root_ino, "b", 9));
  REQUIRE(u.code == errc::ok);
  CHECK(run(s, with_id(ns_op::unlink, root_ino, "b", 9)).code == errc::ok);
  CHECK(run(s, with_id(ns_op::unlink, root_ino, "b", 10)).code == errc::enoent);
  auto d = run(s, with_id(ns_op::mkdir, root_ino, "d", 11));
  REQUIRE(d.code == errc::ok);
  CHECK(run(s, with_id(ns_op::mkdir, root_ino, "d", 11)).a == d.a);
  // A failed write is recorded too: sent again it is answered the same.
  CHECK(run(s, with_id(ns_op::unlink, root_ino, "none", 12)).code ==
        errc::enoent);
  CHECK(run(s, with_id(ns_op::unlink, root_ino, "none", 12)).code ==
        errc::enoent);
  CHECK(s.stats().replayed == 4);
  // A malformed name is not: it answers the same every time anyway.
  CHECK(run(s, with_id(ns_op::create, root_ino, "x/y", 13)).code ==
        errc::einval);
  CHECK(s.stats().replayed == 4);
  CHECK(s.check() == "");
}

TEST_CASE("a late try of a request answered as failed does not take effect") {
  ns_shard s{0, {}};
  // An unlink answered ENOENT; then another client creates the name; then
  // a late try of the unlink comes (the try that was still waiting at a
  // replica when the router sent it again): still ENOENT, nothing removed.
  CHECK(run(s, with_id(ns_op::unlink, root_ino, "x", 12)).code == errc::enoent);
  REQUIRE(run(s, with_id(ns_op::create, root_ino, "x", 13)).code == errc::ok);
  CHECK(run(s, with_id(ns_op::unlink, root_ino, "x", 12)).code == errc::enoent);
  CHECK(run(s, make_request(ns_op::lookup, root_ino, "x")).code == errc::ok);
  // A create answered EEXIST; the name is removed; its late try: EEXIST.
  CHECK(run(s, with_id(ns_op::create, root_ino, "x", 14)).code == errc::eexist);
  REQUIRE(run(s, with_id(ns_op::unlink, root_ino, "x", 15)).code == errc::ok);
  CHECK(run(s, with_id(ns_op::create, root_ino, "x", 14)).code == errc::eexist);
  CHECK(run(s, make_request(ns_op::lookup, root_ino, "x")).code ==
        errc::enoent);
  CHECK(s.stats().replayed == 2);
  CHECK(s.check() == "");
}

TEST_CASE("a failed answer waits until its record is durable") {
  ns_shard s{0, {}};
  bool wait = false;
  s.apply(with_id(ns_op::unlink, root_ino, "x", 12), sec, wait);
  CHECK(wait); // the next leader must know it was answered
  auto b = s.take_changes();
  REQUIRE(b.put_requests.size() == 1);
  CHECK(b.put_requests[0].code == errc::enoent);
  CHECK(b.put_entries.empty());
  s.apply(with_id(ns_op::unlink, root_ino, "x", 12), sec, wait);
  CHECK(wait);
  s.committed();
  s.apply(with_id(ns_op::unlink, root_ino, "x", 12), sec, wait);
  CHECK_FALSE(wait);
  // Without an id a failure records nothing and waits for nothing.
  s.apply(make_request(ns_op::unlink, root_ino, "y"), sec, wait);
  CHECK_FALSE(wait);
  CHECK(s.take_changes().put_requests.empty());
}

TEST_CASE("a replayed answer waits until the first one is durable") {
  ns_shard s{0, {}};
  bool wait = false;
  s.apply(with_id(ns_op::create, root_ino, "a", 7), sec, wait);
  CHECK(wait);
  s.take_changes();
  s.apply(with_id(ns_op::create, root_ino, "a", 7), sec, wait);
  CHECK(wait); // the batch holding the create is not yet durable
  s.committed();
  s.apply(with_id(ns_op::create, root_ino, "a", 7), sec, wait);
  CHECK_FALSE(wait);
}

TEST_CASE("the records travel with the batch to every replica's store and "
          "to the core of the next leader") {
  temp_dir dir;
  ns_shard leader{0, {}};
  auto st = open_sqlite_shard_store(dir.file("shard-0.db"), {0, 1});
  auto mem = make_memory_shard_store();
  auto c = run(leader, with_id(ns_op::create, root_ino, "a", 7));
  run(leader, with_id(ns_op::create, root_ino, "b", 8));
  run(leader, with_id(ns_op::unlink, root_ino, "none", 9));
  auto b = leader.take_changes();
  CHECK(b.put_requests.size() == 3);
  auto bytes = encode_commit_batch(b);
  st->apply_group({decode_commit_batch(bytes)}, 1);
  mem->apply_group({decode_commit_batch(bytes)}, 1);
  for (shard_store* x : {static_cast<shard_store*>(st.get()), mem.get()}) {
    auto next = reload(*x);
    CHECK(next.requests() == 3);
    auto again = run(next, with_id(ns_op::create, root_ino, "a", 7));
    CHECK(again.code == errc::ok);
    CHECK(again.a == c.a);
    run(next, with_id(ns_op::create, root_ino, "none", 10));
    CHECK(run(next, with_id(ns_op::unlink, root_ino, "none", 9)).code ==
          errc::enoent);
  }
  // A batch without records keeps the first encoding (version 1).
  run(leader, make_request(ns_op::create, root_ino, "c"));
  auto plain = leader.take_changes();
  CHECK(plain.put_requests.empty());
  auto plain_bytes = encode_commit_batch(plain);
  CHECK(static_cast<unsigned char>(plain_bytes[1]) == 1);
  CHECK(decode_commit_batch(plain_bytes).put_entries.size() == 1);
  // A snapshot of the store carries the records.
  auto whole = whole_batch(st->load());
  commit_batch back;
  for (auto& chunk : split_commit_batch(whole, 1024))
    append_commit_batch(back, decode_commit_batch(chunk));
  auto other = make_memory_shard_store();
  other->install(back, 1);
  auto recs = other->load().requests;
  REQUIRE(recs.size() == 3);
  CHECK(recs[2].code == errc::enoent);
}

namespace {

bool same(const request_record& x, const request_record& y) {
  return x.seq == y.seq && x.rid == y.rid && x.dir == y.dir &&
         x.hash == y.hash && x.at == y.at && x.a == y.a && x.code == y.code;
}

void check_round_trip(const commit_batch& b) {
  auto back = decode_commit_batch(encode_commit_batch(b));
  REQUIRE(back.put_requests.size() == b.put_requests.size());
  for (size_t i = 0; i < b.put_requests.size(); ++i)
    CHECK(same(back.put_requests[i], b.put_requests[i]));
  CHECK(back.requests_from == b.requests_from);
  CHECK(back.put_entries.size() == b.put_entries.size());
}

} // namespace

TEST_CASE("a create's record costs a few bytes in the batch") {
  ns_shard with{0, {}}, without{0, {}};
  for (int i = 0; i < 200; ++i) {
    auto n = "file-" + std::to_string(i);
    run(with, with_id(ns_op::create, root_ino, n, 1000 + i), sec + i);
    run(without, make_request(ns_op::create, root_ino, n), sec + i);
  }
  auto b = with.take_changes();
  auto plain = without.take_changes();
  auto bytes = encode_commit_batch(b);
  CHECK(static_cast<unsigned char>(bytes[1]) == 3);
  // Each record is its id and the index of the entry it made.
  auto extra = bytes.size() - encode_commit_batch(plain).size();
  CHECK(extra <= 200 * 14 + 16);
  check_round_trip(b);
  // Failures, unlinks, a name made and removed in one batch, a mkdir: the
  // records that point at no entry of the batch are written whole.
  run(with, with_id(ns_op::create, root_ino, "file-1", 1), 2 * sec);
  run(with, with_id(ns_op::unlink, root_ino, "file-2", 2), 2 * sec);
  run(with, with_id(ns_op::create, root_ino, "brief", 3), 2 * sec);
  run(with, with_id(ns_op::unlink, root_ino, "brief", 4), 2 * sec);
  run(with, with_id(ns_op::mkdir, root_ino, "d", 5), 2 * sec);
  run(with, with_id(ns_op::unlink, root_ino, "none", 6), 2 * sec);
  auto mixed = with.take_changes();
  REQUIRE(mixed.put_requests.size() == 6);
  CHECK(static_cast<unsigned char>(encode_commit_batch(mixed)[1]) == 3);
  check_round_trip(mixed);
  CHECK(
      decode_commit_batch(encode_commit_batch(mixed)).put_requests[4].a.kind ==
      entry_kind::dir);
  // Records whose numbers do not follow each other (a snapshot's, after
  // some were dropped) keep version 2.
  auto gaps = mixed;
  gaps.put_requests.erase(gaps.put_requests.begin() + 2);
  CHECK(static_cast<unsigned char>(encode_commit_batch(gaps)[1]) == 2);
  check_round_trip(gaps);
  // A record that points past the batch's entries is refused.
  msgpack::sbuffer buf;
  msgpack::packer<msgpack::sbuffer> pk{buf};
  pk.pack_array(11);
  pk.pack(3);
  for (int i = 0; i < 6; ++i)
    pk.pack_array(0); // entries, removed rows, nodes, ..., parts
  pk.pack(1);
  pk.pack(1);
  pk.pack_array(2);
  pk.pack(5);
  pk.pack_array(1);
  pk.pack_array(2);
  pk.pack(7);
  pk.pack(0); // entry 0 of none
  pk.pack(0);
  CHECK_THROWS_AS(decode_commit_batch(std::string(buf.data(), buf.size())),
                  sql::storage_error);
}

TEST_CASE("records are dropped by age and by count, at every replica") {
  ns_shard_config cfg;
  cfg.request_memory_ns = 10 * sec;
  cfg.max_requests = 3;
  ns_shard s{0, cfg};
  auto st = make_memory_shard_store();
  for (int i = 1; i <= 5; ++i)
    run(s, with_id(ns_op::create, root_ino, "f" + std::to_string(i), i),
        sec * i);
  CHECK(s.requests() == 3); // 3, 4, 5
  st->commit(s.take_changes());
  CHECK(st->load().requests.size() == 3);
  // Sent again, the first is applied as a new request (its record went).
  CHECK(run(s, with_id(ns_op::create, root_ino, "f1", 1), 6 * sec).code ==
        errc::eexist);
  CHECK(run(s, with_id(ns_op::create, root_ino, "f5", 5), 6 * sec).code ==
        errc::ok);
  // Twenty seconds later one new write drops all the older records.
  run(s, with_id(ns_op::create, root_ino, "g", 100), 25 * sec);
  CHECK(s.requests() == 1);
  st->commit(s.take_changes());
  auto l = st->load();
  REQUIRE(l.requests.size() == 1);
  CHECK(l.requests[0].rid == 100);
  auto next = reload(*st, cfg);
  CHECK(next.requests() == 1);
  CHECK(run(next, with_id(ns_op::create, root_ino, "f5", 5), 26 * sec).code ==
        errc::eexist);
}

TEST_CASE("a version 2 shard file gains the requests table") {
  temp_dir dir;
  auto path = dir.file("shard-0.db");
  {
    auto st = open_sqlite_shard_store(path, {0, 1});
    ns_shard s{0, {}};
    run(s, make_request(ns_op::create, root_ino, "a"));
    st->commit(s.take_changes());
  }
  {
    sql::db db{path, false}; // as version 2 wrote it
    db.exec("DROP TABLE requests");
    db.exec("UPDATE meta SET value = 2 WHERE key = 'schema'");
  }
  auto st = open_sqlite_shard_store(path, {0, 1});
  auto s = reload(*st);
  run(s, with_id(ns_op::create, root_ino, "b", 5));
  st->commit(s.take_changes());
  CHECK(st->load().requests.size() == 1);
  CHECK(st->load().entries.size() == 2);
}

TEST_CASE("a version 3 shard file's records (a row each) become a blob") {
  temp_dir dir;
  auto path = dir.file("shard-0.db");
  request_record rec;
  attrs made;
  {
    auto st = open_sqlite_shard_store(path, {0, 1});
    ns_shard s{0, {}};
    made = run(s, with_id(ns_op::create, root_ino, "a", 5)).a;
    st->commit(s.take_changes());
    auto l = st->load();
    REQUIRE(l.requests.size() == 1);
    rec = l.requests[0];
  }
  {
    sql::db db{path, false}; // as version 3 wrote it: a row per record
    db.exec("DROP TABLE requests");
    db.exec("CREATE TABLE requests(seq INTEGER PRIMARY KEY, rid INTEGER,"
            " dir INTEGER, hash INTEGER, at INTEGER, ino INTEGER, kind INTEGER,"
            " mode INTEGER, size INTEGER, mtime INTEGER, version INTEGER)");
    db.prepare("INSERT INTO requests VALUES (?,?,?,?,?,?,?,?,?,?,?)")
        .bind(1, static_cast<int64_t>(rec.seq))
        .bind(2, static_cast<int64_t>(rec.rid))
        .bind(3, static_cast<int64_t>(rec.dir))
        .bind(4, static_cast<int64_t>(rec.hash ^ (uint64_t{1} << 63)))
        .bind(5, rec.at)
        .bind(6, static_cast<int64_t>(rec.a.ino))
        .bind(7, static_cast<int64_t>(rec.a.kind))
        .bind(8, static_cast<int64_t>(rec.a.mode))
        .bind(9, static_cast<int64_t>(rec.a.size))
        .bind(10, rec.a.mtime)
        .bind(11, static_cast<int64_t>(rec.a.version))
        .run();
    db.exec("UPDATE meta SET value = 3 WHERE key = 'schema'");
  }
  auto st = open_sqlite_shard_store(path, {0, 1});
  auto s = reload(*st);
  auto again = run(s, with_id(ns_op::create, root_ino, "a", 5));
  CHECK(again.code == errc::ok);
  CHECK(again.a == made);
  CHECK(s.stats().replayed == 1);
  run(s, with_id(ns_op::unlink, root_ino, "none", 6));
  st->commit(s.take_changes());
  auto l = st->load();
  REQUIRE(l.requests.size() == 2);
  CHECK(l.requests[0].code == errc::ok);
  CHECK(l.requests[1].code == errc::enoent);
}

TEST_CASE("the store drops records below the batches' trim point, also "
          "inside a batch's blob") {
  temp_dir dir;
  auto st = open_sqlite_shard_store(dir.file("shard-0.db"), {0, 1});
  ns_shard_config cfg;
  cfg.max_requests = 3;
  ns_shard s{0, cfg};
  for (int i = 1; i <= 5; ++i) // one batch, records 1..5, 3 kept
    run(s, with_id(ns_op::create, root_ino, "f" + std::to_string(i), i));
  auto b = s.take_changes();
  CHECK(b.put_requests.size() == 5);
  CHECK(b.requests_from == 3);
  st->commit(b);
  auto l = st->load();
  REQUIRE(l.requests.size() == 3);
  CHECK(l.requests[0].rid == 3);
  CHECK(reload(*st, cfg).requests() == 3);
  // A snapshot installed over it keeps no trim point of its own.
  auto whole = whole_batch(st->load());
  auto other = open_sqlite_shard_store(dir.file("shard-1.db"), {0, 1});
  other->install(whole, 7);
  CHECK(other->load().requests.size() == 3);
}

TEST_CASE("the trim drops whole record rows below its point and keeps the "
          "row it falls in") {
  temp_dir dir;
  auto path = dir.file("shard-0.db");
  auto st = open_sqlite_shard_store(path, {0, 1});
  ns_shard_config cfg;
  cfg.max_requests = 5;
  ns_shard s{0, cfg};
  // Ten batches of two records each: rows seq 1-2, 3-4, ..., 19-20.
  for (uint64_t i = 1; i <= 20; ++i) {
    run(s, with_id(ns_op::create, root_ino, "f" + std::to_string(i), i));
    if (i % 2 == 0)
      st->commit(s.take_changes());
  }
  auto rows = [&] {
    sql::db db{path, true};
    std::vector<std::pair<int64_t, int64_t>> out;
    auto q = db.prepare("SELECT seq, last FROM requests ORDER BY seq");
    while (q.step())
      out.emplace_back(q.int64(0), q.int64(1));
    return out;
  };
  // Five records kept (16-20): the rows ending below 16 are gone, the row
  // 15-16 stays whole (its record 15 is no longer loaded).
  auto left = rows();
  REQUIRE_FALSE(left.empty());
  CHECK(left.front() == std::make_pair(int64_t{15}, int64_t{16}));
  CHECK(left.back() == std::make_pair(int64_t{19}, int64_t{20}));
  CHECK(left.size() == 3);
  auto l = st->load();
  REQUIRE(l.requests.size() == 5);
  CHECK(l.requests.front().rid == 16);
}
