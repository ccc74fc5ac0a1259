// Leader side: replication with flow control and fast back-off, the commit
// rule, check-quorum and ReadIndex.
#include "model/raft/raft.hpp"

#include <algorithm>
#include <utility>

namespace ds::raft {

void node::step_leader(const message& m) {
  auto it = progress_.find(m.from);
  switch (m.type) {
  case msg_type::append_resp:
    if (it != progress_.end()) {
      handle_append_resp(m);
      maybe_send_timeout_now();
    }
    break;
  case msg_type::heartbeat_resp:
    if (it != progress_.end())
      handle_heartbeat_resp(m);
    break;
  case msg_type::read_index:
    handle_read_request(m.from, m.context);
    break;
  default:
    break;
  }
}

void node::handle_append_resp(const message& m) {
  progress& pr = progress_[m.from];
  pr.recent_active = true;
  if (m.reject) {
    // Ignore rejections of appends we no longer wait for (duplicates,
    // reordered answers): only the answer to the current probe, or to an
    // append above match while streaming, moves `next` back.
    bool current =
        pr.state == progress_state::replicate
            ? m.index > pr.match
            : pr.state == progress_state::probe && m.index + 1 == pr.next;
    if (!current)
      return;
    index_t guess = m.log_term > 0
                        ? log_.find_conflict_by_term(m.reject_hint, m.log_term)
                        : m.reject_hint;
    // The rejected index itself did not match: never probe it again.
    index_t next = std::max(pr.match + 1, std::min(guess + 1, m.index));
    pr.become_probe();
    pr.next = next;
    send_append(m.from, true);
    return;
  }
  if (m.index <= pr.match) {
    // Old news; a probe that was answered may continue.
    if (pr.state == progress_state::probe && m.index + 1 >= pr.next)
      pr.probe_sent = false;
    return;
  }
  pr.match = m.index;
  pr.next = std::max(pr.next, m.index + 1);
  switch (pr.state) {
  case progress_state::probe:
    pr.become_replicate();
    break;
  case progress_state::snapshot:
    if (pr.match >= pr.pending_snapshot)
      pr.become_replicate();
    break;
  case progress_state::replicate:
    pr.free_inflight(m.index);
    break;
  }
  if (maybe_commit()) {
    broadcast_append();
    return;
  }
  while (send_append(m.from, false)) {
  }
}

void node::handle_heartbeat_resp(const message& m) {
  progress& pr = progress_[m.from];
  pr.recent_active = true;
  pr.probe_sent = false;
  // A full window with no answers: make room for one retransmission.
  if (pr.state == progress_state::replicate &&
      pr.inflight.size() >= cfg_.max_inflight)
    pr.inflight.pop_front();
  if (pr.match < log_.last_index())
    send_append(m.from, true);
  if (m.read_seq > pr.read_ack) {
    pr.read_ack = m.read_seq;
    release_reads();
  }
}

// Sends the next append (or the snapshot) to `to`; returns true if it sent
// entries, so a streaming caller may continue.
bool node::send_append(node_id to, bool send_if_empty) {
  progress& pr = progress_[to];
  if (pr.paused(cfg_.max_inflight))
    return false;
  index_t prev = pr.next - 1;
  auto prev_term = log_.term(prev);
  if (!prev_term) {
    // The follower needs entries we compacted away.
    send_snapshot(to, pr);
    return false;
  }
  std::vector<entry> ents;
  if (pr.next <= log_.last_index())
    ents = log_.slice(pr.next, log_.last_index() + 1, cfg_.max_entries_per_msg,
                      cfg_.max_bytes_per_msg);
  if (ents.empty() && !send_if_empty)
    return false;
  bool sent_entries = !ents.empty();
  message m;
  m.type = msg_type::append;
  m.to = to;
  m.index = prev;
  m.log_term = *prev_term;
  m.commit = log_.committed();
  if (sent_entries && pr.state == progress_state::replicate) {
    pr.next = ents.back().index + 1;
    pr.inflight.push_back(ents.back().index);
  } else if (pr.state == progress_state::probe) {
    pr.probe_sent = true;
  }
  m.entries = std::move(ents);
  send(std::move(m));
  return sent_entries && pr.state == progress_state::replicate;
}

void node::send_snapshot(node_id to, progress& pr) {
  const snapshot& s = log_.last_snapshot();
  pr.become_snapshot(s.meta.index);
  message m;
  m.type = msg_type::snapshot;
  m.to = to;
  m.snap = s;
  send(std::move(m));
}

void node::broadcast_append() {
  for (node_id v : voters_)
    if (v != cfg_.id)
      send_append(v, true);
}

void node::broadcast_heartbeat() {
  for (node_id v : voters_) {
    if (v == cfg_.id)
      continue;
    const progress& pr = progress_[v];
    message m;
    m.type = msg_type::heartbeat;
    m.to = v;
    // Never past what the follower is known to hold (it may lack the rest).
    m.commit = std::min(pr.match, log_.committed());
    m.read_seq = read_seq_;
    send(std::move(m));
  }
  if (cfg_.lease_ticks > 0 &&
      (lease_rounds_.empty() || lease_rounds_.back().first != read_seq_))
    lease_rounds_.emplace_back(read_seq_, ticks_);
}

// Section 5.4.2: the highest index held by a quorum is committed only if its
// entry has the current term; older entries commit with it.
bool node::maybe_commit() {
  std::vector<index_t> match;
  for (node_id v : voters_)
    match.push_back(v == cfg_.id ? log_.stable() : progress_[v].match);
  if (match.empty())
    return false;
  std::sort(match.begin(), match.end(), std::greater<>());
  index_t q = match[quorum() - 1];
  bool had = committed_in_term();
  if (!log_.maybe_commit(q, term_))
    return false;
  if (!had && !waiting_reads_.empty())
    start_read_round(std::exchange(waiting_reads_, {}));
  return true;
}

bool node::quorum_active() {
  std::size_t active = 0;
  for (node_id v : voters_) {
    progress& pr = progress_[v];
    if (v == cfg_.id || pr.recent_active)
      ++active;
    if (v != cfg_.id)
      pr.recent_active = false;
  }
  return active >= quorum();
}

void node::append_as_leader(entry_type type, std::string data) {
  entry e;
  e.term = term_;
  e.index = log_.last_index() + 1;
  e.type = type;
  e.data = std::move(data);
  std::vector<entry> one;
  one.push_back(std::move(e));
  log_.append(std::move(one));
  if (type == entry_type::config)
    refresh_voters();
  append_pending_ = true; // sent with the next ready: see flush_appends
}

void node::flush_appends() {
  if (!std::exchange(append_pending_, false) || role_ != role::leader)
    return;
  for (node_id v : voters_)
    if (v != cfg_.id)
      while (send_append(v, false)) {
      }
}

std::optional<proposal> node::propose(std::string data) {
  // During a transfer the log must stop growing for the target to catch up.
  if (role_ != role::leader || transfer_to_ != no_node)
    return std::nullopt;
  append_as_leader(entry_type::normal, std::move(data));
  return proposal{log_.last_index(), term_};
}

// --- ReadIndex (thesis 6.4)
// ----------------------------------------------------

bool node::read_index(std::string context) {
  if (role_ == role::leader) {
    handle_read_request(cfg_.id, std::move(context));
    return true;
  }
  if (leader_ == no_node)
    return false;
  message m;
  m.type = msg_type::read_index;
  m.to = leader_;
  m.context = std::move(context);
  send(std::move(m));
  return true;
}

void node::handle_read_request(node_id from, std::string context) {
  if (!committed_in_term()) {
    // Until an entry of this term commits, our commit index may be behind
    // what an earlier leader committed: wait for it.
    waiting_reads_.emplace_back(from, std::move(context));
    return;
  }
  // Confirmed together with every other read of this ready (get_ready).
  batched_reads_.emplace_back(from, std::move(context));
}

// Records the commit index for the requests and confirms leadership with a
// heartbeat round; every ack of a sequence >= ours counts.
void node::start_read_round(std::vector<std::pair<node_id, std::string>> reqs) {
  ++read_seq_;
  for (auto& [from, ctx] : reqs)
    pending_reads_.push_back(
        pending_read{read_seq_, log_.committed(), from, std::move(ctx)});
  if (voters_.size() == 1) {
    release_reads();
    return;
  }
  broadcast_heartbeat();
}

void node::release_reads() {
  std::vector<std::uint64_t> acks;
  for (node_id v : voters_)
    acks.push_back(v == cfg_.id ? read_seq_ : progress_[v].read_ack);
  std::sort(acks.begin(), acks.end(), std::greater<>());
  std::uint64_t confirmed = acks[quorum() - 1];
  renew_lease(confirmed);
  while (!pending_reads_.empty() && pending_reads_.front().seq <= confirmed) {
    pending_read r = std::move(pending_reads_.front());
    pending_reads_.pop_front();
    answer_read(r.from, r.index, std::move(r.context));
  }
}

// A quorum has acknowledged every round up to `confirmed`: each of them
// heard from this leader after the round's send, so none votes for another
// within election_ticks of it.
void node::renew_lease(std::uint64_t confirmed) {
  while (!lease_rounds_.empty() && lease_rounds_.front().first <= confirmed) {
    std::uint64_t sent = lease_rounds_.front().second;
    if (!lease_held_ || sent > lease_start_)
      lease_start_ = sent;
    lease_held_ = true;
    lease_rounds_.pop_front();
  }
}

void node::answer_read(node_id from, index_t index, std::string context) {
  if (from == cfg_.id) {
    read_states_.push_back(read_state{index, std::move(context)});
    return;
  }
  message m;
  m.type = msg_type::read_index_resp;
  m.to = from;
  m.index = index;
  m.context = std::move(context);
  send(std::move(m));
}

} // namespace ds::raft
