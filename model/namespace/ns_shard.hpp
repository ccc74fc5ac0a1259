// The namespace state of one DAG shard: the DAGs of the directories whose
// home is this shard, inode allocation, and directories being or having been
// removed. Pure: the shard actor feeds it requests and the current time and
// writes what it changed to storage before answering.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "model/namespace/hdag.hpp"
#include "model/namespace/ns_ops.hpp"
#include "model/namespace/parts.hpp"

namespace ds {

struct ns_shard_config {
  hdag_config dag;
  /// Most entries one directory may hold (HDFS's default limit is 2^20).
  uint64_t max_dir_entries = uint64_t{1} << 24;
  /// How long rmdir_prepare blocks creates in a directory (ns). A router
  /// finishes or aborts its three rmdir steps well within it; if it died
  /// meanwhile, the block lapses instead of lasting until a restart.
  int64_t rmdir_lease_ns = int64_t{30} * 1'000'000'000;
  /// How long a copy of a part (copy_part) lasts without a next chunk or
  /// its freeze (ns): a copy whose driver died ends instead of recording
  /// writes for ever.
  int64_t copy_lease_ns = int64_t{30} * 1'000'000'000;
  /// How long a request record is kept (ns): well past the router's last
  /// retry (twice its request timeout).
  int64_t request_memory_ns = int64_t{60} * 1'000'000'000;
  /// Most request records kept (the oldest go first).
  size_t max_requests = size_t{1} << 18;
};

/// One stored entry or node, with its directory.
struct dir_entry {
  inode_id dir = 0;
  entry e;
};

/// The field list of dir_entry (serialization and printing).
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, dir_entry& x) {
  return f(x.dir, x.e);
}
struct dir_node {
  inode_id dir = 0;
  node_record r;
};

/// The field list of dir_node (serialization and printing).
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, dir_node& x) {
  return f(x.dir, x.r);
}

/// The final state of everything a batch of requests touched: what one
/// storage transaction must write.
struct commit_batch {
  std::vector<dir_entry> put_entries; ///< insert or replace by entry row
  std::vector<uint64_t> del_rows;     ///< rows of removed entries
  std::vector<dir_node> put_nodes;
  std::vector<std::pair<inode_id, node_id>> del_nodes;
  std::vector<inode_id> dead_dirs; ///< removed directories (tombstones)
  /// Part records of directories (a trivial record: delete it).
  std::vector<std::pair<inode_id, dir_parts>> put_parts;
  uint64_t next_seq = 0;                    ///< inode allocator position
  uint64_t next_row = 0;                    ///< entry row allocator position
  std::vector<request_record> put_requests; ///< in increasing seq
  /// Request records with a seq below this are dropped (0: none).
  uint64_t requests_from = 0;
  bool empty() const {
    return put_entries.empty() && del_rows.empty() && put_nodes.empty() &&
           del_nodes.empty() && dead_dirs.empty() && put_parts.empty() &&
           put_requests.empty() && requests_from == 0;
  }
};

/// The field list of commit_batch (serialization and printing).
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, commit_batch& x) {
  return f(x.put_entries, x.del_rows, x.put_nodes, x.del_nodes, x.dead_dirs,
           x.next_seq, x.next_row, x.put_requests, x.requests_from);
}

/// Counters of one shard, as `dagctl shards` shows them.
struct ns_shard_stats {
  uint64_t dirs = 0;  ///< directories with a DAG on this shard
  uint64_t nodes = 0; ///< DAG nodes
  uint64_t entries = 0;
  uint64_t ops = 0; ///< requests served
  uint64_t splits = 0;
  uint64_t merges = 0;
  uint64_t wrong_shard = 0; ///< requests for parts not held here
  uint64_t parts_out = 0;   ///< parts given away (moved out)
  uint64_t parts_in = 0;    ///< parts received and served
  uint64_t moved_in = 0;    ///< entries received by migrations
  uint64_t moves_in = 0;    ///< migrations that ended here
  uint64_t moved_out = 0;   ///< entries handed over by migrations
  uint64_t replayed = 0;    ///< requests sent again, answered from a record
};

