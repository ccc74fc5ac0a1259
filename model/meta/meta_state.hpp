// The metadata state machine: cluster settings (versioned keys), the
// placement map (parts of directories that live somewhere other than their
// home shard, with a placement epoch that only grows) and the record of
// migrations that move them. Pure: commands in, results out, applied in log
// order by every replica of the metadata Raft group.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "model/meta/meta_command.hpp"
#include "model/namespace/errc.hpp"
#include "model/namespace/parts.hpp"
#include "model/namespace/types.hpp"

namespace ds {

struct meta_result {
  // A constructor rather than an aggregate, so that the many results made
  // from their first fields need not spell out `detail`.
  meta_result(errc code = errc::ok, uint64_t version = 0, uint64_t epoch = 0,
              uint64_t migration = 0, std::string detail = {})
      : code(code), version(version), epoch(epoch), migration(migration),
        detail(std::move(detail)) {}
  errc code = errc::ok;
  uint64_t version = 0;   ///< config_set: the key's version after the command
  uint64_t epoch = 0;     ///< placement epoch (migration_*: of that move)
  uint64_t migration = 0; ///< migration_begin: the new migration's id
  std::string detail;     ///< why a command was refused, for people
  /// migration_commit, and a move's answer: the entries moved (as
  /// migration_record::entries).
  uint64_t entries = 0;
};

/// The field list of meta_result (serialization and printing).
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, meta_result& x) {
  return f(x.code, x.version, x.epoch, x.migration, x.detail, x.entries);
}

/// Where one part of a directory lives, since which epoch.
struct placement_entry {
  hash_range range;
  uint32_t shard = 0;
  uint64_t epoch = 0;
};

/// The field list of placement_entry (serialization and printing).
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, placement_entry& x) {
  return f(x.range, x.shard, x.epoch);
}

/// Every part of one directory placed away from the home (sorted by hash)
/// and the placement epoch of the whole map when it was read.
struct dir_placement {
  inode_id dir = 0;
  uint64_t epoch = 0;
  std::vector<placement_entry> parts;
};

/// The field list of dir_placement (serialization and printing).
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, dir_placement& x) {
  return f(x.dir, x.epoch, x.parts);
}

struct migration_record {
  enum state_t : uint8_t { started, committed, aborted };
  uint64_t id = 0;
  inode_id dir = 0;
  hash_range range;
  uint32_t from = 0;
  uint32_t to = 0;
  state_t state = started;
  uint64_t epoch = 0;    ///< committed: the placement epoch it took effect at
  std::string owner;     ///< who drives it (a node id)
  uint64_t progress = 0; ///< started: grows while its driver is at work
  int64_t begun_ns = 0;  ///< the begin's proposer clock (0: not known)
  int64_t ended_ns = 0;  ///< the commit's or abort's proposer clock
  /// Finished, and both shards have done their side (migration_settled):
  /// the record may be pruned.
  bool settled = false;
  /// Entries the driver sent to the destination (the copy's chunks and
  /// the delta; an entry written during the copy may be sent twice):
  /// committed, the final count its commit carried; started or aborted,
  /// the latest its progress reports gave.
  uint64_t entries = 0;
};

/// The field list of migration_record (serialization and printing).
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, migration_record& x) {
  return f(x.id, x.dir, x.range, x.from, x.to, x.state, x.epoch, x.owner,
           x.progress, x.begun_ns, x.ended_ns, x.settled, x.entries);
}

/// When a part last moved, kept after the record of that move was pruned
/// so that the quiet time (move-quiet-time) still sees it.
struct moved_part {
  hash_range range;
  int64_t at_ns = 0;      ///< the commit's proposer clock
  uint64_t migration = 0; ///< the move (its record may be gone)
  bool operator==(const moved_part& o) const {
    return range == o.range && at_ns == o.at_ns && migration == o.migration;
  }
};

/// How many finished migration records the metadata store keeps, and for
/// how long (the node settings migration-history and
/// migration-history-age; migration_settled carries them).
struct migration_history {
  uint32_t keep = 1000;
  int64_t age_ns = int64_t{7} * 86400 * 1'000'000'000;
};

/// A page of the migration records: those with an id above `after`, oldest
/// first, at most `limit` of them (0: max_migration_page); or, if
/// `unsettled_only`, every record not settled yet (what the routers' scans
/// need), whatever `after` and `limit` say.
struct migration_query {
  uint64_t after = 0;
  uint32_t limit = 0;
  bool unsettled_only = false;
};

/// The field list of migration_query (serialization and printing).
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, migration_query& x) {
  return f(x.after, x.limit, x.unsettled_only);
}

/// Most records in one page.
constexpr uint32_t max_migration_page = 10000;

/// The answer to a migration_query.
struct migration_page {
  std::vector<migration_record> records;
  uint64_t total = 0;   ///< records kept now
  uint64_t next_id = 1; ///< the id the next move gets: an id below it that
                        ///< is not kept was settled and pruned
  bool more = false;    ///< records above the last one returned remain
  /// Entries moved by every committed move so far, pruned records
  /// included (meta_state::entries_moved()).
  uint64_t entries_moved = 0;
};

