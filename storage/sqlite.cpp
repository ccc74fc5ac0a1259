#include "storage/sqlite.hpp"

#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

namespace ds::sql {

namespace {

[[noreturn]] void fail(sqlite3* db, const std::string& what) {
  throw storage_error(what + ": " + (db ? sqlite3_errmsg(db) : "no database"));
}

} // namespace

db::db(const std::string& path, bool read_only) {
  int flags = read_only ? SQLITE_OPEN_READONLY
                        : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
  flags |= SQLITE_OPEN_NOMUTEX; // one owner thread
  if (sqlite3_open_v2(path.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
    std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    db_ = nullptr;
    throw storage_error("cannot open " + path + ": " + msg);
  }
  sqlite3_extended_result_codes(db_, 1);
  sqlite3_busy_timeout(db_, 2000);
}

db::~db() {
  sqlite3_close_v2(db_);
}

void db::exec(const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errmsg(db_);
    sqlite3_free(err);
    throw storage_error(msg + " (in: " + sql.substr(0, 60) + ")");
  }
}

stmt db::prepare(const std::string& sql) {
  return stmt{db_, sql};
}

stmt::stmt(sqlite3* db, const std::string& sql) : db_(db) {
  if (sqlite3_prepare_v3(db, sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &s_,
                         nullptr) != SQLITE_OK)
    fail(db, "cannot prepare statement");
}

stmt::~stmt() {
  sqlite3_finalize(s_);
}

stmt::stmt(stmt&& other) noexcept : db_(other.db_), s_(other.s_) {
  other.s_ = nullptr;
}

stmt& stmt::bind(int i, int64_t x) {
  if (sqlite3_bind_int64(s_, i, x) != SQLITE_OK)
    fail(db_, "bind");
  return *this;
}

stmt& stmt::bind(int i, std::string_view blob) {
  if (sqlite3_bind_blob(s_, i, blob.data(), static_cast<int>(blob.size()),
                        SQLITE_TRANSIENT) != SQLITE_OK)
    fail(db_, "bind");
  return *this;
}

stmt& stmt::bind_text(int i, std::string_view text) {
  if (sqlite3_bind_text(s_, i, text.data(), static_cast<int>(text.size()),
                        SQLITE_TRANSIENT) != SQLITE_OK)
    fail(db_, "bind");
  return *this;
}

bool stmt::step() {
  auto rc = sqlite3_step(s_);
  if (rc == SQLITE_ROW)
    return true;
  if (rc == SQLITE_DONE)
    return false;
  std::string msg = sqlite3_errmsg(db_);
  sqlite3_reset(s_);
  throw storage_error(msg);
}

void stmt::run() {
  while (step()) {
  }
  reset();
}

void stmt::reset() {
  sqlite3_reset(s_);
  sqlite3_clear_bindings(s_);
}

int64_t stmt::int64(int col) const {
  return sqlite3_column_int64(s_, col);
}

std::string stmt::blob(int col) const {
  auto p = static_cast<const char*>(sqlite3_column_blob(s_, col));
  auto n = sqlite3_column_bytes(s_, col);
  return p ? std::string(p, static_cast<size_t>(n)) : std::string{};
}

bool stmt::is_null(int col) const {
  return sqlite3_column_type(s_, col) == SQLITE_NULL;
}

void create_atomically(const std::string& path,
                       const std::function<void(const std::string&)>& make) {
  struct stat st;
  if (::stat(path.c_str(), &st) == 0)
    return;
  auto tmp = path + ".new";
  ::unlink(tmp.c_str());
  ::unlink((tmp + "-wal").c_str());
  ::unlink((tmp + "-shm").c_str());
  make(tmp);
  if (::rename(tmp.c_str(), path.c_str()) != 0)
    throw storage_error("cannot create " + path);
}

void set_durability(db& d, const char* synchronous) {
  d.exec("PRAGMA journal_mode=WAL");
  d.exec(std::string{"PRAGMA synchronous="} + synchronous);
}

std::unique_ptr<db> open_owned(const std::string& path, const char* magic,
                               const char* what, int64_t max_schema) {
  auto d = std::make_unique<db>(path, true);
  std::string m;
  try {
    auto q = d->prepare("SELECT value FROM meta WHERE key = 'magic'");
    if (q.step())
      m = q.blob(0);
  } catch (const storage_error& e) {
    throw storage_error(path + ": not a dagshard " + what + " (" + e.what() +
                        ")");
  }
  if (m != magic)
    throw storage_error(path + ": not a dagshard " + what);
  auto q = d->prepare("PRAGMA quick_check");
  if (!q.step() || q.blob(0) != "ok")
    throw storage_error(path + ": damaged database (quick_check failed)");
  auto s = d->prepare("SELECT value FROM meta WHERE key = 'schema'");
  if (!s.step())
    throw storage_error(path + ": no schema version");
  auto v = s.int64(0);
  if (v > max_schema)
    throw storage_error(path + ": schema version " + std::to_string(v) +
                        " is newer than this build's " +
                        std::to_string(max_schema));
  if (v < 1)
    throw storage_error(path + ": unknown schema version");
  return d;
}

} // namespace ds::sql
