// Many groups on one node: coalesced envelopes, quiescence, node liveness.
#include "model/raft/multi.hpp"

#include "model/raft/check.hpp"

#include <algorithm>
#include <utility>

namespace ds::raft {

multi_node::multi_node(multi_config cfg) : cfg_(std::move(cfg)) {
  DS_RAFT_CHECK(cfg_.id != no_node, "node id 0 is reserved");
  DS_RAFT_CHECK(cfg_.quiesce_ticks >= 0 && cfg_.ping_ticks >= 1 &&
                    cfg_.liveness_ticks >= cfg_.group.election_ticks,
                "need quiesce_ticks >= 0, ping_ticks >= 1 and "
                "liveness_ticks >= election_ticks");
  cfg_.group.id = cfg_.id;
}

// --- groups ------------------------------------------------------------------

void multi_node::add_group(group_id g, std::vector<node_id> voters,
                           restored_state restored) {
  config c = cfg_.group;
  c.voters = std::move(voters);
  c.seed = cfg_.seed * 0x9e3779b97f4a7c15ULL + g + 1;
  hosted h;
  h.core = std::make_unique<node>(c, std::move(restored));
  for (node_id v : h.core->voters())
    if (v != cfg_.id)
      peer_of(v);
  groups_[g] = std::move(h);
}

void multi_node::remove_group(group_id g) {
  groups_.erase(g);
}

multi_node::hosted* multi_node::find(group_id g) {
  auto it = groups_.find(g);
  return it == groups_.end() ? nullptr : &it->second;
}

const multi_node::hosted* multi_node::find(group_id g) const {
  auto it = groups_.find(g);
  return it == groups_.end() ? nullptr : &it->second;
}

const node* multi_node::group(group_id g) const {
  const hosted* h = find(g);
  return h ? h->core.get() : nullptr;
}

std::vector<group_id> multi_node::groups() const {
  std::vector<group_id> out;
  for (auto& [g, h] : groups_)
    out.push_back(g);
  return out;
}

group_status multi_node::status(group_id g) const {
  group_status s;
  s.group = g;
  const hosted* h = find(g);
  if (!h)
    return s;
  const node& n = *h->core;
  s.r = n.current_role();
  s.term = n.term();
  s.leader = n.leader();
  s.last = n.log().last_index();
  s.committed = n.log().committed();
  s.applied = n.log().applied();
  s.quiescent = h->quiet;
  return s;
}

multi_node::peer& multi_node::peer_of(node_id p) {
  auto [it, fresh] = peers_.try_emplace(p);
  if (fresh)
    it->second.heard = now_; // taken for alive until it stays silent
  return it->second;
}

// --- inputs ------------------------------------------------------------------

void multi_node::wake(hosted& h) {
  h.quiet = false;
  h.idle_ticks = 0;
  h.quiesce_to.clear();
}

void multi_node::tick() {
  ++now_;
  for (auto& [g, h] : groups_) {
    if (h.quiet)
      continue;
    h.core->tick();
    if (can_quiesce(h)) {
      if (++h.idle_ticks >= cfg_.quiesce_ticks)
        quiesce(h);
    } else {
      h.idle_ticks = 0;
    }
  }
  for (auto& [p, pr] : peers_)
    if (!pr.down &&
        now_ - pr.heard > static_cast<std::uint64_t>(cfg_.liveness_ticks))
      peer_is_down(p);
}

void multi_node::peer_is_down(node_id p) {
  peers_[p].down = true;
  // Its silence is as long as any election timeout: the groups it led here,
  // quiescent or not, need not wait out another one before electing.
  for (auto& [g, h] : groups_) {
    if (h.core->leader() != p)
      continue;
    wake(h);
    h.core->leader_down();
  }
}

bool multi_node::can_quiesce(const hosted& h) const {
  const node& n = *h.core;
  if (cfg_.quiesce_ticks == 0 || n.current_role() != role::leader ||
      !n.committed_in_term() || n.reads_pending() ||
      n.transferring_to() != no_node)
    return false;
  const raft_log& log = n.log();
  index_t last = log.last_index();
  if (log.stable() != last || log.committed() != last || log.applied() != last)
    return false;
  for (node_id v : n.voters()) {
    if (v == cfg_.id)
      continue;
    const progress* pr = n.progress_of(v);
    if (!pr || pr->match != last)
      return false;
    auto it = peers_.find(v);
    if (it == peers_.end() || it->second.down)
      return false;
  }
  return true;
}

void multi_node::quiesce(hosted& h) {
  h.quiet = true;
  h.idle_ticks = 0;
  // The lease counts ticks, and a quiescent group does not tick.
  h.core->drop_lease();
  h.quiesce_to.clear();
  for (node_id v : h.core->voters())
    if (v != cfg_.id)
      h.quiesce_to.push_back(v);
}

void multi_node::step(const envelope& e) {
  if (e.to != cfg_.id || e.from == cfg_.id || e.from == no_node)
    return;
  peer& pr = peer_of(e.from);
  pr.heard = now_;
  pr.down = false;
  for (const group_message& gm : e.msgs) {
    hosted* h = find(gm.group);
    if (!h || gm.msg.from != e.from || gm.msg.to != cfg_.id)
      continue;
    node& n = *h->core;
    if (gm.quiesce) {
      n.step(gm.msg);
      // Go quiet with the leader only holding everything it holds.
      bool caught_up = n.current_role() == role::follower &&
                       n.leader() == gm.msg.from && n.term() == gm.msg.term &&
                       n.log().last_index() == gm.msg.commit &&
                       n.log().committed() == gm.msg.commit;
      if (caught_up) {
        h->quiet = true;
        h->idle_ticks = 0;
      } else {
        wake(*h);
      }
      continue;
    }
    // A quiet leader's followers answer its last heartbeat: that changes
    // nothing worth waking for.
    bool answer = gm.msg.type == msg_type::heartbeat_resp && !gm.msg.reject &&
                  gm.msg.term == n.term();
    if (h->quiet && !answer)
      wake(*h);
    n.step(gm.msg);
  }
}

std::optional<proposal> multi_node::propose(group_id g, std::string data) {
  hosted* h = find(g);
  if (!h)
    return std::nullopt;
  wake(*h);
  return h->core->propose(std::move(data));
}

bool multi_node::read_index(group_id g, std::string context) {
  hosted* h = find(g);
  if (!h)
    return false;
  wake(*h);
  return h->core->read_index(std::move(context));
}

bool multi_node::lease_valid(group_id g) const {
  const hosted* h = find(g);
  return h && !h->quiet && h->core->lease_valid();
}

bool multi_node::lease_read(group_id g) {
  hosted* h = find(g);
  if (!h || h->quiet || !h->core->lease_valid())
    return false;
  h->idle_ticks = 0;
  return true;
}

void multi_node::campaign(group_id g) {
  if (hosted* h = find(g)) {
    wake(*h);
    h->core->campaign();
  }
}

void multi_node::transfer(group_id g, node_id to) {
  if (hosted* h = find(g)) {
    wake(*h);
    h->core->transfer_leadership(to);
  }
}

void multi_node::snapshot_failed(group_id g, node_id to) {
  if (hosted* h = find(g))
    h->core->snapshot_failed(to);
}

void multi_node::compact(group_id g, index_t index, std::string data) {
  if (hosted* h = find(g))
    h->core->compact(index, std::move(data));
}

// --- outputs -----------------------------------------------------------------

bool multi_node::has_ready() const {
  if (ready_outstanding_)
    return false;
  for (auto& [g, h] : groups_)
    if (h.core->has_ready() || !h.quiesce_to.empty())
      return true;
  for (auto& [p, pr] : peers_)
    if (now_ >= pr.sent + static_cast<std::uint64_t>(cfg_.ping_ticks))
      return true;
  return false;
}

void multi_node::route(group_id g, std::vector<message>& msgs,
                       std::map<node_id, envelope>& out) {
  for (message& m : msgs) {
    envelope& e = out[m.to];
    e.from = cfg_.id;
    e.to = m.to;
    e.msgs.push_back(group_message{g, false, std::move(m)});
  }
  msgs.clear();
}

multi_ready multi_node::get_ready() {
  DS_RAFT_CHECK(!ready_outstanding_, "the previous ready was not advanced");
  multi_ready out;
  std::map<node_id, envelope> early, later;
  for (auto& [g, h] : groups_) {
    if (h.core->has_ready()) {
      group_ready gr;
      gr.group = g;
      gr.rd = h.core->get_ready();
      route(g, gr.rd.early, early);
      route(g, gr.rd.messages, later);
      out.groups.push_back(std::move(gr));
    }
    if (h.quiesce_to.empty())
      continue;
    const node& n = *h.core;
    for (node_id v : h.quiesce_to) {
      const progress* pr = n.progress_of(v);
      message m;
      m.type = msg_type::heartbeat;
      m.from = cfg_.id;
      m.to = v;
      m.term = n.term();
      m.commit = std::min(pr ? pr->match : 0, n.log().committed());
      envelope& e = early[v];
      e.from = cfg_.id;
      e.to = v;
      e.msgs.push_back(group_message{g, true, std::move(m)});
    }
    h.quiesce_to.clear();
  }
  // Pings: a peer that gets nothing else this often hears an empty envelope.
  for (auto& [p, pr] : peers_) {
    bool sending = early.count(p) > 0 || later.count(p) > 0;
    if (!sending &&
        now_ >= pr.sent + static_cast<std::uint64_t>(cfg_.ping_ticks)) {
      envelope& e = early[p];
      e.from = cfg_.id;
      e.to = p;
    }
    if (sending || early.count(p) > 0)
      pr.sent = now_;
  }
  for (auto& [p, e] : early)
    out.early.push_back(std::move(e));
  for (auto& [p, e] : later)
    out.messages.push_back(std::move(e));
  ready_outstanding_ = true;
  return out;
}

void multi_node::advance(const multi_ready& rd) {
  DS_RAFT_CHECK(ready_outstanding_, "advance without a ready");
  ready_outstanding_ = false;
  for (const group_ready& gr : rd.groups)
    if (hosted* h = find(gr.group))
      h->core->advance(gr.rd);
}

// --- observation -------------------------------------------------------------

bool multi_node::quiescent(group_id g) const {
  const hosted* h = find(g);
  return h && h->quiet;
}

std::vector<node_id> multi_node::peers_down() const {
  std::vector<node_id> out;
  for (auto& [p, pr] : peers_)
    if (pr.down)
      out.push_back(p);
  return out;
}

std::size_t multi_node::awake() const {
  std::size_t n = 0;
  for (auto& [g, h] : groups_)
    n += h.quiet ? 0 : 1;
  return n;
}

} // namespace ds::raft
