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
  // Changes not yet taken go into the open batch; otherwise the answer only
  // depends on the batch at the committer.
  auto batch = core->dirty() ? open_batch : open_batch - 1;
  auto rp = self->make_response_promise<std::vector<ns_reply>>();
  queue.push_back(waiting{rp, std::move(out), batch});
  if (!committing && core->dirty())
    start_commit();
  return rp;
}

void shard_state::start_commit() {
  committing = true;
  auto batch = open_batch++;
  self->request(committer, caf::infinite, commit_atom::value,
                core->take_changes())
      .then([this, batch](uint64_t) { on_committed(batch); },
            [this](caf::error& err) { fail(err); });
}

void shard_state::on_committed(uint64_t batch) {
  core->committed();
  ++commits;
  committing = false;
  while (!queue.empty() && queue.front().batch <= batch) {
    queue.front().rp.deliver(std::move(queue.front().replies));
    queue.pop_front();
  }
  if (core->dirty())
    start_commit();
}

void shard_state::fail(const caf::error& err) {
  // The store may be in any state now: nothing more is acknowledged.
  // Restarting the node recovers the shard from what is on disk.
  std::cerr << "dagshard: shard " << core->shard_id()
            << " stops: commit failed: " << self->system().render(err)
            << std::endl;
  for (auto& w : queue) {
    for (auto& r : w.replies)
      r = ns_reply{errc::eio, {}, {}, {}, false};
    w.rp.deliver(std::move(w.replies));
  }
  queue.clear();
  self->send_exit(committer, caf::exit_reason::user_shutdown);
  self->quit(err);
}

shard_info shard_state::info() const {
  shard_info x;
  x.shard = core->shard_id();
  x.stats = core->stats();
  x.commits = commits;
  return x;
}

shard_actor::behavior_type
shard_behavior(shard_actor::stateful_pointer<shard_state> self,
               std::shared_ptr<ns_shard> core, committer_actor committer) {
  auto& st = self->state;
  st.self = self;
  st.core = std::move(core);
  st.committer = std::move(committer);
  return {
      [self](ns_atom, std::vector<ns_request>& reqs)
          -> caf::result<std::vector<ns_reply>> {
        return self->state.serve(reqs);
      },
      [self](shards_atom) { return self->state.info(); },
  };
}

committer_actor::behavior_type
committer_behavior(committer_actor::stateful_pointer<committer_state> self,
                   std::shared_ptr<shard_store> store) {
  self->state.store = std::move(store);
  return {
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
