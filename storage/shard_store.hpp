// Durable storage of one DAG shard behind a narrow interface: load
// everything at start, then commit batches. A commit is durable when it
// returns (with synchronous=FULL); nothing may be acknowledged before.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "model/namespace/ns_shard.hpp"
#include "storage/sqlite.hpp"

namespace ds {

/// Identity of a shard file: refuse to open a file of another shard or of a
/// node with another shard count.
struct shard_identity {
  uint32_t shard_id = 0;
  uint32_t shard_count = 1;
};

struct loaded_shard {
  std::vector<dir_node> nodes;
  std::vector<dir_entry> entries;
  std::vector<inode_id> dead;
  uint64_t next_seq = 1;
  uint64_t next_row = 1;
  std::vector<std::pair<inode_id, dir_parts>> parts;
  std::vector<request_record> requests; ///< in increasing seq
  /// Replicated shards: the index of the shard group's log entry written
  /// last (0: none, or an unreplicated shard).
  uint64_t applied = 0;
};

/// A consistent view of a store at one point, read chunk by chunk while the
/// store goes on taking writes (the snapshot a shard group's leader streams
/// to a follower behind its compacted log).
class snapshot_reader {
public:
  virtual ~snapshot_reader() = default;
  /// The group index the view is at.
  virtual uint64_t applied() const = 0;
  /// Fills `out` with the next records, about `bytes` of them (at least
  /// one); false, `out` empty, once everything was read. The first chunk
  /// carries next_seq and next_row; together the chunks are the batch that
  /// writes the view into an empty store (append_commit_batch). Throws
  /// sql::storage_error.
  virtual bool next(std::size_t bytes, commit_batch& out) = 0;
};

class shard_store {
public:
  virtual ~shard_store() = default;
  /// Reads every stored node, entry and tombstone.
  virtual loaded_shard load() = 0;
  /// Writes one batch atomically and durably. Throws sql::storage_error; the
  /// store is unusable afterwards.
  virtual void commit(const commit_batch& b) = 0;
  /// Transactions committed so far.
  virtual uint64_t commits() const = 0;
  /// A replica of a shard group: writes `batches`, the commands of the
  /// group's log entries up to index `applied` in log order, and `applied`
  /// itself, atomically and durably. Batches hold final states: writing
  /// one again changes nothing. Throws sql::storage_error; the store is
  /// unusable afterwards.
  virtual void apply_group(const std::vector<commit_batch>& batches,
                           uint64_t applied) = 0;
  /// A replica of a shard group receiving a snapshot: replaces everything
  /// in the store by `whole` (a batch that writes the state into an empty
  /// store) with `applied` as the index written last, atomically and
  /// durably. Throws sql::storage_error; the store is unusable afterwards.
  virtual void install(const commit_batch& whole, uint64_t applied) = 0;
  /// The index written by the last apply_group (0: none).
  virtual uint64_t applied() = 0;

  // -- snapshots in chunks (storage/shard_snapshot.cpp) ------------------
  /// A view of the store as it is now. The default loads it whole (a
  /// memory store holds it whole anyway); the SQLite store reads it from a
  /// read transaction of its own, a chunk at a time.
  virtual std::unique_ptr<snapshot_reader> read_snapshot();
  /// Receiving a snapshot: begin_staging drops whatever was staged, stage
  /// adds a chunk aside from the store's state, install_staged replaces the
  /// state by what was staged, with `applied` as the index written last,
  /// atomically and durably (as install does), and drop_staged forgets the
  /// chunks. The defaults keep the chunks in memory; the SQLite store
  /// writes them to a file beside its own. Throw sql::storage_error (after
  /// a failed install_staged the store is unusable).
  virtual void begin_staging();
  virtual void stage(commit_batch chunk);
  virtual void install_staged(uint64_t applied);
  virtual void drop_staged();

protected:
  commit_batch staged_; ///< the defaults' staged chunks
};

/// Everything a store loaded, as the batch that writes it into an empty
/// store (a leader's load, a snapshot).
inline commit_batch whole_batch(loaded_shard l) {
  commit_batch b;
  b.put_nodes = std::move(l.nodes);
  b.put_entries = std::move(l.entries);
  b.dead_dirs = std::move(l.dead);
  b.put_parts = std::move(l.parts);
  b.next_seq = l.next_seq;
  b.next_row = l.next_row;
  b.put_requests = std::move(l.requests);
  return b;
}

/// Keeps everything in memory (tests of the layers above).
std::unique_ptr<shard_store> make_memory_shard_store();

enum class sync_mode : uint8_t { full, normal, off };

/// Parses "full", "normal" or "off".
bool parse_sync_mode(const std::string& s, sync_mode& out);

/// Opens or creates the SQLite shard file at `path`. An existing file is
/// first checked read-only (a SQLite database, ours, integrity, schema
/// version, shard id and count); on any mismatch this throws
/// sql::storage_error with a clear message and leaves the file untouched.
std::unique_ptr<shard_store>
open_sqlite_shard_store(const std::string& path, shard_identity id,
                        sync_mode sync = sync_mode::full);

/// The schema version this build writes and reads.
constexpr int64_t shard_schema_version = 4;

} // namespace ds
