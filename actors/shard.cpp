#include "actors/shard.hpp"

#include <chrono>
#include <iostream>

#include <caf/all.hpp>

namespace ds {

namespace {

int64_t wall_clock_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

} // namespace

caf::result<std::vector<ns_reply>>
shard_state::serve(std::vector<ns_request>& reqs) {
  std::vector<ns_reply> out;
  out.reserve(reqs.size());
  auto now = wall_clock_ns();
  bool wait = false;
  for (auto& r : reqs) {
    bool w = false;
    out.push_back(core->apply(r, now, w));
    wait = wait || w;
  }
  if (!wait)
    return out;
  auto rp = self->make_response_promise<std::vector<ns_reply>>();
  queued_requests += reqs.size();
  queue.push_back(waiting{rp, std::move(out)});
  if (queued_requests >= max_group) {
    flush();
  } else if (!flush_scheduled) {
    // Runs after everything already in the mailbox: those requests join
    // this commit.
    flush_scheduled = true;
    self->send(self, flush_atom::value);
  }
  return rp;
}

void shard_state::flush() {
  flush_scheduled = false;
  if (core->dirty()) {
    try {
      store->commit(core->take_changes());
    } catch (const std::exception& e) {
      // The store may be in any state now: nothing more is acknowledged.
      // Restarting the node recovers the shard from what is on disk.
      std::cerr << "dagshard: shard " << core->shard_id()
                << " stops: commit failed: " << e.what() << std::endl;
      for (auto& w : queue) {
        for (auto& r : w.replies)
          r = ns_reply{errc::eio, {}, {}, {}, false};
        w.rp.deliver(std::move(w.replies));
      }
      queue.clear();
      self->quit(caf::make_error(caf::sec::runtime_error, e.what()));
      return;
    }
  }
  for (auto& w : queue)
    w.rp.deliver(std::move(w.replies));
  queue.clear();
  queued_requests = 0;
}

shard_info shard_state::info() const {
  shard_info x;
  x.shard = core->shard_id();
  x.stats = core->stats();
  x.commits = store->commits();
  return x;
}

shard_actor::behavior_type
shard_behavior(shard_actor::stateful_pointer<shard_state> self,
               std::shared_ptr<ns_shard> core,
               std::shared_ptr<shard_store> store) {
  auto& st = self->state;
  st.self = self;
  st.core = std::move(core);
  st.store = std::move(store);
  return {
    [self](ns_atom, std::vector<ns_request>& reqs)
      -> caf::result<std::vector<ns_reply>> {
      return self->state.serve(reqs);
    },
    [self](shards_atom) { return self->state.info(); },
    [self](flush_atom) { self->state.flush(); },
  };
}

} // namespace ds
