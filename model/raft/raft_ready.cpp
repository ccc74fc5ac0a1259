// The Ready/Advance handshake with the driver, and log compaction.
#include "model/raft/raft.hpp"

#include "model/raft/check.hpp"

#include <algorithm>
#include <utility>

namespace ds::raft {

namespace {

// First and last index of committed entries not yet handed out to apply.
std::pair<index_t, index_t> apply_window(const raft_log& log,
                                         index_t applying) {
  index_t from = std::max(applying, log.last_snapshot().meta.index) + 1;
  return {from, log.committed()};
}

} // namespace

bool node::has_ready() const {
  if (ready_outstanding_)
    return false;
  hard_state hs{term_, vote_, log_.committed()};
  if (hs != prev_hard_ || log_.pending_snapshot() || !msgs_.empty() ||
      append_pending_ || !read_states_.empty() || !batched_reads_.empty())
    return true;
  if (log_.stable() < log_.last_index())
    return true;
  auto [from, to] = apply_window(log_, applying_);
  return from <= to;
}

ready node::get_ready() {
  DS_RAFT_CHECK(!ready_outstanding_, "get_ready before advance");
  if (!batched_reads_.empty())
    start_read_round(std::exchange(batched_reads_, {}));
  flush_appends();
  ready rd;
  hard_state hs{term_, vote_, log_.committed()};
  if (hs != prev_hard_)
    rd.hard = hs;
  if (log_.pending_snapshot())
    rd.snap = *log_.pending_snapshot();
  rd.entries = log_.unstable_entries();
  rd.messages = std::move(msgs_);
  msgs_.clear();
  // A leader whose term and vote are on disk may replicate before its own
  // write completes; anything else (votes, acknowledgements) waits for it.
  if (role_ == role::leader && hs.term == prev_hard_.term &&
      hs.vote == prev_hard_.vote) {
    auto late = std::stable_partition(
        rd.messages.begin(), rd.messages.end(), [](const message& m) {
          return m.type == msg_type::append || m.type == msg_type::heartbeat;
        });
    rd.early.assign(std::make_move_iterator(rd.messages.begin()),
                    std::make_move_iterator(late));
    rd.messages.erase(rd.messages.begin(), late);
  }
  auto [from, to] = apply_window(log_, applying_);
  if (from <= to) {
    rd.committed =
        log_.slice(from, to + 1, static_cast<std::size_t>(to - from + 1));
    applying_ = to;
  } else if (rd.snap) {
    applying_ = std::max(applying_, rd.snap->meta.index);
  }
  rd.reads = std::move(read_states_);
  read_states_.clear();
  ready_outstanding_ = true;
  return rd;
}

void node::advance(const ready& rd) {
  DS_RAFT_CHECK(ready_outstanding_, "advance without a ready");
  ready_outstanding_ = false;
  if (rd.hard)
    prev_hard_ = *rd.hard;
  if (rd.snap) {
    log_.snapshot_stable(rd.snap->meta.index);
    log_.applied_to(rd.snap->meta.index);
  }
  if (!rd.entries.empty())
    log_.stable_to(rd.entries.back().index, rd.entries.back().term);
  if (!rd.committed.empty())
    log_.applied_to(rd.committed.back().index);
  // The leader counts its own log only once persisted: a single-node group
  // commits here, a larger one may commit sooner than the next answer.
  if (role_ == role::leader && maybe_commit())
    broadcast_append();
}

void node::compact(index_t index, std::string data) {
  if (index <= log_.last_snapshot().meta.index)
    return;
  DS_RAFT_CHECK(index <= log_.applied(), "compaction beyond the applied index");
  log_.compact(index, std::move(data), voters_at(index));
}

} // namespace ds::raft
