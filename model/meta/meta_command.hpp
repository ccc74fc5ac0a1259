// The commands of the metadata state machine, one plain struct each, and
// meta_command, the variant that the Raft log and the metadata protocol
// carry. Each struct holds only the fields its command means, and its
// `inspect` beside it is that field list (for CAF, for printing, and for
// the log's encoding: see meta_codec.cpp). The variant's own inspect for CAF
// is in messages/meta.hpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <variant>

#include "model/namespace/parts.hpp"
#include "model/namespace/types.hpp"
#include "model/variant_kind.hpp"

namespace ds {

/// Sets a cluster setting; its version grows by one.
struct config_set {
  std::string key;
  std::string value;
  /// Applies only if the key is at this version (0: does not exist yet);
  /// meant only if `conditional` (so that 0 stays a real version).
  uint64_t if_version = 0;
  bool conditional = false;
  bool operator==(const config_set& o) const {
    return key == o.key && value == o.value && if_version == o.if_version &&
           conditional == o.conditional;
  }
};

/// Starts moving part `range` of directory `dir` from shard `from` to `to`.
/// The state machine reads no clock: `now_ns` is the proposer's (wall
/// clock, ns since the epoch; 0 in entries written before it existed, which
/// skip the checks that need it).
struct migration_begin {
  inode_id dir = 0;
  hash_range range;
  uint32_t from = 0;
  uint32_t to = 0;
  std::string owner; ///< who drives it (a node id), for operators
  int64_t now_ns = 0;
  bool force = false; ///< move even within the part's quiet time
  bool operator==(const migration_begin& o) const {
    return dir == o.dir && range == o.range && from == o.from && to == o.to &&
           owner == o.owner && now_ns == o.now_ns && force == o.force;
  }
};

/// The move `migration` takes effect: the placement changes (the commit
/// point of a move). `now_ns`: the proposer's clock (see migration_begin).
/// `entries`: the final count of entries the driver sent to the
/// destination (the copy's chunks and the delta; 0 in entries written
/// before it existed).
struct migration_commit {
  uint64_t migration = 0;
  int64_t now_ns = 0;
  uint64_t entries = 0;
  bool operator==(const migration_commit& o) const {
    return migration == o.migration && now_ns == o.now_ns &&
           entries == o.entries;
  }
};

/// The move `migration` is called off (too late once it committed).
struct migration_abort {
  uint64_t migration = 0;
  int64_t now_ns = 0; ///< the proposer's clock (see migration_begin)
  bool operator==(const migration_abort& o) const {
    return migration == o.migration && now_ns == o.now_ns;
  }
};

/// The driver of a started move is alive and at work: its progress count
/// grows. A move whose count stops growing has lost its driver. `entries`:
/// the entries it has sent to the destination so far (the record keeps the
/// largest count it was told; 0 in entries written before it existed).
struct migration_progress {
  uint64_t migration = 0;
  uint64_t entries = 0;
  bool operator==(const migration_progress& o) const {
    return migration == o.migration && entries == o.entries;
  }
};

/// Both shards of the finished (committed or aborted) move `migration`
/// have done their side: the source released or thawed the part, the
/// destination activated or discarded it, and neither reports it any more.
/// Only a settled record may be pruned: after it, the state machine prunes
/// the settled records beyond the bound the command carries (the proposer's
/// node settings migration-history and migration-history-age), so that
/// every replica prunes the same records whatever its own settings.
struct migration_settled {
  uint64_t migration = 0;
  int64_t now_ns = 0;   ///< the proposer's clock (see migration_begin)
  uint32_t keep = 1000; ///< most records kept (unsettled ones always stay)
  int64_t keep_ns = int64_t{7} * 86400 * 1'000'000'000; ///< age bound, ns
  bool operator==(const migration_settled& o) const {
    return migration == o.migration && now_ns == o.now_ns && keep == o.keep &&
           keep_ns == o.keep_ns;
  }
};

/// One planning of the PSM: its decisions, kept with a bounded retention
/// (the metadata state keeps at most `keep` decisions, none older than
/// `keep_slots` before the newest planning). A planning is recorded once:
/// one at or before the newest recorded is refused (ECONFLICT), so a
/// planner that takes over cannot record a period twice.
struct psm_record {
  int64_t at = 0;         ///< the planning's slot
  std::string policy;     ///< psm.policy when it planned
  uint32_t count = 0;     ///< decisions in `decisions`
  std::string decisions;  ///< encode_decisions() (psm/plan/decision_codec)
  uint32_t keep = 10000;  ///< psm.decisions-kept
  int64_t keep_slots = 0; ///< age bound, in slots (covers the quiet time)
  std::string node;       ///< the node whose planner planned
  uint32_t series = 0;    ///< parts it planned over
  uint64_t cost_us = 0;   ///< time the planning took, microseconds
  bool operator==(const psm_record& o) const {
    return at == o.at && policy == o.policy && count == o.count &&
           decisions == o.decisions && keep == o.keep &&
           keep_slots == o.keep_slots && node == o.node && series == o.series &&
           cost_us == o.cost_us;
  }
};

/// One command of the metadata log. The alternatives' order is their kind
/// number (kind_of, emplace_kind) in the log's encoding and on the wire:
/// append, never reorder.
using meta_command =
    std::variant<config_set, migration_begin, migration_commit, migration_abort,
                 psm_record, migration_progress, migration_settled>;

/// The name of `c`'s kind: its alternative's type name ("config_set",
/// "migration_begin", ...).
const char* kind_name(const meta_command& c);

// The field lists below are also the log's encoding of each command
// (version 6, meta_codec.cpp), in this order: changing one changes what
// raft.db files hold, so it takes a new version of the encoding there (the
// golden bytes in meta_codec_test.cpp catch an accidental change). Fields
// are only ever appended: version 3 of a kind is the first v3_fields() of
// its list; version 5 is the first v5_fields(); version 4 is version 5
// without the kinds after migration_progress.

/// How many leading fields of each kind's list version 3 had (0: the kind
/// did not exist; psm_record: all of them, it is unchanged since).
inline uint32_t v3_fields(std::size_t kind) {
  constexpr uint32_t n[] = {4, 5, 1, 1, UINT32_MAX};
  return kind < 5 ? n[kind] : 0;
}

/// How many leading fields of each kind's list version 5 (and 4) had:
/// all but the `entries` that version 6 appended to migration_commit and
/// migration_progress.
inline uint32_t v5_fields(std::size_t kind) {
  return kind == 2 ? 2 : kind == 5 ? 1 : UINT32_MAX;
}

/// How many kinds version 4 of the log's encoding had (those before
/// migration_settled).
constexpr std::size_t v4_kinds = 6;

/// The field list of config_set.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, config_set& x) {
  return f(x.key, x.value, x.if_version, x.conditional);
}

/// The field list of migration_begin (the range as two plain fields, as
/// the log's encoding stores it).
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, migration_begin& x) {
  return f(x.dir, x.range.lo, x.range.hi, x.from, x.to, x.owner, x.now_ns,
           x.force);
}

/// The field list of migration_commit.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, migration_commit& x) {
  return f(x.migration, x.now_ns, x.entries);
}

/// The field list of migration_abort.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, migration_abort& x) {
  return f(x.migration, x.now_ns);
}

/// The field list of migration_settled.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, migration_settled& x) {
  return f(x.migration, x.now_ns, x.keep, x.keep_ns);
}

/// The field list of migration_progress.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, migration_progress& x) {
  return f(x.migration, x.entries);
}

} // namespace ds

namespace ds {

/// The field list of psm_record.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, psm_record& x) {
  return f(x.at, x.policy, x.count, x.decisions, x.keep, x.keep_slots, x.node,
           x.series, x.cost_us);
}

} // namespace ds
