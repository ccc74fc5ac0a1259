// The leader's view of one follower's log (Raft paper: nextIndex,
// matchIndex), with the flow control of etcd/raft's probe/replicate/snapshot
// states.
#pragma once

#include "model/raft/types.hpp"

#include <algorithm>
#include <cstddef>
#include <deque>

namespace ds::raft {

/// How the leader currently sends to a follower.
enum class progress_state : std::uint8_t {
  /// next is a guess: send one append, then wait for its answer.
  probe,
  /// the follower matched; stream appends optimistically (bounded inflight).
  replicate,
  /// a snapshot is on its way; send nothing until it is acknowledged.
  snapshot,
};

/// Replication progress of one server, kept by the leader.
struct progress {
  index_t match = 0; ///< highest index known to match
  index_t next = 1;  ///< next index to send
  progress_state state = progress_state::probe;
  bool probe_sent = false;      ///< probe: an append is outstanding
  index_t pending_snapshot = 0; ///< snapshot: index of the snapshot sent
  int snapshot_ticks = 0;       ///< snapshot: ticks spent waiting
  bool recent_active = false;   ///< heard from it since the last quorum check
  std::uint64_t read_ack = 0;   ///< highest ReadIndex sequence it echoed
  std::deque<index_t> inflight; ///< replicate: last index of each append

  /// Switches to probing from `match + 1` (or keeps a lower guess).
  void become_probe() {
    if (state == progress_state::snapshot)
      next = std::max(match + 1, pending_snapshot + 1);
    else
      next = match + 1;
    state = progress_state::probe;
    probe_sent = false;
    pending_snapshot = 0;
    inflight.clear();
  }
  /// Switches to streaming right after `match`.
  void become_replicate() {
    state = progress_state::replicate;
    next = match + 1;
    probe_sent = false;
    inflight.clear();
  }
  /// Records that a snapshot at index `i` was sent.
  void become_snapshot(index_t i) {
    state = progress_state::snapshot;
    pending_snapshot = i;
    snapshot_ticks = 0;
    probe_sent = false;
    inflight.clear();
  }
  /// True if nothing may be sent now.
  bool paused(std::size_t max_inflight) const {
    switch (state) {
    case progress_state::probe:
      return probe_sent;
    case progress_state::replicate:
      return inflight.size() >= max_inflight;
    case progress_state::snapshot:
      return true;
    }
    return true;
  }
  /// Drops inflight appends acknowledged up to `i`.
  void free_inflight(index_t i) {
    while (!inflight.empty() && inflight.front() <= i)
      inflight.pop_front();
  }
};

} // namespace ds::raft
