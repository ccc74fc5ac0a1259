// Durable storage of the metadata state machine for a single replica:
// settings and the placement map, written through one transaction per
// command before the command is answered.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "model/meta_state.hpp"
#include "storage/shard_store.hpp"

namespace ds {

class meta_store {
public:
  virtual ~meta_store() = default;
  /// Reads the stored state into `out`.
  virtual void load(meta_state& out) = 0;
  /// Makes the effect of `cmds` (already applied to `state` successfully,
  /// in order) durable in one transaction. Throws sql::storage_error.
  virtual void persist(const std::vector<meta_command>& cmds,
                       const meta_state& state) = 0;
};

std::unique_ptr<meta_store> make_memory_meta_store();

/// Opens or creates `path`; an existing file is checked read-only first (a
/// SQLite database, ours, integrity, schema) and refused untouched on any
/// mismatch.
std::unique_ptr<meta_store> open_sqlite_meta_store(const std::string& path,
                                                   sync_mode sync);

} // namespace ds
