// The SQLite shard file. Schema (version 4; an older file gains the parts
// and requests tables when it is opened, and version 3's requests, a row
// per record, become one blob):
//   meta(key PRIMARY KEY, value)   magic, schema, shard_id, shard_count,
//                                  next_seq, next_row
//   nodes(dir, id, rec)            msgpack node records (storage/node_codec)
//   entries(row PRIMARY KEY, dir, hash, name, ino, kind, mode, size, mtime,
//           version)
//   dead(dir)                      removed directories
//   parts(dir, rec)                msgpack part records of directories
//                                  spread over shards (storage/node_codec)
//   requests(seq PRIMARY KEY, last, recs)
//                                  records of writes with a request id
//                                  (ns_shard's request_record), a batch's
//                                  in one blob (encode_request_records)
//                                  numbered seq..last; the meta key
//                                  requests_from drops those below it
// Entries are keyed by their row id, which the shard assigns in increasing
// order: a create appends to the table's last pages instead of dirtying a
// random leaf page, which made commits several times cheaper. The namespace
// is served from memory, so no index by name is needed on disk. Hashes are
// stored as hash XOR 2^63 so that SQLite's signed order is the unsigned
// hash order.

#include <algorithm>
#include <cstdio>

#include "storage/batch_codec.hpp"
#include "storage/node_codec.hpp"
#include "storage/shard_store.hpp"
#include "storage/sqlite_shard_rows.hpp"

namespace ds {

namespace {

using shard_rows::from_db;
using shard_rows::magic;
using shard_rows::read_attrs;
using shard_rows::to_db;

/// Checks an existing file without writing to it.
void verify_existing(const std::string& path, shard_identity id) {
  auto db = sql::open_owned(path, magic, "shard file", shard_schema_version);
  auto get = [&](const char* key) -> int64_t {
    auto s = db->prepare("SELECT value FROM meta WHERE key = ?");
    s.bind_text(1, key);
    if (!s.step())
      throw sql::storage_error(path + ": meta key '" + key + "' missing");
    return s.int64(0);
  };
  if (get("shard_id") != id.shard_id)
    throw sql::storage_error(path + ": belongs to shard " +
                             std::to_string(get("shard_id")) + ", not " +
                             std::to_string(id.shard_id));
  if (get("shard_count") != id.shard_count)
    throw sql::storage_error(path + ": was written by a cluster of " +
                             std::to_string(get("shard_count")) +
                             " shards, this node is configured for " +
                             std::to_string(id.shard_count) +
                             " (changing the shard count needs a migration)");
}

/// Binds `a` to parameters from..from+5 of `q`.
sql::stmt& bind_attrs(sql::stmt& q, int from, const attrs& a) {
  return q.bind(from, static_cast<int64_t>(a.ino))
      .bind(from + 1, static_cast<int64_t>(a.kind))
      .bind(from + 2, static_cast<int64_t>(a.mode))
      .bind(from + 3, static_cast<int64_t>(a.size))
      .bind(from + 4, a.mtime)
      .bind(from + 5, static_cast<int64_t>(a.version));
}

class sqlite_shard_store : public shard_store {
public:
  sqlite_shard_store(const std::string& path, shard_identity id, sync_mode sync,
                     bool fresh)
      : db_(path, false), path_(path), id_(id) {
    const char* modes[] = {"FULL", "NORMAL", "OFF"};
    sql::set_durability(db_, modes[static_cast<int>(sync)]);
    if (fresh)
      create_schema(id);
    else
      upgrade_schema();
    put_entry_ = std::make_unique<sql::stmt>(db_.prepare(
        "INSERT OR REPLACE INTO entries VALUES (?,?,?,?,?,?,?,?,?,?)"));
    del_entry_ = std::make_unique<sql::stmt>(
        db_.prepare("DELETE FROM entries WHERE row = ?"));
    put_node_ = std::make_unique<sql::stmt>(
        db_.prepare("INSERT OR REPLACE INTO nodes VALUES (?,?,?)"));
    del_node_ = std::make_unique<sql::stmt>(
        db_.prepare("DELETE FROM nodes WHERE dir = ? AND id = ?"));
    put_dead_ = std::make_unique<sql::stmt>(
        db_.prepare("INSERT OR IGNORE INTO dead VALUES (?)"));
    put_parts_ = std::make_unique<sql::stmt>(
        db_.prepare("INSERT OR REPLACE INTO parts VALUES (?,?)"));
    del_parts_ = std::make_unique<sql::stmt>(
        db_.prepare("DELETE FROM parts WHERE dir = ?"));
    put_seq_ = std::make_unique<sql::stmt>(
        db_.prepare("UPDATE meta SET value = ? WHERE key = 'next_seq'"));
    put_row_ = std::make_unique<sql::stmt>(
        db_.prepare("UPDATE meta SET value = ? WHERE key = 'next_row'"));
    put_request_ = std::make_unique<sql::stmt>(
        db_.prepare("INSERT OR REPLACE INTO requests VALUES (?,?,?)"));
    trim_requests_ = std::make_unique<sql::stmt>(
        // Rows hold consecutive ranges seq..last in seq order: those below
        // the trim point are a prefix of the primary key, found by a seek
        // (`last` alone would scan every row, per commit).
        db_.prepare("DELETE FROM requests WHERE seq < ?1 AND last < ?1"));
    put_requests_from_ = std::make_unique<sql::stmt>(
        db_.prepare("INSERT OR REPLACE INTO meta VALUES ('requests_from', ?)"));
    put_applied_ = std::make_unique<sql::stmt>(
        db_.prepare("INSERT OR REPLACE INTO meta VALUES ('applied', ?)"));
  }

