// What the memory and SQLite group log stores share: the checks of a bundle
// of readies and the deferral of commit-only changes, against an in-memory
// shadow of each group's hard state and log bounds. A backend only writes.
// Internal to storage/raft.
#pragma once

#include <map>
#include <set>

#include "storage/raft/group_log_store.hpp"

namespace ds::detail {

/// What the store knows of one group without reading its log.
struct group_shadow {
  raft::hard_state hard;    ///< as written (commit maybe older than `commit`)
  raft::index_t commit = 0; ///< newest commit index, maybe not yet written
  raft::index_t snap = 0;   ///< snapshot point
  raft::index_t last = 0;   ///< last log index (snap if no entries)
};

/// One group's part of a transaction: its ready (null if only a deferred
/// commit index is written) and the hard state to write.
struct group_write {
  uint32_t group = 0;
  const raft::ready* rd = nullptr;
  raft::hard_state hard;
};

class group_log_base : public group_log_store {
public:
  std::vector<uint32_t> groups() override;
  raft::restored_state load(uint32_t group) override;
  void save(const std::vector<group_ready>& readies) override;
  void compact(uint32_t group, const raft::snapshot_meta& meta,
               std::string_view data) override;
  void drop(uint32_t group) override;

protected:
  /// Starts from what the backend found stored.
  void restore(std::map<uint32_t, group_shadow> shadows) {
    shadow_ = std::move(shadows);
  }

  /// Writes all of `ws` atomically and durably, in order (a ready's
  /// snapshot replaces the group's whole log, its entries replace the
  /// stored ones from their first index on); throws and writes nothing on
  /// failure.
  virtual void write(const std::vector<group_write>& ws) = 0;
  /// Records a snapshot point and drops the entries up to it, atomically.
  virtual void write_compact(uint32_t group, const raft::snapshot_meta& meta,
                             std::string_view data) = 0;
  /// Forgets a group, atomically.
  virtual void erase(uint32_t group) = 0;
  /// Reads a group's stored state (checked: contiguous, well formed).
  virtual raft::restored_state read(uint32_t group) = 0;

private:
  std::map<uint32_t, group_shadow> shadow_;
  std::set<uint32_t> deferred_; ///< groups whose commit is not yet written
};

/// What a group's shadow is for a stored state.
group_shadow shadow_of(const raft::restored_state& rs);

} // namespace ds::detail