/// The field list of ns_shard_stats (serialization and printing).
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ns_shard_stats& x) {
  return f(x.dirs, x.nodes, x.entries, x.ops, x.splits, x.merges, x.wrong_shard,
           x.parts_out, x.parts_in, x.moved_in, x.moved_out, x.moves_in,
           x.replayed);
}

/// A part that a migration left unresolved (found after a restart).
struct unresolved_part {
  inode_id dir = 0;
  dir_part part;
};

/// The field list of unresolved_part (serialization and printing).
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, unresolved_part& x) {
  return f(x.dir, x.part);
}

class ns_shard {
public:
  ns_shard(uint32_t shard_id, ns_shard_config cfg);

  uint32_t shard_id() const { return shard_id_; }

  /// Applies one request at time `now_ns`. Sets `must_wait` when the reply
  /// depends on changes not yet durable: its own, an earlier change of the
  /// same name (lookups and other name operations), any change in the
  /// directory (readdir, rmdir), or the directory's pending removal. The
  /// caller then answers only after the commit.
  ns_reply apply(const ns_request& r, int64_t now_ns, bool& must_wait);

  /// True if `r` addresses a name whose part is about to change hands here
  /// (dir_parts::changing): applied now it would only be refused. Its
  /// caller may hold it until a migration step has been applied, or for a
  /// short while, and then apply it.
  bool parks(const ns_request& r) const;

  /// True if changes (or request records) wait to be taken into a commit
  /// batch.
  bool dirty() const {
    return !pending_dirty_.dirs.empty() || !new_requests_.empty();
  }

  /// Drains everything changed since the last call into a batch. Until
  /// committed() is called, reads of the directories in it still wait.
  commit_batch take_changes();

  /// The batch taken last is durable.
  void committed() { in_flight_dirty_ = {}; }

  /// Loads stored state. Returns an error message or "".
  std::string restore(std::vector<dir_node> nodes,
                      std::vector<dir_entry> entries,
                      std::vector<inode_id> dead, uint64_t next_seq,
                      uint64_t next_row = 1,
                      std::vector<std::pair<inode_id, dir_parts>> parts = {},
                      std::vector<request_record> requests = {});
  /// Request records kept (see request_record).
  size_t requests() const { return requests_.size(); }

  // -- migration of a part (docs/ARCHITECTURE.md; ns_parts.cpp) ----------
  // Each step changes nothing when it fails; its changes join the next
  // commit batch like any request's, and the caller acts on a step only
  // after that batch is durable.