  loaded_shard load() override {
    loaded_shard out;
    auto n = db_.prepare("SELECT dir, id, rec FROM nodes");
    while (n.step()) {
      dir_node x;
      x.dir = static_cast<inode_id>(n.int64(0));
      x.r.id = static_cast<node_id>(n.int64(1));
      decode_node(n.blob(2), x.r);
      out.nodes.push_back(std::move(x));
    }
    auto e = db_.prepare(std::string{"SELECT "} + shard_rows::entry_columns +
                         " FROM entries");
    while (e.step())
      out.entries.push_back(shard_rows::entry_at(e));
    auto d = db_.prepare("SELECT dir FROM dead");
    while (d.step())
      out.dead.push_back(static_cast<inode_id>(d.int64(0)));
    auto p = db_.prepare("SELECT dir, rec FROM parts");
    while (p.step()) {
      dir_parts x;
      decode_parts(p.blob(1), x);
      out.parts.emplace_back(static_cast<inode_id>(p.int64(0)), std::move(x));
    }
    auto s = db_.prepare("SELECT value FROM meta WHERE key = 'next_seq'");
    if (s.step())
      out.next_seq = static_cast<uint64_t>(s.int64(0));
    auto r = db_.prepare("SELECT value FROM meta WHERE key = 'next_row'");
    if (r.step())
      out.next_row = static_cast<uint64_t>(r.int64(0));
    auto f = db_.prepare("SELECT value FROM meta WHERE key = 'requests_from'");
    uint64_t from = f.step() ? static_cast<uint64_t>(f.int64(0)) : 0;
    auto q = db_.prepare("SELECT recs FROM requests ORDER BY seq");
    while (q.step())
      for (auto& x : decode_request_records(q.blob(0)))
        if (x.seq >= from)
          out.requests.push_back(x);
    out.applied = applied();
    return out;
  }

  void apply_group(const std::vector<commit_batch>& batches,
                   uint64_t applied) override {
    sql::transact(db_, [&] {
      for (auto& b : batches)
        write(b);
      put_applied_->bind(1, static_cast<int64_t>(applied)).run();
    });
    ++commits_;
  }

  void install(const commit_batch& whole, uint64_t applied) override {
    sql::transact(db_, [&] {
      for (const char* t : {"nodes", "entries", "dead", "parts", "requests"})
        db_.exec(std::string{"DELETE FROM "} + t);
      db_.exec("DELETE FROM meta WHERE key = 'requests_from'");
      write(whole);
      put_applied_->bind(1, static_cast<int64_t>(applied)).run();
    });
    ++commits_;
  }

  uint64_t applied() override {
    auto a = db_.prepare("SELECT value FROM meta WHERE key = 'applied'");
    return a.step() ? static_cast<uint64_t>(a.int64(0)) : 0;
  }

  void commit(const commit_batch& b) override {
    sql::transact(db_, [&] { write(b); });
    ++commits_;
  }

  uint64_t commits() const override { return commits_; }

  // -- snapshots in chunks -----------------------------------------------

  std::unique_ptr<snapshot_reader> read_snapshot() override {
    return shard_rows::read_sqlite_snapshot(path_);
  }

  /// Chunks are staged in a shard file of their own beside this one
  /// (written without syncs: a crash loses the transfer, which starts
  /// again), whose tables then replace this file's in one transaction.
  void begin_staging() override {
    drop_staged();
    staged_db_ = std::make_unique<sqlite_shard_store>(staged_path(), id_,
                                                      sync_mode::off, true);
    staged_seq_ = staged_row_ = 0;
  }

