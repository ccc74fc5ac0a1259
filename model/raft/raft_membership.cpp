// Membership: one server at a time (Raft thesis, section 4.1). A config
// entry takes effect as soon as it is in a log.
#include "model/raft/raft.hpp"

#include "model/raft/check.hpp"

#include <algorithm>
#include <utility>

namespace ds::raft {

std::vector<node_id> node::voters_at(index_t i) const {
  if (index_t k = log_.last_config(std::min(i, log_.last_index()))) {
    auto v = decode_voters(log_.at(k).data);
    DS_RAFT_CHECK(v.has_value(), "malformed config entry in the log");
    return *v;
  }
  const snapshot& s = log_.last_snapshot();
  if (!s.empty() && !s.meta.voters.empty())
    return s.meta.voters;
  auto v = cfg_.voters;
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

void node::refresh_voters() {
  apply_voters(voters_at(log_.last_index()));
}

void node::apply_voters(std::vector<node_id> voters) {
  voters_ = std::move(voters);
  if (role_ != role::leader)
    return;
  for (auto it = progress_.begin(); it != progress_.end();) {
    if (!is_voter(it->first))
      it = progress_.erase(it);
    else
      ++it;
  }
  for (node_id v : voters_) {
    if (progress_.count(v))
      continue;
    progress& pr = progress_[v];
    pr.next = log_.last_index() + 1;
    pr.match = 0;
    pr.recent_active = true; // give a new member an election period to answer
  }
}

std::optional<proposal> node::propose_membership(node_id id, bool add) {
  if (role_ != role::leader || id == no_node || !committed_in_term() ||
      log_.last_config(log_.last_index()) > log_.committed())
    return std::nullopt;
  // A leader does not remove itself here: it would have to step down once
  // the change commits, which this core does not implement.
  if (!add && id == cfg_.id)
    return std::nullopt;
  std::vector<node_id> next = voters_;
  bool present = is_voter(id);
  if (add == present)
    return std::nullopt;
  if (add)
    next.push_back(id);
  else
    next.erase(std::find(next.begin(), next.end(), id));
  std::sort(next.begin(), next.end());
  append_as_leader(entry_type::config, encode_voters(next));
  return proposal{log_.last_index(), term_};
}

} // namespace ds::raft
