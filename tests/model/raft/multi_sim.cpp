#include "tests/model/raft/multi_sim.hpp"

#include <algorithm>
#include <utility>

namespace ds::raft::msim {

cluster::cluster(std::size_t nodes,
                 std::map<group_id, std::vector<node_id>> layout,
                 std::uint64_t seed, multi_config base)
    : rng(seed), base_(std::move(base)), layout_(std::move(layout)),
      nodes_(nodes) {
  base_.seed = seed;
  for (node_id a : ids())
    restart(a);
}

std::vector<node_id> cluster::ids() const {
  std::vector<node_id> v;
  for (node_id i = 1; i <= nodes_.size(); ++i)
    v.push_back(i);
  return v;
}

std::vector<group_id> cluster::groups() const {
  std::vector<group_id> v;
  for (auto& [g, voters] : layout_)
    v.push_back(g);
  return v;
}

// --- faults ------------------------------------------------------------------

void cluster::cut(node_id a, node_id b) {
  cuts_.insert({std::min(a, b), std::max(a, b)});
}

void cluster::isolate(node_id a) {
  for (node_id b : ids())
    if (b != a)
      cut(a, b);
}

void cluster::heal_all() {
  cuts_.clear();
  drop = 0;
}

void cluster::crash(node_id a) {
  sim_node& s = n(a);
  s.core.reset();
  s.groups.clear();
}

void cluster::restart(node_id a) {
  sim_node& s = n(a);
  if (s.core)
    return;
  multi_config c = base_;
  c.id = a;
  c.seed = base_.seed * 31 + a;
  s.core = std::make_unique<multi_node>(c);
  for (auto& [g, voters] : layout_) {
    if (std::find(voters.begin(), voters.end(), a) == voters.end())
      continue;
    group_disk& d = s.disks[g];
    s.core->add_group(g, voters, restored_state{d.hard, d.snap, d.entries});
    group_replica& r = s.groups[g];
    r.max_commit_seen = s.core->group(g)->log().committed();
    r.last_applied = d.snap.meta.index; // the snapshot is applied
  }
}

// --- clients -----------------------------------------------------------------

std::optional<node_id> cluster::leader(group_id g) const {
  std::optional<node_id> best;
  term_t best_term = 0;
  for (node_id a : ids()) {
    const sim_node& s = n(a);
    if (!s.core)
      continue;
    const node* c = s.core->group(g);
    if (c && c->current_role() == role::leader && c->term() >= best_term) {
      best = a;
      best_term = c->term();
    }
  }
  return best;
}

bool cluster::serving(group_id g) const {
  auto l = leader(g);
  return l && n(*l).core->group(g)->committed_in_term();
}

std::optional<proposal> cluster::propose(group_id g, const std::string& data) {
  auto l = leader(g);
  if (!l)
    return std::nullopt;
  auto p = n(*l).core->propose(g, data);
  if (p)
    ops_.push_back(op{g, *p, data, false});
  return p;
}

// --- network -----------------------------------------------------------------

void cluster::send(envelope e) {
  ++envelopes;
  group_messages += e.msgs.size();
  if (cuts_.count({std::min(e.from, e.to), std::max(e.from, e.to)}))
    return;
  std::uniform_real_distribution<double> u(0, 1);
  if (drop > 0 && u(rng) < drop)
    return;
  std::uniform_int_distribution<int> d(1, std::max(1, max_delay));
  flight_.push_back(in_flight{now_ + static_cast<std::uint64_t>(d(rng)), seq_++,
                              std::move(e)});
}

void cluster::step() {
  ++now_;
  std::vector<in_flight> due;
  auto split = std::partition(flight_.begin(), flight_.end(),
                              [&](const in_flight& f) { return f.due > now_; });
  due.assign(std::make_move_iterator(split),
             std::make_move_iterator(flight_.end()));
  flight_.erase(split, flight_.end());
  std::sort(due.begin(), due.end(), [](const in_flight& x, const in_flight& y) {
    return x.due != y.due ? x.due < y.due : x.seq < y.seq;
  });
  for (const in_flight& f : due)
    if (alive(f.env.to))
      n(f.env.to).core->step(f.env);
  if (now_ % static_cast<std::uint64_t>(steps_per_tick) == 0)
    for (node_id a : ids())
      if (alive(a)) {
        group_ticks += n(a).core->awake();
        n(a).core->tick();
      }
  for (node_id a : ids())
    drive(a);
  check();
}

void cluster::run(int ticks) {
  for (int i = 0; i < ticks * steps_per_tick; ++i)
    step();
}

// --- driver ------------------------------------------------------------------

void cluster::drive(node_id a) {
  sim_node& s = n(a);
  while (s.core && s.core->has_ready()) {
    multi_ready rd = s.core->get_ready();
    for (envelope& e : rd.early)
      send(std::move(e));
    // One sync for every group of the bundle.
    for (const group_ready& gr : rd.groups)
      persist(s.disks[gr.group], gr.rd);
    for (envelope& e : rd.messages)
      send(std::move(e));
    for (const group_ready& gr : rd.groups)
      apply(a, gr.group, gr.rd);
    s.core->advance(rd);
  }
}

void cluster::persist(group_disk& d, const ready& rd) {
  if (rd.snap) {
    d.snap = *rd.snap;
    d.entries.clear();
  }
  if (!rd.entries.empty()) {
    index_t first = rd.entries.front().index;
    while (!d.entries.empty() && d.entries.back().index >= first)
      d.entries.pop_back();
    if (first != d.snap.meta.index + d.entries.size() + 1)
      fail("persisted entries leave a gap at " + std::to_string(first));
    for (const entry& e : rd.entries)
      d.entries.push_back(e);
  }
  if (rd.hard)
    d.hard = *rd.hard;
}

void cluster::apply(node_id a, group_id g, const ready& rd) {
  group_replica& r = n(a).groups[g];
  if (rd.snap && rd.snap->meta.index > r.last_applied) {
    r.last_applied = rd.snap->meta.index;
    if (on_snapshot)
      on_snapshot(a, g, *rd.snap);
  }
  for (const entry& e : rd.committed) {
    if (e.index != r.last_applied + 1)
      fail("group " + std::to_string(g) + " node " + std::to_string(a) +
           " applied " + std::to_string(e.index) + " after " +
           std::to_string(r.last_applied));
    r.last_applied = e.index;
    r.applied[e.index] = {e.term, e.data};
    auto& com = committed_[g];
    auto [it, fresh] = com.emplace(e.index, std::make_pair(e.term, e.data));
    if (!fresh && it->second != std::make_pair(e.term, e.data))
      fail("group " + std::to_string(g) + " index " + std::to_string(e.index) +
           " applied with two different commands");
    top_term_[g] = std::max(top_term_[g], e.term);
    for (op& o : ops_)
      if (!o.acked && o.group == g && o.where.index == e.index &&
          o.where.term == e.term && o.data == e.data)
        o.acked = true;
    if (on_commit)
      on_commit(a, g, e);
  }
  for (const read_state& rs : rd.reads) {
    r.reads[rs.context] = rs.index;
    if (on_read)
      on_read(a, g, rs);
  }
}

// --- invariants --------------------------------------------------------------

void cluster::fail(const std::string& what) {
  if (violation_.empty())
    violation_ = "step " + std::to_string(now_) + ": " + what;
}

void cluster::check() {
  for (node_id a : ids()) {
    sim_node& s = n(a);
    if (!s.core)
      continue;
    for (group_id g : s.core->groups()) {
      const node& c = *s.core->group(g);
      group_replica& r = s.groups[g];
      std::string who =
          "group " + std::to_string(g) + " node " + std::to_string(a);
      if (c.log().committed() < r.max_commit_seen)
        fail(who + ": commit index went down");
      r.max_commit_seen = c.log().committed();
      if (s.core->lease_valid(g) && top_term_[g] > c.term())
        fail(who + " holds a lease in term " + std::to_string(c.term()) +
             " after term " + std::to_string(top_term_[g]) + " committed");
      if (c.current_role() != role::leader)
        continue;
      auto [it, fresh] =
          leader_of_term_.emplace(std::make_pair(g, c.term()), a);
      if (!fresh && it->second != a)
        fail("group " + std::to_string(g) + ": two leaders in term " +
             std::to_string(c.term()));
    }
  }
}

std::string cluster::final_check() const {
  if (!violation_.empty())
    return violation_;
  for (const op& o : ops_) {
    if (!o.acked)
      continue;
    auto g = committed_.find(o.group);
    auto it = g == committed_.end() ? decltype(g->second.end()){}
                                    : g->second.find(o.where.index);
    if (g == committed_.end() || it == g->second.end() ||
        it->second.second != o.data)
      return "acknowledged op " + o.data + " of group " +
             std::to_string(o.group) + " is not committed";
  }
  for (auto& [g, com] : committed_) {
    for (node_id a : ids()) {
      const sim_node& s = n(a);
      auto r = s.groups.find(g);
      if (!s.core || r == s.groups.end())
        continue;
      for (auto& [i, v] : r->second.applied) {
        auto it = com.find(i);
        if (it == com.end() || it->second != v)
          return "group " + std::to_string(g) + " node " + std::to_string(a) +
                 " applied something else at " + std::to_string(i);
      }
    }
  }
  return {};
}

} // namespace ds::raft::msim
