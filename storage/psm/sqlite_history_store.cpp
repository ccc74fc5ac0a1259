// The PSM history in SQLite (psm.db). Schema (version 1):
//   meta(key PRIMARY KEY, value)   magic 'dagshard-psm', schema, newest
//   history(dir, part, lo, hi, level, slot, lookups, creates, deletes,
//           readdirs)  one row per series, level and bucket start
// One append is one transaction: its rows, the roll-up and the size bound
// commit together or not at all.
#include "storage/psm/history_store.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include <sqlite3.h>

#include "storage/sqlite.hpp"

namespace ds::psm_history {
namespace {

constexpr const char* magic = "dagshard-psm";
constexpr int64_t schema_version = 1;

int64_t i64(std::uint64_t x) {
  return static_cast<int64_t>(x);
}
std::uint64_t u64(int64_t x) {
  return static_cast<std::uint64_t>(x);
}

const char* upsert_sql =
    "INSERT INTO history VALUES (?,?,?,?,?,?,?,?,?,?)"
    " ON CONFLICT(dir, part, lo, hi, level, slot) DO UPDATE SET"
    " lookups = lookups + excluded.lookups,"
    " creates = creates + excluded.creates,"
    " deletes = deletes + excluded.deletes,"
    " readdirs = readdirs + excluded.readdirs";

// ?1 the next level, ?2 its width, ?3 the level rolled, ?4 its boundary.
const char* roll_sql =
    "INSERT INTO history SELECT dir, part, lo, hi, ?1, (slot / ?2) * ?2,"
    " sum(lookups), sum(creates), sum(deletes), sum(readdirs) FROM history"
    " WHERE level = ?3 AND slot < ?4 GROUP BY dir, part, lo, hi, slot / ?2"
    " ON CONFLICT(dir, part, lo, hi, level, slot) DO UPDATE SET"
    " lookups = lookups + excluded.lookups,"
    " creates = creates + excluded.creates,"
    " deletes = deletes + excluded.deletes,"
    " readdirs = readdirs + excluded.readdirs";

class sqlite_history_store : public history_store {
public:
  sqlite_history_store(const std::string& path, history_options opt, bool fresh)
      : opt_(opt), db_(path, false) {
    sql::set_durability(db_, "FULL");
    if (fresh)
      create_schema();
    upsert_.emplace_back(db_.prepare(upsert_sql));
    roll_.emplace_back(db_.prepare(roll_sql));
    unroll_.emplace_back(
        db_.prepare("DELETE FROM history WHERE level = ? AND slot < ?"));
    count_.emplace_back(db_.prepare("SELECT count(*) FROM history"));
    drop_.emplace_back(db_.prepare(
        "DELETE FROM history WHERE rowid IN (SELECT rowid FROM history"
        " WHERE level > 0 ORDER BY slot LIMIT ?)"));
    set_newest_.emplace_back(
        db_.prepare("INSERT OR REPLACE INTO meta VALUES ('newest', ?)"));
    read_.emplace_back(db_.prepare(
        "SELECT slot, level, lookups, creates, deletes, readdirs FROM history"
        " WHERE dir = ? AND part = ? AND lo = ? AND hi = ? ORDER BY slot"));
    active_.emplace_back(db_.prepare(
        "SELECT DISTINCT dir, part, lo, hi FROM history WHERE slot +"
        " CASE level WHEN 0 THEN 1 WHEN 1 THEN ?1 ELSE ?2 END > ?3"));
    auto n = db_.prepare("SELECT value FROM meta WHERE key = 'newest'");
    if (n.step())
      newest_ = u64(n.int64(0)), has_newest_ = true;
    rows_ = count();
  }