/// The field list of migration_page (serialization and printing).
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, migration_page& x) {
  return f(x.records, x.total, x.next_id, x.more, x.entries_moved);
}

/// "started", "committed" or "aborted".
const char* to_string(migration_record::state_t x);

struct config_entry {
  std::string key;
  std::string value;
  uint64_t version = 0; ///< 1 for the first set, +1 for every set after
};

/// The field list of config_entry (serialization and printing).
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, config_entry& x) {
  return f(x.key, x.value, x.version);
}

/// Limits on settings: keys 1..128 bytes of [A-Za-z0-9._-], values up to
/// 64 KiB.
constexpr size_t max_config_key = 128;
constexpr size_t max_config_value = 65536;

/// Checks a settings key; returns ok or einval.
errc validate_config_key(const std::string& key);

/// The setting that keeps a part that moved from moving again for a while
/// (unless a move is forced): a duration, "90" or "90s" (seconds), "500ms",
/// "2m"; default 60 s.
constexpr const char* move_quiet_time_key = "move-quiet-time";
constexpr int64_t default_move_quiet_time_ns = int64_t{60} * 1'000'000'000;

/// Parses a duration setting (see move_quiet_time_key) into ns; false if
/// malformed or over a day.
bool parse_duration_ns(const std::string& text, int64_t& ns);

/// Checks what a command says by itself, before it goes to the log (a
/// settings key and the size of its value); returns ok or einval. apply()
/// checks the same again.
errc validate_command(const meta_command& cmd);

/// One recorded planning of the PSM (psm_record, as kept).
struct psm_planning {
  int64_t at = 0;
  std::string policy;
  uint32_t count = 0;
  std::string decisions; ///< encode_decisions()
  std::string node;      ///< where it was planned
  uint32_t series = 0;   ///< parts planned over
  uint64_t cost_us = 0;  ///< its cost, microseconds
};

/// The field list of psm_planning (serialization and printing).
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, psm_planning& x) {
  return f(x.at, x.policy, x.count, x.decisions, x.node, x.series, x.cost_us);
}

/// Largest encoded planning accepted (a planning's decisions are bounded by
/// its budget; this only stops a runaway command).
constexpr size_t max_psm_record = 1 << 20;

class meta_state {
public:
  /// Applies one command; a refused command (bad key, version conflict)
  /// changes nothing. Each kind has its own apply_one() below.
  meta_result apply(const meta_command& cmd);

  std::optional<config_entry> config(const std::string& key) const;
  std::vector<config_entry> config_list() const;

  uint64_t epoch() const { return epoch_; }
  /// The parts of `dir` placed away from its home, with the current epoch.
  dir_placement placement(inode_id dir) const;
  const std::map<inode_id, std::vector<placement_entry>>& placements() const {
    return placed_;
  }
  const std::map<uint64_t, migration_record>& migrations() const {
    return migrations_;
  }

  /// The id the next migration_begin gets (ids are never reused, also
  /// after their records were pruned).
  uint64_t next_migration() const { return next_migration_; }
  /// The last move time of parts whose move record was pruned.
  const std::map<inode_id, std::vector<moved_part>>& moved() const {
    return moved_;
  }
  /// A page of the records (see migration_query).
  migration_page migrations_page(const migration_query& q) const;
  /// The sum of the entries of every committed move, also of those whose
  /// records were pruned: it only grows (a counter for the metrics).
  uint64_t entries_moved() const { return entries_moved_; }

  /// The PSM's recorded plannings, oldest first.
  const std::deque<psm_planning>& plannings() const { return plannings_; }

  /// Replaces the whole state (a loaded or received snapshot);
  /// `next_migration` 0: one above the highest id in `migrations`.
  void restore(std::vector<config_entry> config,
               std::map<inode_id, std::vector<placement_entry>> placed,
               std::map<uint64_t, migration_record> migrations, uint64_t epoch,
               std::deque<psm_planning> plannings = {},
               uint64_t next_migration = 0,
               std::map<inode_id, std::vector<moved_part>> moved = {},
               uint64_t entries_moved = 0);

private:
  meta_result apply_one(const config_set& cmd);
  meta_result apply_one(const migration_begin& cmd);
  meta_result apply_one(const migration_commit& cmd);
  meta_result apply_one(const migration_abort& cmd);
  meta_result apply_one(const psm_record& cmd);
  meta_result apply_one(const migration_progress& cmd);
  meta_result apply_one(const migration_settled& cmd);
  /// Drops the settled records beyond `cmd`'s bound, oldest first, and the
  /// moved_ times that no quiet time can reach any more.
  void prune(const migration_settled& cmd);
  /// EBUSY (with a detail) if an overlapping part of `cmd.dir` moved within
  /// the quiet time before `cmd.now_ns`.
  meta_result quiet_check(const migration_begin& cmd) const;

  std::map<std::string, config_entry> config_;
  std::map<inode_id, std::vector<placement_entry>> placed_;
  std::map<uint64_t, migration_record> migrations_;
  uint64_t epoch_ = 0;
  std::deque<psm_planning> plannings_;
  uint64_t next_migration_ = 1;
  std::map<inode_id, std::vector<moved_part>> moved_;
  uint64_t entries_moved_ = 0;
};

} // namespace ds
