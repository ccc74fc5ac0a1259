// The metadata state machine: cluster settings (versioned keys) and the
// placement map (DAG nodes that live somewhere other than their default,
// with a placement epoch that only grows). Pure: commands in, results out,
// applied in log order. A single replica persists it directly today; a Raft
// group applies the same commands from its log.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "model/errc.hpp"
#include "model/types.hpp"

namespace ds {

struct meta_command {
  enum kind_t : uint8_t { config_set, placement_set, placement_clear };
  kind_t kind = config_set;
  std::string key;          ///< config_set
  std::string value;        ///< config_set
  uint64_t if_version = 0;  ///< config_set: apply only at this version (0: any)
  bool conditional = false; ///< config_set: if_version is meant (0 = absent)
  inode_id dir = 0;         ///< placement_*
  node_id node = 0;         ///< placement_*
  uint32_t shard = 0;       ///< placement_set
};

struct meta_result {
  errc code = errc::ok;
  uint64_t version = 0; ///< config_set: the key's version after the command
  uint64_t epoch = 0;   ///< placement epoch after the command
};

struct config_entry {
  std::string key;
  std::string value;
  uint64_t version = 0; ///< 1 for the first set, +1 for every set after
};

/// Limits on settings: keys 1..128 bytes of [A-Za-z0-9._-], values up to
/// 64 KiB.
constexpr size_t max_config_key = 128;
constexpr size_t max_config_value = 65536;

/// Checks a settings key; returns ok or einval.
errc validate_config_key(const std::string& key);

class meta_state {
public:
  /// Applies one command; a refused command (bad key, version conflict)
  /// changes nothing.
  meta_result apply(const meta_command& cmd);

  std::optional<config_entry> config(const std::string& key) const;
  std::vector<config_entry> config_list() const;

  uint64_t epoch() const { return epoch_; }
  /// The shard of a DAG node placed away from its default, if any.
  std::optional<uint32_t> placement(inode_id dir, node_id node) const;
  const std::map<std::pair<inode_id, node_id>, uint32_t>& moved() const {
    return moved_;
  }

  /// Replaces the whole state (a loaded or received snapshot).
  void restore(std::vector<config_entry> config,
               std::map<std::pair<inode_id, node_id>, uint32_t> moved,
               uint64_t epoch);

private:
  std::map<std::string, config_entry> config_;
  std::map<std::pair<inode_id, node_id>, uint32_t> moved_;
  uint64_t epoch_ = 0;
};

} // namespace ds
