// What `dagctl move` shows on a terminal while a move runs: the state of its
// migration as the metadata store records it, polled from the node.
#pragma once

#include <memory>
#include <string>

#include "client/client.hpp"
#include "tools/common/cli.hpp"

namespace ds::dagctl {

/// The line shown for a migration record: its id, state (with the epoch
/// once committed), the entries its driver has sent to the destination
/// (recorded at most once a second while it copies; the final count once
/// committed), and how often the driver has renewed its lease (one a third
/// of the move lease, that keep a slow move alive).
std::string move_status(const migration_record& m);

/// Polls the node's migrations every 250 ms on a thread of its own, from
/// construction until destruction or finish(), and shows on `bar` the
/// record of the move of `range` in directory `dir` that began after
/// construction (one whose id is at or above the next id the metadata
/// store would give then). Does nothing when `bar` is not active (not a
/// terminal, or --json).
class move_watch {
public:
  move_watch(client cl, inode_id dir, hash_range range, cli::progress& bar);
  ~move_watch();
  move_watch(const move_watch&) = delete;
  move_watch& operator=(const move_watch&) = delete;

  /// Stops polling (at once) and draws the bar's final line: the record's
  /// last state, or `outcome` when no record of the move was seen.
  void finish(const std::string& outcome);

private:
  struct shared;
  std::shared_ptr<shared> s_;
};

} // namespace ds::dagctl
