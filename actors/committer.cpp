// A shard's committer: the actor, on a thread of its own, that writes the
// shard's store. For a replica of a shard group it is the group's sink:
// it writes committed entries in log order, tells the host how far the
// store is durable (so the group's log can be compacted), and cuts or
// installs the snapshots that catch up a replica behind the compacted log.
#include <algorithm>

#include <caf/all.hpp>

#include "actors/log.hpp"
#include "actors/shard.hpp"
#include "storage/batch_codec.hpp"
#include "storage/sqlite.hpp"

namespace ds {

void committer_state::apply_group(const std::vector<group_entry>& es) {
  if (failed)
    return;
  std::vector<commit_batch> batches;
  uint64_t last = applied;
  try {
    for (const group_entry& e : es) {
      if (e.index <= last)
        continue; // written before a restart of the group's host
      if (e.index != last + 1)
        throw sql::storage_error("the shard group's entries jump from " +
                                 std::to_string(last) + " to " +
                                 std::to_string(e.index) +
                                 ": this replica needs a snapshot");
      if (!e.data.empty())
        batches.push_back(decode_commit_batch(e.data));
      last = e.index;
    }
    if (last == applied)
      return;
    store->apply_group(batches, last);
    applied = last;
  } catch (const std::exception& e) {
    failed = true;
    log_event(log_level::error, "shard",
              "a shard group's entries cannot be written; this replica stops "
              "applying",
              {{"error", e.what()}});
  }
}

caf::result<commit_batch, uint64_t> committer_state::load_all() {
  if (failed)
    return caf::make_error(caf::sec::runtime_error, "store failed before");
  try {
    loaded_shard l = store->load();
    uint64_t applied = l.applied;
    return {whole_batch(std::move(l)), applied};
  } catch (const std::exception& e) {
    return caf::make_error(caf::sec::runtime_error, e.what());
  }
}

caf::result<std::vector<std::string>, uint64_t>
committer_state::snapshot(uint64_t bytes) {
  if (failed)
    return caf::make_error(caf::sec::runtime_error, "store failed before");
  try {
    loaded_shard l = store->load();
    uint64_t applied = l.applied;
    return {split_commit_batch(whole_batch(std::move(l)),
                               std::max<uint64_t>(bytes, 1024)),
            applied};
  } catch (const std::exception& e) {
    return caf::make_error(caf::sec::runtime_error, e.what());
  }
}

caf::result<uint64_t> committer_state::install(uint64_t t, uint32_t seq,
                                               const std::string& chunk,
                                               uint64_t index) {
  if (failed)
    return caf::make_error(caf::sec::runtime_error, "store failed before");
  if (seq == 0)
    staged = staging{t, 0, {}};
  if (!staged || staged->transfer != t || staged->next != seq) {
    staged.reset();
    return caf::make_error(caf::sec::invalid_argument,
                           "snapshot chunk out of order");
  }
  try {
    append_commit_batch(staged->state, decode_commit_batch(chunk));
  } catch (const std::exception& e) {
    staged.reset();
    return caf::make_error(caf::sec::invalid_argument,
                           std::string{"snapshot chunk: "} + e.what());
  }
  ++staged->next;
  if (index == 0)
    return uint64_t{0};
  commit_batch whole = std::move(staged->state);
  staged.reset();
  // A stale transfer (this replica caught up from the log meanwhile) must
  // not take the state back.
  if (index <= applied)
    return applied;
  try {
    store->install(whole, index);
    applied = index;
  } catch (const std::exception& e) {
    failed = true;
    log_event(log_level::error, "shard",
              "a shard group's snapshot cannot be written; this replica stops "
              "applying",
              {{"error", e.what()}});
    return caf::make_error(caf::sec::runtime_error, e.what());
  }
  log_event(log_level::info, "shard", "installed a shard group's snapshot",
            {{"index", std::to_string(index)},
             {"entries", std::to_string(whole.put_entries.size())}});
  return applied;
}

committer_actor::behavior_type
committer_behavior(committer_actor::stateful_pointer<committer_state> self,
                   std::shared_ptr<shard_store> store) {
  self->state.store = std::move(store);
  self->state.applied = self->state.store->applied();
  return {
      [self](group_apply_atom, uint32_t g, std::vector<group_entry>& es) {
        auto& st = self->state;
        uint64_t before = st.applied;
        st.apply_group(es);
        // The host may compact the group's log up to what is durable here.
        if (st.applied != before && self->current_sender())
          self->send(
              caf::actor_cast<replica_host_actor>(self->current_sender()),
              group_applied_atom::value, g, st.applied);
      },
      [self](group_snapshot_atom, uint32_t, uint64_t bytes)
          -> caf::result<std::vector<std::string>, uint64_t> {
        return self->state.snapshot(bytes);
      },
      [self](group_install_atom, uint32_t, uint64_t t, uint32_t seq,
             const std::string& chunk, uint64_t index) {
        return self->state.install(t, seq, chunk, index);
      },
      [self](group_load_atom) -> caf::result<commit_batch, uint64_t> {
        return self->state.load_all();
      },
      [self](commit_atom, commit_batch& b) -> caf::result<uint64_t> {
        auto& st = self->state;
        if (st.failed)
          return caf::make_error(caf::sec::runtime_error,
                                 "store failed before");
        try {
          st.store->commit(b);
        } catch (const std::exception& e) {
          st.failed = true;
          return caf::make_error(caf::sec::runtime_error, e.what());
        }
        return st.store->commits();
      },
  };
}

} // namespace ds
