// Roles, elections (with pre-vote and leader stickiness), message dispatch.

#include "model/raft/raft.hpp"

#include "model/raft/check.hpp"

#include <algorithm>
#include <utility>

#include "model/enum_names.hpp"

namespace ds::raft {

namespace {
constexpr enum_names<role, 4> role_names{
    {"follower", "pre_candidate", "candidate", "leader"}};
} // namespace

const char* to_string(role r) {
  return role_names(r, "?");
}

node::node(const config& cfg, restored_state restored)
    : cfg_(cfg), rng_(cfg.seed),
      log_(std::move(restored.snap), std::move(restored.entries),
           restored.hard.commit) {
  DS_RAFT_CHECK(cfg_.id != no_node, "node id 0 is reserved");
  DS_RAFT_CHECK(cfg_.heartbeat_ticks >= 1 &&
                    cfg_.election_ticks > cfg_.heartbeat_ticks,
                "need 1 <= heartbeat_ticks < election_ticks");
  DS_RAFT_CHECK(cfg_.max_entries_per_msg >= 1 && cfg_.max_bytes_per_msg >= 1 &&
                    cfg_.max_inflight >= 1,
                "message limits must be at least 1");
  DS_RAFT_CHECK(cfg_.lease_ticks >= 0 &&
                    cfg_.lease_ticks < cfg_.election_ticks &&
                    (cfg_.lease_ticks == 0 || cfg_.check_quorum),
                "need 0 <= lease_ticks < election_ticks, with check_quorum");
  // A node that restarts has forgotten which leader it heard from last: it
  // must not help elect another while that leader's lease may still run.
  if (cfg_.lease_ticks > 0)
    start_hold_ = cfg_.election_ticks;
  term_ = restored.hard.term;
  vote_ = restored.hard.vote;
  // What is on disk; if the log clamped the commit index, the first ready
  // carries the corrected hard state.
  prev_hard_ = restored.hard;
  applying_ = log_.applied();
  refresh_voters();
  become_follower(term_, no_node);
}

// --- roles -------------------------------------------------------------------

void node::reset(term_t t) {
  if (t != term_) {
    term_ = t;
    vote_ = no_node;
  }
  leader_ = no_node;
  heartbeat_elapsed_ = 0;
  reset_timeout();
  votes_.clear();
  progress_.clear();
  pending_reads_.clear();
  waiting_reads_.clear();
  batched_reads_.clear();
  drop_lease();
  transfer_to_ = no_node;
  transfer_sent_ = false;
  lease_barred_ = false;
}

void node::reset_timeout() {
  election_elapsed_ = 0;
  std::uniform_int_distribution<int> d(cfg_.election_ticks,
                                       2 * cfg_.election_ticks - 1);
  randomized_timeout_ = d(rng_);
}

void node::become_follower(term_t t, node_id lead) {
  reset(t);
  role_ = role::follower;
  leader_ = lead;
}

void node::become_pre_candidate() {
  // Pre-vote changes neither term nor vote (thesis 9.6): a node cut off from
  // the others cannot inflate terms.
  DS_RAFT_CHECK(role_ != role::leader, "a leader cannot pre-campaign");
  reset_timeout();
  votes_.clear();
  progress_.clear();
  pending_reads_.clear();
  waiting_reads_.clear();
  batched_reads_.clear();
  leader_ = no_node;
  role_ = role::pre_candidate;
}

void node::become_candidate() {
  DS_RAFT_CHECK(role_ != role::leader, "a leader cannot campaign");
  reset(term_ + 1);
  vote_ = cfg_.id;
  role_ = role::candidate;
}

void node::become_leader() {
  DS_RAFT_CHECK(role_ == role::candidate, "only a candidate becomes leader");
  reset(term_);
  role_ = role::leader;
  leader_ = cfg_.id;
  for (node_id v : voters_) {
    progress& pr = progress_[v];
    pr.next = log_.last_index() + 1;
    pr.match = 0;
  }
  progress_[cfg_.id].recent_active = true;
  // A new leader commits an entry of its own term before it may count
  // replicas of older entries (section 5.4.2), so it appends a no-op.
  append_as_leader(entry_type::normal, std::string());
}

// --- elections ---------------------------------------------------------------

void node::campaign() {
  if (role_ == role::leader || !is_voter(cfg_.id))
    return;
  campaign_for(cfg_.pre_vote);
}

void node::campaign_for(bool pre, bool transfer) {
  if (pre)
    become_pre_candidate();
  else
    become_candidate();
  term_t vote_term = pre ? term_ + 1 : term_;
  votes_[cfg_.id] = true;
  if (votes_.size() >= quorum()) { // a group of one
    if (pre)
      campaign_for(false);
    else
      become_leader();
    return;
  }
  for (node_id v : voters_) {
    if (v == cfg_.id)
      continue;
    message m;
    m.type = pre ? msg_type::prevote : msg_type::vote;
    m.to = v;
    m.term = vote_term;
    m.index = log_.last_index();
    m.log_term = log_.last_term();
    if (transfer)
      m.context = transfer_context;
    send(std::move(m));
  }
}

void node::step_vote_request(const message& m) {
  bool pre = m.type == msg_type::prevote;
  // We may vote again for the same candidate (a retransmitted request), or
  // for anyone if we have neither voted nor seen a leader in this term; a
  // pre-vote for a later term never binds us.
  bool can_vote = vote_ == m.from || (vote_ == no_node && leader_ == no_node) ||
                  (pre && m.term > term_);
  message r;
  r.type = pre ? msg_type::prevote_resp : msg_type::vote_resp;
  r.to = m.from;
  if (can_vote && log_.is_up_to_date(m.index, m.log_term)) {
    r.term = m.term;
    if (!pre) {
      election_elapsed_ = 0;
      vote_ = m.from;
    }
  } else {
    r.term = term_;
    r.reject = true;
  }
  send(std::move(r));
}

void node::step_candidate(const message& m) {
  msg_type want = role_ == role::pre_candidate ? msg_type::prevote_resp
                                               : msg_type::vote_resp;
  switch (m.type) {
  case msg_type::append:
  case msg_type::heartbeat:
  case msg_type::snapshot:
    // A leader of our term exists (m.term == term_ here).
    become_follower(term_, m.from);
    step_follower(m);
    return;
  default:
    break;
  }
  if (m.type != want || !is_voter(m.from))
    return;
  votes_.emplace(m.from, !m.reject);
  std::size_t granted = 0;
  for (auto& [id, yes] : votes_)
    granted += yes ? 1 : 0;
  std::size_t rejected = votes_.size() - granted;
  if (granted >= quorum()) {
    if (role_ == role::pre_candidate)
      campaign_for(false);
    else
      become_leader();
  } else if (rejected > voters_.size() - quorum()) {
    become_follower(term_, no_node);
  }
}

// --- ticks -------------------------------------------------------------------

void node::tick() {
  ++ticks_;
  if (start_hold_ > 0)
    --start_hold_;
  if (role_ == role::leader)
    tick_heartbeat();
  else
    tick_election();
}

void node::tick_election() {
  ++election_elapsed_;
  if (election_elapsed_ >= randomized_timeout_) {
    election_elapsed_ = 0;
    campaign();
  }
}

void node::tick_heartbeat() {
  tick_transfer();
  ++heartbeat_elapsed_;
  ++election_elapsed_;
  if (election_elapsed_ >= cfg_.election_ticks) {
    election_elapsed_ = 0;
    if (cfg_.check_quorum && !quorum_active()) {
      // Cut off from a majority: stop acting as leader so clients go
      // elsewhere (reads here could be stale).
      become_follower(term_, no_node);
      return;
    }
  }
  for (auto& [id, pr] : progress_) {
    // A snapshot that is not acknowledged in time was probably lost.
    if (pr.state == progress_state::snapshot &&
        ++pr.snapshot_ticks > 2 * cfg_.election_ticks)
      pr.become_probe();
  }
  if (heartbeat_elapsed_ >= cfg_.heartbeat_ticks) {
    heartbeat_elapsed_ = 0;
    // With a lease, every heartbeat is a round of its own, so that its
    // acknowledgements date the lease from this tick.
    if (cfg_.lease_ticks > 0 && voters_.size() > 1)
      ++read_seq_;
    broadcast_heartbeat();
  }
}

// --- dispatch ----------------------------------------------------------------

void node::step(const message& m) {
  if (m.to != cfg_.id || m.from == cfg_.id || m.from == no_node)
    return;
  if (!step_term(m))
    return;
  switch (m.type) {
  case msg_type::vote:
  case msg_type::prevote:
    step_vote_request(m);
    return;
  default:
    break;
  }
  switch (role_) {
  case role::leader:
    step_leader(m);
    break;
  case role::candidate:
  case role::pre_candidate:
    step_candidate(m);
    break;
  case role::follower:
    step_follower(m);
    break;
  }
}

// Compares terms (Figure 2, "all servers"); returns false if m is done with.
bool node::step_term(const message& m) {
  bool vote_req = m.type == msg_type::vote || m.type == msg_type::prevote;
  if (m.term > term_) {
    // A vote of a leadership transfer: the leader asked for it and gave up
    // its lease, so leader stickiness does not apply (the restart hold
    // still does).
    bool transfer = m.type == msg_type::vote && m.context == transfer_context;
    if (vote_req && cfg_.check_quorum && !(transfer && start_hold_ == 0) &&
        ((leader_ != no_node && election_elapsed_ < cfg_.election_ticks) ||
         start_hold_ > 0)) {
      // Leader stickiness: we heard from a live leader within the minimum
      // election timeout, so this candidate is disruptive (thesis 4.2.3).
      // With leases, a node just restarted may have heard from one.
      return false;
    }
    if (m.type == msg_type::prevote ||
        (m.type == msg_type::prevote_resp && !m.reject)) {
      // A pre-vote and its grant carry a future term; they change nothing.
      return true;
    }
    bool from_leader = m.type == msg_type::append ||
                       m.type == msg_type::heartbeat ||
                       m.type == msg_type::snapshot;
    become_follower(m.term, from_leader ? m.from : no_node);
    return true;
  }
  if (m.term < term_) {
    if ((cfg_.check_quorum || cfg_.pre_vote) &&
        (m.type == msg_type::append || m.type == msg_type::heartbeat)) {
      // A stale leader (cut off, or returning): tell it our term so it steps
      // down; with pre-vote it could not learn it from our elections.
      message r;
      r.type = msg_type::append_resp;
      r.to = m.from;
      send(std::move(r));
    } else if (m.type == msg_type::prevote) {
      message r;
      r.type = msg_type::prevote_resp;
      r.to = m.from;
      r.reject = true;
      send(std::move(r));
    }
    return false;
  }
  return true;
}

void node::send(message m) {
  m.from = cfg_.id;
  // Responses to pre-votes carry the term they answer for; everything else
  // carries our term.
  if (m.term == 0)
    m.term = term_;
  msgs_.push_back(std::move(m));
}

bool node::is_voter(node_id id) const {
  return std::binary_search(voters_.begin(), voters_.end(), id);
}

bool node::committed_in_term() const {
  return log_.term(log_.committed()) == term_;
}

bool node::lease_valid() const {
  if (role_ != role::leader || cfg_.lease_ticks == 0 || !committed_in_term() ||
      lease_barred_)
    return false;
  if (voters_.size() == 1)
    return voters_.front() == cfg_.id;
  return lease_held_ && ticks_ < lease_start_ + cfg_.lease_ticks;
}

void node::leader_down() {
  if (role_ != role::follower)
    return;
  leader_ = no_node;
  election_elapsed_ = std::max(election_elapsed_, cfg_.election_ticks);
}

void node::snapshot_failed(node_id to) {
  auto it = progress_.find(to);
  if (role_ == role::leader && it != progress_.end() &&
      it->second.state == progress_state::snapshot)
    it->second.become_probe();
}

void node::drop_lease() {
  lease_held_ = false;
  lease_rounds_.clear();
}

const progress* node::progress_of(node_id id) const {
  auto it = progress_.find(id);
  return it == progress_.end() ? nullptr : &it->second;
}

} // namespace ds::raft
