// The metadata protocol: cluster settings and the placement map, served by
// the metadata replica. One line per message.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/meta/type_name.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "messages/atoms.hpp"
#include "messages/variant_inspect.hpp"
#include "model/meta/meta_state.hpp"

namespace ds {

/// Most commands in one batch of settings.
constexpr size_t max_meta_batch = 1024;

/// The answer to a batch of commands: one result per command, in order,
/// and the Raft id of the replica that proposed them (the leader then), so
/// that the sender can address it directly next time.
struct meta_batch_reply {
  std::vector<meta_result> results;
  uint64_t leader = 0;
};

/// One replica's view of its Raft group (`dagctl raft status`).
struct raft_status {
  uint64_t id = 0;  ///< Raft id (member index + 1)
  std::string role; ///< follower, pre_candidate, candidate, leader
  uint64_t term = 0;
  uint64_t leader = 0;   ///< 0: none known
  uint64_t commit = 0;   ///< commit index
  uint64_t applied = 0;  ///< applied index
  uint64_t first = 0;    ///< first index kept in the log
  uint64_t last = 0;     ///< last index in the log
  uint64_t snapshot = 0; ///< index of the latest snapshot
  uint64_t stored = 0;   ///< entries in the on-disk log
  bool reachable = true; ///< false: this member did not answer
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, raft_status& x) {
  return f(caf::meta::type_name("ds::raft_status"), x.id, x.role, x.term,
           x.leader, x.commit, x.applied, x.first, x.last, x.snapshot, x.stored,
           x.reachable);
}

/// A kind byte, then the command's fields (messages/variant_inspect.hpp).
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, meta_command& x) {
  return detail::inspect_variant(f, x, "ds::meta_command",
                                 "unknown metadata command kind");
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, meta_batch_reply& x) {
  return f(caf::meta::type_name("ds::meta_batch_reply"), x.results, x.leader);
}

/// A metadata replica: one member of the metadata Raft group. Every node
/// runs one; commands and reads may go to any replica (a follower forwards
/// them to its leader).
using metadata_actor = caf::typed_actor<
    // Applies a command through the Raft log; answers once it is committed
    // and applied (EUNAVAILABLE if no leader is reachable in time).
    caf::replies_to<meta_atom, meta_command>::with<meta_result>,
    // Many commands at once (a router's pending settings): proposed
    // together, answered together once all have applied (or failed).
    caf::replies_to<meta_batch_atom,
                    std::vector<meta_command>>::with<meta_batch_reply>,
    // One setting, linearizable (ReadIndex); version 0: it does not exist.
    caf::replies_to<cfg_get_atom, std::string>::with<config_entry>,
    // Several settings read at one read index, one entry per key in order.
    caf::replies_to<cfg_get_many_atom,
                    std::vector<std::string>>::with<std::vector<config_entry>>,
    // Every setting, sorted by key, linearizable.
    caf::replies_to<cfg_list_atom>::with<std::vector<config_entry>>,
    // The placement of one directory's parts, linearizable.
    caf::replies_to<place_get_atom, inode_id>::with<dir_placement>,
    // Every migration record kept, oldest first, linearizable.
    caf::replies_to<migrations_atom>::with<std::vector<migration_record>>,
    // A page of the records kept (or the unsettled ones), linearizable.
    caf::replies_to<migrations_atom, migration_query>::with<migration_page>,
    // The PSM's plannings at slot `since` or later, linearizable.
    caf::replies_to<psm_plannings_atom,
                    std::int64_t>::with<std::vector<psm_planning>>,
    // Local: `who` receives (place_push, dir_placement) whenever a move of
    // a part takes effect here (pushes can be lost; epochs catch that).
    caf::reacts_to<place_sub_atom, caf::actor_addr>,
    // This replica's Raft state.
    caf::replies_to<raft_status_atom>::with<raft_status>,
    // A Raft message from another replica (msgpack bytes).
    caf::reacts_to<raft_atom, std::string>,
    // Local: the replica of Raft id `id` is now reachable at `handle`
    // (a null handle: unreachable).
    caf::reacts_to<raft_peer_atom, uint64_t, caf::strong_actor_ptr>,
    // Internal: the Raft clock and the handling of ready work.
    caf::reacts_to<raft_tick_atom>, caf::reacts_to<meta_flush_atom>>;

/// A client's settings session (client/settings_session.hpp): the sets and
/// gets its callers make while batches are on their way travel together.
using settings_session_actor = caf::typed_actor<
    // One set, answered as the gateway answers it alone.
    caf::replies_to<meta_atom, meta_command>::with<meta_result>,
    // One setting read, linearizable, answered as the gateway answers it
    // alone (gets made together share one read at the node).
    caf::replies_to<cfg_get_atom, std::string>::with<config_entry>,
    // Internal: send what is waiting.
    caf::reacts_to<meta_flush_atom>>;

} // namespace ds
