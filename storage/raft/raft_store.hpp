// Durable storage of one Raft replica: hard state, log entries and the
// latest snapshot. The SQLite form keeps them in raft.db (WAL, synchronous
// FULL by default): a ready's snapshot, truncate+append and hard state go in
// one transaction, committed before anything that depends on them is sent.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "model/raft/config.hpp"
#include "model/raft/ready.hpp"
#include "storage/shard_store.hpp"

namespace ds {

/// Who a replica's storage belongs to; an existing store that names another
/// cluster or node is refused.
struct raft_identity {
  uint64_t cluster = 0; ///< fingerprint of the cluster's member list
  uint64_t node = 0;    ///< the replica's Raft id (member index + 1)
  std::string group;    ///< e.g. "meta"
};

class raft_store {
public:
  virtual ~raft_store() = default;
  /// Everything stored (empty for a new store).
  virtual raft::restored_state load() = 0;
  /// Persists a ready's snapshot, entries and hard state atomically and
  /// durably. Throws sql::storage_error; the caller must then stop.
  virtual void save(const raft::ready& rd) = 0;
  /// Records a snapshot taken locally and drops the entries it covers.
  virtual void compact(const raft::snapshot& snap) = 0;
  /// Number of log entries stored after the snapshot.
  virtual uint64_t entry_count() = 0;
};

/// A store in memory (tests). `fail_after` > 0 makes the n-th save throw, as
/// a failed fsync would.
std::unique_ptr<raft_store> make_memory_raft_store(int fail_after = 0);

/// Opens or creates `path`. An existing file is checked read-only first
/// (SQLite, ours, quick_check, schema, identity) and refused untouched with
/// sql::storage_error on any mismatch.
std::unique_ptr<raft_store>
open_sqlite_raft_store(const std::string& path, const raft_identity& who,
                       sync_mode sync = sync_mode::full);

} // namespace ds
