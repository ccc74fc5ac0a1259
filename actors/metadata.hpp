// The metadata replica actor: applies meta_commands to the metadata state
// machine and persists them before answering. Detached: SQLite blocks.
// Group commit: commands that arrive while one is being handled are
// persisted together in the next transaction. Reads see only the committed
// state, so no read sees a command that was not yet acknowledged.
#pragma once

#include <memory>
#include <vector>

#include "messages/meta.hpp"
#include "storage/meta_store.hpp"

namespace ds {

struct metadata_state {
  meta_state committed;
  std::shared_ptr<meta_store> store;
  /// Commands applied to `pending` and waiting for the next transaction.
  std::vector<meta_command> batch;
  std::vector<caf::typed_response_promise<meta_result>> promises;
  std::vector<meta_result> results;
  std::unique_ptr<meta_state> pending; ///< committed + batch
  bool flush_scheduled = false;

  static inline const char* name = "dagshard.metadata";
};

/// The actor loads `store` when it starts.
metadata_actor::behavior_type
metadata_behavior(metadata_actor::stateful_pointer<metadata_state> self,
                  std::shared_ptr<meta_store> store);

} // namespace ds
