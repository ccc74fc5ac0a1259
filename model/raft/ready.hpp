// What the core asks its driver to do: the Ready bundle.
#pragma once

#include "model/raft/types.hpp"

#include <optional>
#include <string>
#include <vector>

namespace ds::raft {

/// A linearizable read may be served once the application has applied every
/// entry up to `index` (ReadIndex, Raft thesis section 6.4).
struct read_state {
  index_t index = 0;   ///< the commit index confirmed by a quorum
  std::string context; ///< the id passed to node::read_index()
};

/// Work the driver must do, in this order, before calling node::advance():
///  0. it may send `early` at once (a leader's appends and heartbeats in a
///     term whose term and vote are already persisted: Raft thesis 10.2.1,
///     the leader writes its log in parallel with replicating it; it counts
///     its own log for commitment only once persisted);
///  1. persist `snap` (if set), then `entries`, then `hard`, and sync: storage
///     first deletes every stored entry with index >= entries.front().index,
///     and a snapshot replaces the whole stored log up to its index;
///  2. only then send `messages` (they may depend on what was persisted:
///     votes, acknowledgements);
///  3. apply `snap` (if set) and then `committed`, in index order, to the
///     state machine, and serve `reads` whose index is applied. Without a
///     `snap`, this may come first: committed entries are already on a
///     quorum's disks (the leader counts its own log only once persisted);
///  4. call node::advance(ready).
/// If the driver cannot complete step 1 (I/O error), it must stop the node and
/// restart it from storage: a partially persisted ready is never sent.
struct ready {
  std::optional<hard_state> hard; ///< set if changed since the last ready
  std::optional<snapshot> snap;   ///< a snapshot received from the leader
  std::vector<entry> entries;     ///< entries to append (may overwrite)
  std::vector<message> early;     ///< may be sent before persisting
  std::vector<message> messages;  ///< to send after persisting
  std::vector<entry> committed;   ///< entries to apply, contiguous
  std::vector<read_state> reads;  ///< ReadIndex results

  /// True if there is nothing to do.
  bool empty() const {
    return !hard && !snap && entries.empty() && early.empty() &&
           messages.empty() && committed.empty() && reads.empty();
  }
};

} // namespace ds::raft