  /// Source, step 1: stop writes to part `r` of `dir` (reads go on).
  /// ewrongshard: not all of it is held here; ebusy: a migration or an
  /// rmdir is under way in the directory; einval: `r` is not a DAG node's
  /// range, or cuts a received part.
  errc begin_export(inode_id dir, hash_range r, uint64_t migration);
  /// Source, copy while serving (ns_copy.cpp): the next chunk of part `r`'s
  /// entries after (`after_hash`, `after_name`), at most `max`, into `out`;
  /// `eof` once none follow. With `first` it starts the copy (the cursor is
  /// ignored) after the checks of begin_export, and from then on records
  /// the hashes of names that writes to the part touch. ENOENT: no copy of
  /// this migration is under way (the source restarted, or the copy's
  /// lease lapsed); EBUSY: another move or copy overlaps. Each chunk also
  /// carries, in `records` if given, the part's request records (they move
  /// with the part) kept before the copy began whose hashes fall after the
  /// cursor and up to the chunk's last (the last chunk: to the range's
  /// end); those kept later come with the delta, so that the freeze ships
  /// only the writes of the copy's time.
  errc copy_part(inode_id dir, hash_range r, uint64_t migration, bool first,
                 uint64_t after_hash, const std::string& after_name, size_t max,
                 int64_t now_ns, std::vector<entry>& out, bool& eof,
                 std::vector<request_record>* records = nullptr);
  /// Source, after a copy's last chunk: stops writes to the part as
  /// begin_export does. ENOENT if no copy of this migration is under way.
  /// Repeating it is harmless.
  errc freeze(inode_id dir, hash_range r, uint64_t migration, int64_t now_ns);
  /// The delta of a frozen copy: the name hashes the writes during it
  /// touched, and the entries with those hashes now (complete once the
  /// batch holding freeze's change is durable); in `records` if given, the
  /// part's request records kept since the copy's first chunk.
  void copy_delta(inode_id dir, hash_range r, uint64_t migration,
                  std::vector<uint64_t>& hashes, std::vector<entry>& entries,
                  std::vector<request_record>* records = nullptr) const;
  /// Source, once frozen: the request records of the part's names, which
  /// move with it (so that a write sent again after the move is answered
  /// by the destination as it was answered here).
  /// With `since`, only those kept at that sequence number or later.
  std::vector<request_record> part_requests(inode_id dir, hash_range r,
                                            uint64_t since = 0) const;
  /// Destination: applies a copy's delta to the pending part: every entry
  /// of each hash is replaced by those of `entries` with that hash; and
  /// keeps the part's request records (`requests`, from part_requests)
  /// that it has no record of yet. EINVAL for a record of another part.
  errc patch(inode_id dir, hash_range r, uint64_t migration,
             const std::vector<uint64_t>& hashes, std::vector<entry> entries,
             std::vector<request_record> requests = {});
  /// Copies under way (recording writes) on this shard.
  size_t copies() const { return copies_.size(); }
  /// Entries of parts given away that are still stored (never served): a
  /// release only marks its part, so that its commit stays small and the
  /// destination serves soon; the entries are dropped afterwards, a chunk
  /// per commit (ns_copy.cpp). A restart finds the ones left.
  bool has_garbage() const { return !garbage_.empty(); }
  /// Drops up to `max` such entries; returns how many.
  size_t collect_garbage(size_t max);
  /// The entries of part `r` (complete once the batch holding
  /// begin_export's change is durable: no write to it can follow).
  std::vector<entry> part_entries(inode_id dir, hash_range r) const;
  /// Source, after the placement change committed at `epoch`: the part
  /// now lives on `shard`; its entries are dropped here.
  errc release(inode_id dir, hash_range r, uint64_t migration, uint32_t shard,
               uint64_t epoch);
  /// Source, the migration was aborted: writes are served again.
  errc thaw(inode_id dir, hash_range r, uint64_t migration);
  /// Destination: stores the part's entries, not served until activate.
  /// Repeating it for the same migration is harmless. `requests`: the
  /// part's request records sent with a copy's first chunk, kept as a
  /// patch keeps them (EINVAL for one of another part).
  errc import(inode_id dir, hash_range r, uint64_t migration,
              std::vector<entry> entries,
              const std::vector<request_record>& requests = {});
  /// Destination, after the placement change committed at `epoch`.
  errc activate(inode_id dir, hash_range r, uint64_t migration, uint64_t epoch);
  /// Destination, the migration was aborted: its entries are dropped.
  errc discard(inode_id dir, hash_range r, uint64_t migration);
  /// Parts exporting or pending: migrations to resolve after a restart.
  std::vector<unresolved_part> unresolved() const;
  /// The part record of `dir`, or nullptr (the whole directory is here).
  const dir_parts* parts(inode_id dir) const;

  // -- views for the access log (ns_access.cpp) -----------------------------

  /// The part that serves hash `h` of `dir` here, as the PSM counts it: the
  /// range of the DAG list that covers `h`, narrowed to the received part
  /// holding `h` when that part is smaller (both are aligned blocks, so one
  /// holds the other), or at home to the largest aligned block around `h`
  /// that no part moved out overlaps. The whole range if `dir` has no DAG
  /// here.
  hash_range served_part(inode_id dir, uint64_t h) const;
  /// `list` (the range of the DAG list covering `h`) narrowed as
  /// served_part() says. Inline for the shard that never moved a part (the
  /// common case), on the request path of every counted lookup.
  hash_range held_part(inode_id dir, uint64_t h, hash_range list) const {
    return parts_.empty() ? list : narrowed_part(dir, h, list);
  }
  /// What the last request's lookup walked to: the name's hash and the
  /// range of the DAG list covering it; valid only if the last request was
  /// a lookup that found its directory's DAG. Spares the access log a
  /// second hash and walk of the hottest operation.
  struct walked {
    inode_id dir = 0;
    uint64_t hash = 0;
    hash_range list;
    bool valid = false;
  };
  const walked& last_walk() const { return last_walk_; }
  /// Entries of `dir` held here whose hash lies in `r`.
  uint64_t entries_in(inode_id dir, hash_range r) const;
  /// Every part received from another shard and served here.
  std::vector<std::pair<inode_id, hash_range>> received_parts() const;

