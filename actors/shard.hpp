// The DAG shard actor: owns one ns_shard core and its store. Runs detached
// (its own thread) because every commit blocks on SQLite and fsync.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "messages/ns.hpp"
#include "storage/shard_store.hpp"

namespace ds {

struct shard_state {
  /// Requests answered only after the next commit (group commit).
  struct waiting {
    caf::typed_response_promise<std::vector<ns_reply>> rp;
    std::vector<ns_reply> replies;
  };

  shard_actor::pointer self = nullptr;
  std::shared_ptr<ns_shard> core;
  std::shared_ptr<shard_store> store;
  std::vector<waiting> queue;
  size_t queued_requests = 0;
  bool flush_scheduled = false;

  /// Most requests that wait for one commit before the shard commits inline
  /// (bounds latency and memory when the mailbox never drains).
  static constexpr size_t max_group = 16384;

  caf::result<std::vector<ns_reply>> serve(std::vector<ns_request>& reqs);
  void flush();
  shard_info info() const;

  static inline const char* name = "dagshard.shard";
};

/// Spawn with sys.spawn<caf::detached>(shard_behavior, core, store).
/// `core` must already be restored from `store`.
shard_actor::behavior_type
shard_behavior(shard_actor::stateful_pointer<shard_state> self,
               std::shared_ptr<ns_shard> core,
               std::shared_ptr<shard_store> store);

} // namespace ds
