// Follower side: AppendEntries, heartbeats, InstallSnapshot, read answers.
#include "model/raft/raft.hpp"

#include <algorithm>
#include <utility>

namespace ds::raft {

void node::step_follower(const message& m) {
  switch (m.type) {
  case msg_type::append:
    election_elapsed_ = 0;
    leader_ = m.from;
    handle_append(m);
    break;
  case msg_type::heartbeat:
    election_elapsed_ = 0;
    leader_ = m.from;
    handle_heartbeat(m);
    break;
  case msg_type::snapshot:
    election_elapsed_ = 0;
    leader_ = m.from;
    handle_snapshot(m);
    break;
  case msg_type::timeout_now:
    // Our leader hands over: stand now, without a pre-vote.
    if (m.from == leader_ && is_voter(cfg_.id))
      campaign_for(false, true);
    break;
  case msg_type::read_index_resp:
    read_states_.push_back(read_state{m.index, m.context});
    break;
  default:
    // Responses to a role we no longer have, or requests for a leader.
    break;
  }
}

void node::handle_append(const message& m) {
  message r;
  r.type = msg_type::append_resp;
  r.to = m.from;
  if (m.index < log_.committed()) {
    // Everything up to our commit index is settled; tell the leader where
    // to continue instead of matching an old prefix again.
    r.index = log_.committed();
    send(std::move(r));
    return;
  }
  if (auto last = log_.maybe_append(m.index, m.log_term, m.entries)) {
    // Entries up to `last` now equal the leader's, so its commit index
    // applies to them (and to nothing beyond, which may still differ).
    log_.commit_to(std::min(m.commit, *last));
    if (!m.entries.empty())
      refresh_voters();
    r.index = *last;
    send(std::move(r));
    return;
  }
  // Fast back-off: name the last index whose term is <= the leader's term
  // at m.index, so the leader skips a whole term of mismatches per round
  // trip instead of one entry.
  index_t hint = log_.find_conflict_by_term(m.index, m.log_term);
  r.reject = true;
  r.index = m.index;
  r.reject_hint = hint;
  r.log_term = log_.term(hint).value_or(0);
  send(std::move(r));
}

void node::handle_heartbeat(const message& m) {
  // The leader sends min(match, commit), so this never passes our log; the
  // clamp guards against a leader that does not know our log yet.
  log_.commit_to(std::min(m.commit, log_.last_index()));
  message r;
  r.type = msg_type::heartbeat_resp;
  r.to = m.from;
  r.read_seq = m.read_seq;
  send(std::move(r));
}

void node::handle_snapshot(const message& m) {
  message r;
  r.type = msg_type::append_resp;
  r.to = m.from;
  if (!m.snap || m.snap->empty())
    return;
  const snapshot_meta& meta = m.snap->meta;
  if (meta.index <= log_.committed()) {
    r.index = log_.committed();
  } else if (log_.match_term(meta.index, meta.term)) {
    // We already hold that prefix: just learn that it is committed.
    log_.commit_to(meta.index);
    r.index = log_.committed();
  } else {
    log_.restore(*m.snap);
    refresh_voters();
    r.index = meta.index;
  }
  send(std::move(r));
}

} // namespace ds::raft
