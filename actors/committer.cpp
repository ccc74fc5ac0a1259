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

caf::result<std::string, uint64_t, bool>
committer_state::snapshot(uint64_t t, uint32_t seq, uint64_t bytes) {
  if (bytes == 0) { // the transfer ends (its follower went, or it stalled)
    readers.erase(t);
    return {std::string{}, uint64_t{0}, true};
  }
  if (failed)
    return caf::make_error(caf::sec::runtime_error, "store failed before");
  auto size = static_cast<std::size_t>(std::max<uint64_t>(bytes, 1024));
  try {
    if (seq == 0) {
      readers.erase(t);
      while (readers.size() >= max_readers)
        readers.erase(readers.begin()); // the oldest transfer
      reading r;
      r.view = store->read_snapshot();
      commit_batch first;
      if (r.view->next(size, first))
        r.ahead = std::move(first);
      readers.emplace(t, std::move(r));
    }
    auto it = readers.find(t);
    if (it == readers.end() || it->second.next != seq || !it->second.ahead)
      return caf::make_error(caf::sec::invalid_argument,
                             "snapshot transfer unknown or out of order");
    reading& r = it->second;
    std::string chunk = encode_commit_batch(*r.ahead);
    commit_batch more;
    if (r.view->next(size, more))
      r.ahead = std::move(more);
    else
      r.ahead.reset();
    ++r.next;
    uint64_t index = r.view->applied();
    bool last = !r.ahead;
    if (last)
      readers.erase(it);
    return {std::move(chunk), index, last};
  } catch (const std::exception& e) {
    readers.erase(t);
    return caf::make_error(caf::sec::runtime_error, e.what());
  }
}

caf::result<uint64_t> committer_state::install(uint64_t t, uint32_t seq,
                                               const std::string& chunk,
                                               uint64_t index) {
  if (failed)
    return caf::make_error(caf::sec::runtime_error, "store failed before");
  // Staging is aside from the store's state: a transfer dropped loses
  // nothing of it.
  auto drop = [&] {
    staged.reset();
    try {
      store->drop_staged();
    } catch (...) {
    }
  };
  try {
    if (seq == 0) {
      store->begin_staging();
      staged = staging{t, 0, 0};
    }
    if (!staged || staged->transfer != t || staged->next != seq) {
      drop();
      return caf::make_error(caf::sec::invalid_argument,
                             "snapshot chunk out of order");
    }
    commit_batch part = decode_commit_batch(chunk);
    staged->entries += part.put_entries.size();
    store->stage(std::move(part));
  } catch (const std::exception& e) {
    drop();
    return caf::make_error(caf::sec::invalid_argument,
                           std::string{"snapshot chunk: "} + e.what());
  }
  ++staged->next;
  if (index == 0)
    return uint64_t{0};
  uint64_t entries = staged->entries;
  // A stale transfer (this replica caught up from the log meanwhile) must
  // not take the state back.
  if (index <= applied) {
    drop();
    return applied;
  }
  staged.reset();
  try {
    store->install_staged(index);
    applied = index;
  } catch (const std::exception& e) {
    failed = true;
    log_event(log_level::error, "shard",
              "a shard group's snapshot cannot be written; this replica stops "
              "applying",
              {{"error", e.what()}});
    return caf::make_error(caf::sec::runtime_error, e.what());
  }
  log_event(
      log_level::info, "shard", "installed a shard group's snapshot",
      {{"index", std::to_string(index)}, {"entries", std::to_string(entries)}});
  return applied;
}

namespace {

/// Writes the entries handed over so far, in one transaction, and tells
/// the host how far the store is durable.
void flush(committer_actor::stateful_pointer<committer_state> self) {
  auto& st = self->state;
  if (st.pending.empty())
    return;
  uint64_t before = st.applied;
  std::vector<group_entry> es;
  es.swap(st.pending);
  st.apply_group(es);
  // The host may compact the group's log up to what is durable here.
  if (st.applied != before && st.host)
    self->send(caf::actor_cast<replica_host_actor>(st.host),
               group_applied_atom::value, st.group, st.applied);
}

} // namespace

committer_actor::behavior_type
committer_behavior(committer_actor::stateful_pointer<committer_state> self,
                   std::shared_ptr<shard_store> store) {
  self->state.store = std::move(store);
  self->state.applied = self->state.store->applied();
  return {
      [self](group_apply_atom, uint32_t g, std::vector<group_entry>& es) {
        auto& st = self->state;
        st.group = g;
        if (self->current_sender())
          st.host = self->current_sender();
        st.pending.insert(st.pending.end(), std::make_move_iterator(es.begin()),
                          std::make_move_iterator(es.end()));
        if (!st.flush_due) {
          st.flush_due = true;
          self->send(caf::actor_cast<committer_actor>(self),
                     group_flush_atom::value);
        }
      },
      [self](group_flush_atom) {
        self->state.flush_due = false;
        flush(self);
      },
      // Everything below sees every entry handed over before it.
      [self](group_snapshot_atom, uint32_t, uint64_t t, uint32_t seq,
             uint64_t bytes) -> caf::result<std::string, uint64_t, bool> {
        flush(self);
        return self->state.snapshot(t, seq, bytes);
      },
      [self](group_install_atom, uint32_t, uint64_t t, uint32_t seq,
             const std::string& chunk, uint64_t index) {
        flush(self);
        return self->state.install(t, seq, chunk, index);
      },
      [self](group_load_atom) -> caf::result<commit_batch, uint64_t> {
        flush(self);
        return self->state.load_all();
      },
      [self](commit_atom, commit_batch& b) -> caf::result<uint64_t> {
        flush(self);
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
