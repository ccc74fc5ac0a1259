// A client's session for cluster settings. The sets (and, apart, the gets)
// its callers make while batches are on their way travel together as the
// next batch, in one message to the node and one back, as a connection
// shared by many callers carries their requests together. Each caller still
// waits for its own answer; each set is its own Raft command with its own
// version and result, and the gets of a batch share one linearizable read.
#pragma once

#include <cstddef>

#include <caf/fwd.hpp>
#include <caf/typed_actor.hpp>

#include "messages/ns.hpp"

namespace ds {

struct settings_session_options {
  /// A batch that gets no answer in this time fails (its callers hear
  /// request_timeout).
  caf::timespan timeout = std::chrono::seconds(10);
  /// Batches on their way at once; sets that arrive meanwhile wait.
  size_t max_in_flight = 4;
};

/// A session over the gateway `gw` (in-process or remote).
settings_session_actor spawn_settings_session(caf::actor_system& sys,
                                              gateway_actor gw,
                                              settings_session_options opts);

} // namespace ds