  void stage(commit_batch chunk) override {
    if (!staged_db_)
      throw sql::storage_error(path_ + ": no snapshot is being staged");
    if (chunk.next_seq != 0)
      staged_seq_ = chunk.next_seq;
    if (chunk.next_row != 0)
      staged_row_ = chunk.next_row;
    staged_db_->commit(chunk);
  }

  void install_staged(uint64_t applied) override {
    if (!staged_db_)
      throw sql::storage_error(path_ + ": no snapshot is being staged");
    staged_db_.reset(); // closed: everything it wrote is in its file
    db_.prepare("ATTACH DATABASE ? AS snap").bind_text(1, staged_path()).run();
    try {
      sql::transact(db_, [&] {
        for (const char* t : shard_rows::state_tables) {
          db_.exec(std::string{"DELETE FROM "} + t);
          db_.exec(std::string{"INSERT INTO main."} + t +
                   " SELECT * FROM snap." + t);
        }
        db_.exec("DELETE FROM meta WHERE key = 'requests_from'");
        put_seq_->bind(1, static_cast<int64_t>(staged_seq_)).run();
        put_row_->bind(1, static_cast<int64_t>(staged_row_)).run();
        put_applied_->bind(1, static_cast<int64_t>(applied)).run();
      });
    } catch (...) {
      detach_staged();
      throw;
    }
    detach_staged();
    drop_staged();
    ++commits_;
  }

  void drop_staged() override {
    staged_db_.reset();
    for (const char* ext : {"", "-wal", "-shm", ".tmp"})
      std::remove((staged_path() + ext).c_str());
  }

private:
  std::string staged_path() const { return path_ + ".snapshot"; }

  void detach_staged() {
    try {
      db_.exec("DETACH DATABASE snap");
    } catch (...) {
      // The connection is dropped with the store after a failure anyway.
    }
  }

  void create_schema(shard_identity id) {
    db_.exec("BEGIN");
    db_.exec("CREATE TABLE meta(key TEXT PRIMARY KEY, value) WITHOUT ROWID");
    db_.exec("CREATE TABLE nodes(dir INTEGER, id INTEGER, rec BLOB NOT NULL,"
             " PRIMARY KEY(dir, id)) WITHOUT ROWID");
    db_.exec("CREATE TABLE entries(row INTEGER PRIMARY KEY, dir INTEGER,"
             " hash INTEGER, name BLOB, ino INTEGER, kind INTEGER,"
             " mode INTEGER, size INTEGER, mtime INTEGER, version INTEGER)");
    db_.exec("CREATE TABLE dead(dir INTEGER PRIMARY KEY)");
    db_.exec("CREATE TABLE parts(dir INTEGER PRIMARY KEY, rec BLOB NOT NULL)");
    db_.exec(requests_table(""));
    auto ins = db_.prepare("INSERT INTO meta VALUES (?, ?)");
    ins.bind_text(1, "magic").bind_text(2, magic).run();
    ins.bind_text(1, "schema").bind(2, shard_schema_version).run();
    ins.bind_text(1, "shard_id").bind(2, int64_t{id.shard_id}).run();
    ins.bind_text(1, "shard_count").bind(2, int64_t{id.shard_count}).run();
    ins.bind_text(1, "next_seq").bind(2, int64_t{1}).run();
    ins.bind_text(1, "next_row").bind(2, int64_t{1}).run();
    db_.exec("COMMIT");
  }

  void upgrade_schema() {
    sql::transact(db_, [&] {
      db_.exec("CREATE TABLE IF NOT EXISTS parts(dir INTEGER PRIMARY KEY,"
               " rec BLOB NOT NULL)");
      db_.exec(requests_table("IF NOT EXISTS "));
      bool rows = false;
      auto cols = db_.prepare("PRAGMA table_info(requests)");
      while (cols.step())
        rows = rows || cols.blob(1) == "rid";
      if (rows) // schema 3: a row per record, all of them successes
        records_to_blob();
      db_.exec("UPDATE meta SET value = " +
               std::to_string(shard_schema_version) + " WHERE key = 'schema'");
    });
  }

  /// The statement that makes the requests table; `how` is "" or
  /// "IF NOT EXISTS ".
  static std::string requests_table(const char* how) {
    return std::string{"CREATE TABLE "} + how +
           "requests(seq INTEGER PRIMARY KEY, last INTEGER NOT NULL,"
           " recs BLOB NOT NULL)";
  }

