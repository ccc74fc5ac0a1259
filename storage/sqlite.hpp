// A thin RAII layer over the sqlite3 C API: a connection and prepared
// statements. Errors throw storage_error with SQLite's message.
#pragma once

#include <cstdint>
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

} // namespace ds::sql