  ns_shard_stats stats() const;

  /// The DAG of `dir`, or nullptr if the directory has none here.
  const hdag* dag(inode_id dir) const;

  /// Runs hdag::check on every DAG; returns the first problem or "".
  std::string check() const;

private:
  /// held_part() where some part of some directory moved.
  hash_range narrowed_part(inode_id dir, uint64_t h, hash_range list) const;
  ns_reply lookup(const ns_request& r);
  ns_reply insert(const ns_request& r, entry_kind k, int64_t now_ns);
  ns_reply remove(const ns_request& r, bool dir_entry);
  ns_reply readdir(const ns_request& r);
  ns_reply rmdir_step(const ns_request& r, int64_t now_ns);
  ns_reply split(const ns_request& r);
  hdag_changes& changes_of(inode_id dir);
  /// EWRONGSHARD (with the epoch in `rep.epoch`) if `r` is for a part that
  /// is not served here; ok otherwise.
  errc check_part(const ns_request& r, ns_reply& rep);
  void touch_parts(inode_id dir);
  /// Entries of `dir` in `r` after `from` in readdir order, at most `max`;
  /// `eof` unless `max` stopped it.
  std::vector<entry> range_entries(inode_id dir, hash_range r,
                                   readdir_cookie from, size_t max,
                                   bool& eof) const;
  /// The position before the first name of `r`.
  static readdir_cookie start_of(hash_range r);
  /// Erases the entries of part `r`; returns how many there were.
  size_t drop_range(inode_id dir, hash_range r);
  /// Stores `entries` (checked) in `dir`, replacing equal names.
  void put_entries(inode_id dir, std::vector<entry> entries);
  /// A part being copied while it serves (ns_copy.cpp).
  struct copy_session {
    inode_id dir = 0;
    hash_range range;
    uint64_t migration = 0;
    int64_t last_ns = 0; ///< last chunk or freeze (the lease runs from it)
    bool frozen = false;
    std::unordered_set<uint64_t> touched; ///< name hashes written meanwhile
    /// The first request record kept after the copy began: records from it
    /// on go with the delta, the earlier ones with the chunks.
    uint64_t request_mark = 0;
    /// The part's records kept before the copy began, by hash: each chunk
    /// carries those among its hashes.
    std::vector<request_record> records;
  };
  std::vector<copy_session> copies_;
  /// Ranges of directories whose stored entries are no longer held here.
  std::vector<std::pair<inode_id, hash_range>> garbage_;
  /// Fills garbage_ from the part records and the DAGs (restore).
  void find_garbage();
  /// Drops at once the garbage of `dir` overlapping `r` (a part arrives).
  void purge_garbage(inode_id dir, hash_range r);
  copy_session* copy_of(inode_id dir, uint64_t migration);
  /// The records of copy `c` (kept before it began) that go with a chunk:
  /// hashes above `*after` (from the range's start without it) up to
  /// `*last` (to its end without it).
  static std::vector<request_record> chunk_records(const copy_session& c,
                                                   const uint64_t* after,
                                                   const uint64_t* last);
  /// A write touched hash `hash` of `dir`: copies of it record that.
  void record_copy(inode_id dir, uint64_t hash);
  /// Drops copies whose lease lapsed (a frozen one waits for its end).
  void expire_copies(int64_t now_ns);
  /// Ends the copy of `migration` (thaw, release), if any; true if there was.
  /// The migration is remembered as ended: a first chunk of it that comes
  /// later (sent before the abort, delivered after) starts no copy.
  bool end_copy(uint64_t migration);
  /// Migrations whose copy ended here lately, newest last (memory only).
  std::deque<uint64_t> ended_;
  static constexpr size_t max_ended = 1024;
  /// EBUSY if a copy of another migration overlaps `r` of `dir`.
  errc copy_conflict(inode_id dir, hash_range r, uint64_t migration) const;
  /// Part `r` of `dir` is frozen for `migration` (its export began).
  bool exporting(inode_id dir, hash_range r, uint64_t migration) const;
  /// The checks begin_export makes before it freezes part `r` of `dir`.
  errc export_check(inode_id dir, hash_range r, uint64_t migration) const;
  std::unordered_map<inode_id, dir_parts> parts_;
  std::vector<inode_id> touched_parts_;
  /// Parts this shard held as a guest and released, newest last (memory
  /// only): a request that still comes here is told where they went.
  std::deque<std::pair<inode_id, part_redirect>> left_;
  static constexpr size_t max_left = 1024;
  /// Where the part of `dir` holding hash `h` went from here, if known.
  const part_redirect* went(inode_id dir, uint64_t h) const;

