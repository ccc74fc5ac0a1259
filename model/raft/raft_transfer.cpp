// Leadership transfer (thesis 3.10): the leader stops taking proposals,
// brings the target up to date, and tells it to stand at once. The target's
// votes say so, and voters then set aside leader stickiness (they heard
// from the leader that asked). That is safe for leases because the leader
// gave its up when the transfer began, for the rest of its term: it serves
// reads by ReadIndex only, which a quorum confirms.

#include "model/raft/raft.hpp"

namespace ds::raft {

void node::transfer_leadership(node_id to) {
  if (role_ != role::leader || to == cfg_.id || !is_voter(to) ||
      transfer_to_ == to)
    return;
  transfer_to_ = to;
  transfer_sent_ = false;
  transfer_elapsed_ = 0;
  lease_barred_ = true;
  drop_lease();
  maybe_send_timeout_now();
  if (!transfer_sent_)
    send_append(to, true);
}

void node::maybe_send_timeout_now() {
  if (role_ != role::leader || transfer_to_ == no_node || transfer_sent_)
    return;
  auto it = progress_.find(transfer_to_);
  if (it == progress_.end() || it->second.match != log_.last_index())
    return;
  message m;
  m.type = msg_type::timeout_now;
  m.to = transfer_to_;
  send(std::move(m));
  transfer_sent_ = true;
}

void node::tick_transfer() {
  if (transfer_to_ != no_node && ++transfer_elapsed_ >= cfg_.election_ticks) {
    // The target did not take over in an election timeout: carry on.
    transfer_to_ = no_node;
    transfer_sent_ = false;
  }
}

} // namespace ds::raft
