// The metadata replica actor: applies meta_commands to the metadata state
// machine and persists each before answering. Detached: SQLite blocks.
#pragma once

#include <memory>

#include "messages/meta.hpp"
#include "storage/meta_store.hpp"

namespace ds {

struct metadata_state {
  meta_state state;
  std::shared_ptr<meta_store> store;
  static inline const char* name = "dagshard.metadata";
};

/// `store` must be loaded into nothing yet: the actor loads it.
metadata_actor::behavior_type
metadata_behavior(metadata_actor::stateful_pointer<metadata_state> self,
                  std::shared_ptr<meta_store> store);

} // namespace ds
