// Rows of the SQLite shard file (storage/sqlite_shard_store.cpp), shared by
// the store and by its snapshot reader (storage/sqlite_shard_snapshot.cpp).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "model/namespace/ns_shard.hpp"
#include "storage/shard_store.hpp"
#include "storage/sqlite.hpp"

namespace ds::shard_rows {

inline constexpr const char* magic = "dagshard-shard";
inline constexpr uint64_t sign_bit = uint64_t{1} << 63;

/// Hashes are stored as hash XOR 2^63, so that SQLite's signed order is
/// the unsigned hash order.
inline int64_t to_db(uint64_t h) {
  return static_cast<int64_t>(h ^ sign_bit);
}
inline uint64_t from_db(int64_t h) {
  return static_cast<uint64_t>(h) ^ sign_bit;
}

/// Attributes in columns from..from+5 (ino, kind, mode, size, mtime,
/// version) of a row of `what`.
inline attrs read_attrs(sql::stmt& q, int from, const std::string& what) {
  attrs a;
  a.ino = static_cast<inode_id>(q.int64(from));
  auto kind = q.int64(from + 1);
  if (kind < 0 || kind > 2)
    throw sql::storage_error(what + " has a bad kind");
  a.kind = static_cast<entry_kind>(kind);
  a.mode = static_cast<uint32_t>(q.int64(from + 2));
  a.size = static_cast<uint64_t>(q.int64(from + 3));
  a.mtime = q.int64(from + 4);
  a.version = static_cast<uint64_t>(q.int64(from + 5));
  return a;
}

/// The columns of an entry, in the order entry_at reads them.
inline constexpr const char* entry_columns =
    "row, dir, hash, name, ino, kind, mode, size, mtime, version";

/// The entry in the current row of `q`, which selected entry_columns.
inline dir_entry entry_at(sql::stmt& q) {
  dir_entry x;
  x.e.row = static_cast<uint64_t>(q.int64(0));
  x.dir = static_cast<inode_id>(q.int64(1));
  x.e.hash = from_db(q.int64(2));
  x.e.name = q.blob(3);
  x.e.a = read_attrs(q, 4, "entry '" + x.e.name + "'");
  return x;
}

/// The tables that hold a shard's state (meta aside), in the order a
/// snapshot reads them.
inline constexpr const char* state_tables[] = {"parts", "nodes", "entries",
                                               "dead", "requests"};

/// A view of the shard file at `path` as it is now, read from a read-only
/// connection of its own in one read transaction (WAL: the store's writer
/// goes on meanwhile).
std::unique_ptr<snapshot_reader> read_sqlite_snapshot(const std::string& path);

} // namespace ds::shard_rows
