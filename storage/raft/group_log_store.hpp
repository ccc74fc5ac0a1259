// Durable storage of the Raft logs of every group a node hosts (multi-Raft):
// per group its hard state, log entries and snapshot point. The SQLite form
// keeps all groups in one file (WAL, synchronous FULL by default), so that
// the readies of many groups in one bundle are persisted in one transaction
// with one sync: group commit across groups.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model/raft/config.hpp"
#include "model/raft/ready.hpp"
#include "storage/shard_store.hpp"

namespace ds {

/// Who a node's group logs belong to; an existing file that names another
/// cluster or node is refused.
struct group_log_identity {
  uint64_t cluster = 0; ///< fingerprint of the cluster's member list
  uint64_t node = 0;    ///< the node's id
};

/// One group's ready in a bundle: the group's id and its ready.
using group_ready = std::pair<uint32_t, const raft::ready*>;

class group_log_store {
public:
  virtual ~group_log_store() = default;

  /// The groups that have anything stored, in increasing order.
  virtual std::vector<uint32_t> groups() = 0;

  /// Everything stored for `group` (empty for an unknown group): hard state,
  /// snapshot point (meta and the small data blob kept with it; a shard
  /// group's state itself is the shard's own database) and the entries after
  /// it, contiguous. A malformed or gapped log throws sql::storage_error.
  virtual raft::restored_state load(uint32_t group) = 0;

  /// Persists every group's snapshot, truncate+append and hard state (the
  /// order of raft::ready) in one transaction, durably. A group's change of
  /// the commit index alone is not written at once: it rides along with the
  /// next transaction (a restarted replica learns it again from its leader).
  /// A ready whose entries do not follow its group's log (a gap, or before
  /// the snapshot) is refused before anything is written. Throws
  /// sql::storage_error, leaving the stored state as it was; the caller must
  /// then stop and restart from storage.
  virtual void save(const std::vector<group_ready>& readies) = 0;

  /// Records a snapshot point of `group` taken locally (with an optional
  /// small data blob) and drops the entries up to it. A point not after the
  /// stored one changes nothing.
  virtual void compact(uint32_t group, const raft::snapshot_meta& meta,
                       std::string_view data = {}) = 0;

  /// Forgets everything of `group` (its replica was removed from this node).
  virtual void drop(uint32_t group) = 0;

  /// Number of log entries stored for `group` after its snapshot.
  virtual uint64_t entry_count(uint32_t group) = 0;
};

/// What a memory store holds durably. A test "restarts" a node by opening a
/// new memory store on the same disk: what was not yet written (a change of
/// a commit index alone) is lost, as with the SQLite store.
struct memory_group_log_disk;

std::shared_ptr<memory_group_log_disk> make_memory_group_log_disk();

/// A store in memory (tests of the layers above) on `disk` (a fresh one if
/// null). `fail_after` > 0 makes the n-th call of save() throw before it
/// writes anything, as a failed fsync would.
std::unique_ptr<group_log_store>
make_memory_group_log_store(int fail_after = 0,
                            std::shared_ptr<memory_group_log_disk> disk = {});

/// Opens or creates the SQLite file at `path`. An existing file is checked
/// read-only first (SQLite, ours, quick_check, schema version, identity, each
/// group's log contiguous after its snapshot) and refused untouched with
/// sql::storage_error on any mismatch.
std::unique_ptr<group_log_store>
open_sqlite_group_log_store(const std::string& path,
                            const group_log_identity& who,
                            sync_mode sync = sync_mode::full);

/// The schema version this build writes and reads.
constexpr int64_t group_log_schema_version = 1;

} // namespace ds
