// A thin RAII layer over the sqlite3 C API: a connection and prepared
// statements. Errors throw storage_error with SQLite's message.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace ds::sql {

/// Any failure of the storage layer. After a failed commit the store must not
/// be used again: the owner stops and recovers from disk.
struct storage_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class stmt;

class db;

/// Runs `f` inside BEGIN IMMEDIATE .. COMMIT; rolls back and rethrows if it
/// throws.
template <class F> void transact(db& d, F&& f);

/// Sets WAL mode and the synchronous level ("FULL", "NORMAL" or "OFF").
void set_durability(db& d, const char* synchronous);

/// Creates the file at `path` if it does not exist: `make(tmp)` writes it
/// under a temporary name, which is then renamed into place, so that a crash
/// during creation never leaves a half-made file behind that the next start
/// would refuse as foreign. Throws storage_error if the rename fails.
void create_atomically(const std::string& path,
                       const std::function<void(const std::string&)>& make);

/// Opens an existing file read-only and checks, without writing to it, that
/// it is a SQLite database whose meta table has key 'magic' = `magic`, that
/// it passes PRAGMA quick_check, and that its 'schema' is 1..`max_schema`.
/// Throws storage_error naming `what` (e.g. "shard file") otherwise; the
/// caller may run further checks on the returned connection.
std::unique_ptr<db> open_owned(const std::string& path, const char* magic,
                               const char* what, int64_t max_schema);

class db {
public:
  /// Opens `path`; read_only never creates or writes the file.
  db(const std::string& path, bool read_only);
  ~db();
  db(const db&) = delete;
  db& operator=(const db&) = delete;

  /// Runs statements without results; throws on error.
  void exec(const std::string& sql);
  stmt prepare(const std::string& sql);
  sqlite3* handle() const { return db_; }

private:
  sqlite3* db_ = nullptr;
};

class stmt {
public:
  stmt(sqlite3* db, const std::string& sql);
  ~stmt();
  stmt(stmt&& other) noexcept;
  stmt(const stmt&) = delete;
  stmt& operator=(const stmt&) = delete;

  stmt& bind(int i, int64_t x);
  stmt& bind(int i, std::string_view blob);
  stmt& bind_text(int i, std::string_view text);
  /// Steps once: true if a row is available, false when done.
  bool step();
  /// Steps to completion and resets (for statements without rows).
  void run();
  void reset();
  int64_t int64(int col) const;
  std::string blob(int col) const;
  bool is_null(int col) const;

private:
  sqlite3* db_ = nullptr;
  sqlite3_stmt* s_ = nullptr;
};

template <class F> void transact(db& d, F&& f) {
  d.exec("BEGIN IMMEDIATE");
  try {
    f();
    d.exec("COMMIT");
  } catch (...) {
    try {
      d.exec("ROLLBACK");
    } catch (...) {
      // The original error is what matters; the store is unusable anyway.
    }
    throw;
  }
}

} // namespace ds::sql
