// A snapshot of the SQLite shard file read a chunk at a time: a read-only
// connection holds one read transaction (in WAL mode the store's writer
// goes on meanwhile, and the view stays where it began), and each chunk
// reads the next rows of each table in key order, table after table. Only
// a chunk is ever in memory.
#include <algorithm>
#include <limits>

#include "storage/batch_codec.hpp"
#include "storage/node_codec.hpp"
#include "storage/sqlite_shard_rows.hpp"

namespace ds::shard_rows {

namespace {

/// Rows fetched by one query.
constexpr int64_t page_rows = 256;

class sqlite_snapshot : public snapshot_reader {
public:
  explicit sqlite_snapshot(const std::string& path) : db_(path, true) {
    db_.exec("BEGIN"); // the first read below fixes the view
    auto meta = [&](const char* key) -> uint64_t {
      auto q = db_.prepare("SELECT value FROM meta WHERE key = ?");
      q.bind_text(1, key);
      return q.step() ? static_cast<uint64_t>(q.int64(0)) : 0;
    };
    applied_ = meta("applied");
    next_seq_ = meta("next_seq");
    next_row_ = meta("next_row");
    requests_from_ = meta("requests_from");
  }

  ~sqlite_snapshot() override {
    try {
      db_.exec("COMMIT");
    } catch (...) {
      // Closing the connection ends the read transaction anyway.
    }
  }

  uint64_t applied() const override { return applied_; }

  bool next(std::size_t bytes, commit_batch& out) override {
    out = commit_batch{};
    bool any = first_; // the first chunk goes even for an empty store
    if (first_) {
      out.next_seq = next_seq_;
      out.next_row = next_row_;
      first_ = false;
    }
    std::size_t used = 0;
    any = take_records(bytes, used, out) || any;
    while (table_ < std::size(state_tables) && used < bytes) {
      auto n = read_page(bytes, used, out);
      if (n == 0) {
        ++table_; // this table is done: the next from its start
        started_ = false;
      }
      any = any || n > 0;
    }
    return any;
  }

private:
  /// Reads rows of the current table after the cursor until `used` reaches
  /// `bytes` or a page ends; returns how many.
  std::size_t read_page(std::size_t bytes, std::size_t& used,
                        commit_batch& out) {
    std::string t = state_tables[table_];
    bool nodes = t == "nodes";
    std::string key = t == "entries" ? "row" : t == "requests" ? "seq" : "dir";
    std::string cols = t == "entries"    ? entry_columns
                       : t == "nodes"    ? "dir, id, rec"
                       : t == "parts"    ? "dir, rec"
                       : t == "requests" ? "seq, recs"
                                         : "dir";
    // From the table's start, or after the row read last (by its key, so
    // that each page is a seek in the key's index, not a scan).
    std::string after = !started_ ? ""
                        : nodes   ? " WHERE (dir, id) > (?2, ?3)"
                                  : " WHERE " + key + " > ?2";
    std::string order = nodes ? "dir, id" : key;
    auto q = db_.prepare("SELECT " + cols + " FROM " + t + after +
                         " ORDER BY " + order + " LIMIT ?1");
    q.bind(1, page_rows);
    if (started_) {
      q.bind(2, last_a_);
      if (nodes)
        q.bind(3, last_b_);
    }
    std::size_t n = 0;
    while (used < bytes && q.step()) {
      ++n;
      started_ = true;
      last_a_ = q.int64(0);
      if (t == "entries") {
        dir_entry x = entry_at(q);
        used += x.e.name.size() + 64;
        out.put_entries.push_back(std::move(x));
      } else if (nodes) {
        last_b_ = q.int64(1);
        dir_node x;
        x.dir = static_cast<inode_id>(q.int64(0));
        x.r.id = static_cast<node_id>(q.int64(1));
        auto rec = q.blob(2);
        decode_node(rec, x.r);
        used += rec.size() + 24;
        out.put_nodes.push_back(std::move(x));
      } else if (t == "parts") {
        dir_parts x;
        auto rec = q.blob(1);
        decode_parts(rec, x);
        used += rec.size() + 16;
        out.put_parts.emplace_back(static_cast<inode_id>(q.int64(0)),
                                   std::move(x));
      } else if (t == "requests") {
        // A row holds a batch's records, perhaps many: those that do not
        // fit wait for the next chunk.
        records_ = decode_request_records(q.blob(1));
        records_at_ = 0;
        take_records(bytes, used, out);
      } else {
        used += 10;
        out.dead_dirs.push_back(static_cast<inode_id>(q.int64(0)));
      }
    }
    return n;
  }

  /// Adds records of the row read last until `used` reaches `bytes`;
  /// true if it added any.
  bool take_records(std::size_t bytes, std::size_t& used, commit_batch& out) {
    bool any = false;
    for (; records_at_ < records_.size() && used < bytes; ++records_at_) {
      auto& x = records_[records_at_];
      if (x.seq < requests_from_)
        continue;
      used += 96;
      out.put_requests.push_back(x);
      any = true;
    }
    return any;
  }

  sql::db db_;
  std::vector<request_record> records_; ///< of the requests row read last
  std::size_t records_at_ = 0;          ///< the next of them to send
  uint64_t applied_ = 0, next_seq_ = 0, next_row_ = 0, requests_from_ = 0;
  bool first_ = true;
  std::size_t table_ = 0;           ///< into state_tables
  bool started_ = false;            ///< a row of the current table was read
  int64_t last_a_ = 0, last_b_ = 0; ///< the key of the row read last
};

} // namespace

std::unique_ptr<snapshot_reader> read_sqlite_snapshot(const std::string& path) {
  return std::make_unique<sqlite_snapshot>(path);
}

} // namespace ds::shard_rows