  void append(std::uint64_t slot,
              const std::vector<series_counts>& rows) override {
    auto newest = has_newest_ ? std::max(newest_, slot) : slot;
    auto b = bounds(opt_, newest);
    int level = slot >= b.full_from ? 0 : slot >= b.mid_from ? 1 : 2;
    auto start = bucket_start(opt_, level, slot);
    std::uint64_t n = 0;
    sql::transact(db_, [&] {
      for (auto& r : rows) {
        auto& s = upsert_[0];
        s.bind_text(1, r.key.dir).bind(2, r.key.part ? 1 : 0);
        s.bind(3, i64(r.key.lo)).bind(4, i64(r.key.hi)).bind(5, level);
        s.bind(6, i64(start));
        for (int j = 0; j < 4; ++j)
          s.bind(7 + j, i64(r.counts.n[size_t(j)]));
        s.run();
      }
      set_newest_[0].bind(1, i64(newest)).run();
      roll(0, b.full_from);
      roll(1, b.mid_from);
      n = count();
      if (n > opt_.max_rows) {
        drop_[0].bind(1, i64(n - opt_.max_rows)).run();
        n -= std::uint64_t(sqlite3_changes(db_.handle()));
      }
    });
    newest_ = newest, has_newest_ = true;
    rows_ = n;
  }

  std::vector<history_point> read(const series_key& k) const override {
    std::vector<history_point> out;
    auto& s = read_[0];
    s.bind_text(1, k.dir).bind(2, k.part ? 1 : 0);
    s.bind(3, i64(k.lo)).bind(4, i64(k.hi));
    while (s.step()) {
      history_point p;
      p.slot = u64(s.int64(0));
      auto level = s.int64(1);
      p.width = level_width(opt_, int(level));
      for (int j = 0; j < 4; ++j)
        p.counts.n[size_t(j)] = u64(s.int64(2 + j));
      out.push_back(p);
    }
    s.reset();
    return out;
  }

  std::vector<series_key> active(std::uint64_t since) const override {
    std::vector<series_key> out;
    auto& s = active_[0];
    s.bind(1, i64(opt_.mid_width)).bind(2, i64(opt_.coarse_width));
    s.bind(3, i64(since));
    while (s.step())
      out.push_back(
          {s.blob(0), s.int64(1) != 0, u64(s.int64(2)), u64(s.int64(3))});
    s.reset();
    std::sort(out.begin(), out.end());
    return out;
  }

private:
  void create_schema() {
    sql::transact(db_, [&] {
      db_.exec("CREATE TABLE meta(key TEXT PRIMARY KEY, value) WITHOUT ROWID");
      db_.exec("CREATE TABLE history(dir TEXT NOT NULL, part INTEGER, lo"
               " INTEGER, hi INTEGER, level INTEGER, slot INTEGER, lookups"
               " INTEGER, creates INTEGER, deletes INTEGER, readdirs INTEGER,"
               " PRIMARY KEY(dir, part, lo, hi, level, slot))");
      db_.exec("CREATE INDEX history_age ON history(level, slot)");
      auto ins = db_.prepare("INSERT INTO meta VALUES (?, ?)");
      ins.bind_text(1, "magic").bind_text(2, magic).run();
      ins.bind_text(1, "schema").bind(2, schema_version).run();
    });
  }

  void roll(int level, std::uint64_t before) {
    auto width = level_width(opt_, level + 1);
    roll_[0].bind(1, level + 1).bind(2, i64(width)).bind(3, level);
    roll_[0].bind(4, i64(before)).run();
    unroll_[0].bind(1, level).bind(2, i64(before)).run();
  }

  std::uint64_t count() {
    auto& s = count_[0];
    s.step();
    auto n = u64(s.int64(0));
    s.reset();
    return n;
  }

  history_options opt_;
  sql::db db_;
  // Prepared once; a vector because stmt has no default constructor.
  std::vector<sql::stmt> upsert_, roll_, unroll_, count_, drop_, set_newest_;
  mutable std::vector<sql::stmt> read_, active_;
};

bool exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

} // namespace

std::unique_ptr<history_store>
open_sqlite_history_store(const std::string& path, history_options opt) {
  check(opt);
  if (!exists(path)) {
    // Made under another name and renamed into place: a crash while
    // creating leaves no half-made psm.db for the next start to refuse.
    auto tmp = path + ".new";
    for (auto suffix : {"", "-wal", "-shm"})
      ::unlink((tmp + suffix).c_str());
    { sqlite_history_store init{tmp, opt, true}; }
    if (::rename(tmp.c_str(), path.c_str()) != 0)
      throw sql::storage_error("cannot create " + path);
  }
  sql::open_owned(path, magic, "PSM history", schema_version);
  return std::make_unique<sqlite_history_store>(path, opt, false);
}

} // namespace ds::psm_history