  uint32_t shard_id_;
  ns_shard_config cfg_;
  std::unordered_map<inode_id, hdag> dags_;
  std::unordered_set<inode_id> dead_; ///< removed directories
  /// Directories between rmdir prepare and commit, with the lease's end (ns).
  std::unordered_map<inode_id, int64_t> closing_;
  /// Directories whose rmdir lease lapsed: they may have been unlinked by
  /// the rmdir that was abandoned, so a cached handle of one is not
  /// trusted (in memory: a restart forgets them).
  std::unordered_set<inode_id> abandoned_;
  bool is_closing(inode_id dir, int64_t now_ns);
  /// ESTALE: `r` addresses a directory removed, or (on a cached handle)
  /// being removed or abandoned by its rmdir.
  bool is_stale(const ns_request& r, int64_t now_ns);
  std::map<inode_id, hdag_changes> pending_;
  /// What changed and is not yet durable, by the granularity readers need.
  struct dirty_set {
    std::unordered_set<inode_id> dirs;    ///< any change in the directory
    std::unordered_set<uint64_t> names;   ///< key_of(dir, name hash)
    std::unordered_set<inode_id> removed; ///< directory removal pending
  };
  static uint64_t key_of(inode_id dir, uint64_t hash);
  void mark_name(inode_id dir, uint64_t hash);
  bool name_dirty(inode_id dir, uint64_t hash) const;
  bool dir_dirty(inode_id dir) const;
  bool waits(const ns_request& r, const ns_reply& rep) const;

  /// Request records by request id, and (seq, id) oldest first (a seq
  /// whose id has a newer record is skipped).
  std::unordered_map<uint64_t, request_record> requests_;
  std::deque<std::pair<uint64_t, uint64_t>> request_order_;
  uint64_t next_request_ = 1;
  std::vector<request_record> new_requests_; ///< not yet taken into a batch
  uint64_t requests_from_ = 0;               ///< likewise
  /// The record of `r` if it was answered before (same id, dir and name).
  const request_record* recorded(const ns_request& r) const;
  /// Records `r`, answered `rep` at `now_ns`, if that answer is one to
  /// keep (recorded_answer), and drops the records that are too old or too
  /// many. A failed answer's record makes the name dirty, so that the
  /// answer waits until the record is durable.
  void record_request(const ns_request& r, const ns_reply& rep, int64_t now_ns);
  /// Whether every record is of part (`dir`, `r`) and well formed.
  bool valid_requests(inode_id dir, hash_range r,
                      const std::vector<request_record>& requests) const;
  /// Keeps the records a patch (or a copy's import) brought that are not
  /// kept yet; EINVAL (and nothing kept) if one is not of part (`dir`, `r`).
  errc adopt_requests(inode_id dir, hash_range r,
                      const std::vector<request_record>& requests);
  /// adopt_requests without its check (the caller made it).
  void keep_new_requests(const std::vector<request_record>& requests);
  /// Keeps `x` as the next record (its seq assigned here) and drops the
  /// records older than `now_ns` allows, or too many.
  void keep_record(request_record x, int64_t now_ns);

  dirty_set pending_dirty_;   ///< not yet taken into a batch
  dirty_set in_flight_dirty_; ///< taken, not yet durable
  std::vector<inode_id> new_dead_;
  uint64_t next_seq_ = 1;
  uint64_t next_row_ = 1;
  ns_shard_stats counters_;
  walked last_walk_;
};

/// Inode numbers allocated by shard `shard_id`: (shard_id + 1) << 44 | seq.
inode_id make_ino(uint32_t shard_id, uint64_t seq);

} // namespace ds