  /// Version 3's requests table (a row per record) as one blob.
  void records_to_blob() {
    std::vector<request_record> rs;
    auto q = db_.prepare("SELECT seq, rid, dir, hash, at, ino, kind, mode, "
                         "size, mtime, version FROM requests ORDER BY seq");
    while (q.step()) {
      request_record x;
      x.seq = static_cast<uint64_t>(q.int64(0));
      x.rid = static_cast<uint64_t>(q.int64(1));
      x.dir = static_cast<inode_id>(q.int64(2));
      x.hash = from_db(q.int64(3));
      x.at = q.int64(4);
      x.a = read_attrs(q, 5, "request record");
      rs.push_back(x);
    }
    db_.exec("DROP TABLE requests");
    db_.exec(requests_table(""));
    if (rs.empty())
      return;
    db_.prepare("INSERT INTO requests VALUES (?,?,?)")
        .bind(1, static_cast<int64_t>(rs.front().seq))
        .bind(2, static_cast<int64_t>(rs.back().seq))
        .bind(3, std::string_view{encode_request_records(rs)})
        .run();
  }

  void write(const commit_batch& b) {
    for (auto row : b.del_rows)
      del_entry_->bind(1, static_cast<int64_t>(row)).run();
    for (auto& x : b.put_entries) {
      put_entry_->bind(1, static_cast<int64_t>(x.e.row))
          .bind(2, static_cast<int64_t>(x.dir))
          .bind(3, to_db(x.e.hash))
          .bind(4, std::string_view{x.e.name});
      bind_attrs(*put_entry_, 5, x.e.a).run();
    }
    if (!b.put_requests.empty()) {
      // One row per batch: a record is as many bytes, a fraction of the
      // work of a row of its own (a create's commit did twice the work).
      uint64_t lo = b.put_requests.front().seq, hi = lo;
      for (auto& x : b.put_requests) {
        lo = std::min(lo, x.seq);
        hi = std::max(hi, x.seq);
      }
      put_request_->bind(1, static_cast<int64_t>(lo))
          .bind(2, static_cast<int64_t>(hi))
          .bind(3, std::string_view{encode_request_records(b.put_requests)})
          .run();
    }
    if (b.requests_from != 0) {
      trim_requests_->bind(1, static_cast<int64_t>(b.requests_from)).run();
      put_requests_from_->bind(1, static_cast<int64_t>(b.requests_from)).run();
    }
    for (auto& x : b.put_nodes)
      put_node_->bind(1, static_cast<int64_t>(x.dir))
          .bind(2, static_cast<int64_t>(x.r.id))
          .bind(3, std::string_view{encode_node(x.r)})
          .run();
    for (auto& [dir, id] : b.del_nodes)
      del_node_->bind(1, static_cast<int64_t>(dir))
          .bind(2, static_cast<int64_t>(id))
          .run();
    for (auto dir : b.dead_dirs)
      put_dead_->bind(1, static_cast<int64_t>(dir)).run();
    for (auto& [dir, p] : b.put_parts) {
      if (p.trivial())
        del_parts_->bind(1, static_cast<int64_t>(dir)).run();
      else
        put_parts_->bind(1, static_cast<int64_t>(dir))
            .bind(2, std::string_view{encode_parts(p)})
            .run();
    }
    put_seq_->bind(1, static_cast<int64_t>(b.next_seq)).run();
    put_row_->bind(1, static_cast<int64_t>(b.next_row)).run();
  }

  sql::db db_;
  std::string path_;
  shard_identity id_;
  std::unique_ptr<sqlite_shard_store> staged_db_; ///< a snapshot received
  uint64_t staged_seq_ = 0, staged_row_ = 0;      ///< its next_seq, next_row
  std::unique_ptr<sql::stmt> put_entry_, del_entry_, put_node_, del_node_,
      put_dead_, put_parts_, del_parts_, put_seq_, put_row_, put_applied_,
      put_request_, trim_requests_, put_requests_from_;
  uint64_t commits_ = 0;
};

} // namespace

bool parse_sync_mode(const std::string& s, sync_mode& out) {
  if (s == "full")
    out = sync_mode::full;
  else if (s == "normal")
    out = sync_mode::normal;
  else if (s == "off")
    out = sync_mode::off;
  else
    return false;
  return true;
}

std::unique_ptr<shard_store> open_sqlite_shard_store(const std::string& path,
                                                     shard_identity id,
                                                     sync_mode sync) {
  sql::create_atomically(path, [&](const std::string& tmp) {
    sqlite_shard_store init{tmp, id, sync, true};
  });
  verify_existing(path, id);
  auto store = std::make_unique<sqlite_shard_store>(path, id, sync, false);
  store->drop_staged(); // a snapshot half received before a stop
  return store;
}

} // namespace ds
