// The Raft log as the core sees it: the latest snapshot, the entries after
// it, and the marks `stable` (persisted), `committed` and `applied`.
#pragma once

#include "model/raft/types.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace ds::raft {

/// The in-memory log of one server. Holds every entry after the latest
/// snapshot; entries above `stable()` are not yet on disk and are handed out
/// by unstable_entries() until stable_to() is called.
///
/// Invariants: snapshot index <= applied <= committed <= last_index();
/// stable() <= last_index().
class raft_log {
public:
  /// A log restored from storage: `snap` (may be empty) and the persisted
  /// entries following it (contiguous, first index snap.meta.index + 1), with
  /// the persisted commit index (clamped to the log).
  raft_log(snapshot snap, std::vector<entry> entries, index_t commit);

  /// Index of the first entry kept in memory (snapshot index + 1).
  index_t first_index() const { return snap_.meta.index + 1; }
  /// Index of the last entry, or the snapshot index if there is none.
  index_t last_index() const { return snap_.meta.index + entries_.size(); }
  /// Term of the last entry (or of the snapshot).
  term_t last_term() const;
  /// Term of the entry at `i`: known for snapshot index <= i <= last.
  std::optional<term_t> term(index_t i) const;
  /// True if the entry at `i` exists with term `t` (i = 0 always matches).
  bool match_term(index_t i, term_t t) const;
  /// Section 5.4.1: a log ending at (t, i) is at least as up to date.
  bool is_up_to_date(index_t i, term_t t) const;

  /// The entry at i; REQUIRES first_index() <= i <= last_index().
  const entry& at(index_t i) const { return entries_[i - first_index()]; }
  /// Entries [lo, hi), at most `max` of them and of at most `max_bytes` of
  /// commands, but at least one if any; REQUIRES first_index() <= lo.
  std::vector<entry> slice(index_t lo, index_t hi, std::size_t max,
                           std::size_t max_bytes = SIZE_MAX) const;

  /// Follower side of AppendEntries: if (prev, prev_term) matches, drops any
  /// conflicting suffix, appends what is new and returns the index of the
  /// last entry of `ents` (or prev); nullopt if the previous entry differs.
  std::optional<index_t> maybe_append(index_t prev, term_t prev_term,
                                      const std::vector<entry>& ents);
  /// Leader side: appends entries that continue the log.
  void append(std::vector<entry> ents);

  /// Largest index <= i whose term <= t; i itself if i is at or below the
  /// snapshot (terms unknown there), 0 if none. Used for the
  /// fast log back-off on both sides.
  index_t find_conflict_by_term(index_t i, term_t t) const;

  index_t committed() const { return committed_; }
  index_t applied() const { return applied_; }
  /// Raises the commit index; REQUIRES c <= last_index().
  void commit_to(index_t c);
  /// Commits `c` if it is higher and its entry has term `t` (section 5.4.2).
  bool maybe_commit(index_t c, term_t t);
  /// Marks entries up to `i` as applied by the application.
  void applied_to(index_t i);

  /// Last index known to be on disk.
  index_t stable() const { return stable_; }
  /// Entries above stable(): still to be persisted.
  std::vector<entry> unstable_entries() const;
  /// Records that entries up to i were persisted, if the entry at i still has
  /// term t (it may have been overwritten meanwhile).
  void stable_to(index_t i, term_t t);
  /// A snapshot received from the leader that is not yet persisted.
  const std::optional<snapshot>& pending_snapshot() const { return pending_; }
  /// Records that the pending snapshot with index i was persisted.
  void snapshot_stable(index_t i);

  /// Index of the last config entry at or below `i` still in memory, or 0.
  index_t last_config(index_t i) const;

  /// The latest snapshot (empty if none).
  const snapshot& last_snapshot() const { return snap_; }
  /// Replaces the whole log by a snapshot from the leader (it becomes
  /// pending until persisted); commit jumps to its index.
  void restore(snapshot s);
  /// The application took a snapshot at `i` (REQUIRES i <= applied()):
  /// entries up to i are dropped from memory.
  void compact(index_t i, std::string data, std::vector<node_id> voters);

private:
  void truncate_from(index_t i);
  void note_configs(
      std::size_t from); ///< records config entries from entries_[from]

  snapshot snap_;
  std::vector<entry> entries_;
  index_t committed_ = 0;
  index_t applied_ = 0;
  index_t stable_ = 0;
  std::optional<snapshot> pending_;
  std::vector<index_t> configs_; ///< indexes of config entries, ascending
};

} // namespace ds::raft
