#include "tests/model/raft/sim.hpp"

#include <algorithm>
#include <cstdlib>
#include <sstream>

namespace ds::raft::sim {

namespace {

std::string
encode_state(const std::map<index_t, std::pair<term_t, std::string>>& s,
             index_t upto) {
  std::ostringstream out;
  for (auto& [i, v] : s) {
    if (i > upto)
      break;
    out << i << ' ' << v.first << ' ' << v.second.size() << ':' << v.second;
  }
  return out.str();
}

std::map<index_t, std::pair<term_t, std::string>>
decode_state(const std::string& d) {
  std::map<index_t, std::pair<term_t, std::string>> s;
  std::istringstream in(d);
  index_t i;
  term_t t;
  std::size_t n;
  char colon;
  while (in >> i >> t >> n >> colon) {
    std::string data(n, '\0');
    in.read(data.data(), static_cast<std::streamsize>(n));
    s[i] = {t, data};
  }
  return s;
}

} // namespace

cluster::cluster(std::size_t n, std::uint64_t seed, config base)
    : rng(seed), base_(base), members_(n) {
  std::vector<node_id> voters;
  for (node_id i = 1; i <= n; ++i)
    voters.push_back(i);
  for (node_id i = 1; i <= n; ++i) {
    initial_voters_.push_back(voters);
    restart(i);
  }
}

config cluster::config_for(node_id a) const {
  config c = base_;
  c.id = a;
  c.voters = initial_voters_.at(a - 1);
  // A fresh seed per incarnation, derived from the run's seed.
  c.seed = base_.seed * 1000003 + a * 7919 + incarnations_;
  return c;
}

node_id cluster::add_node(std::vector<node_id> voters) {
  members_.emplace_back();
  initial_voters_.push_back(std::move(voters));
  node_id id = members_.size();
  restart(id);
  return id;
}

std::vector<node_id> cluster::ids() const {
  std::vector<node_id> v;
  for (node_id i = 1; i <= members_.size(); ++i)
    v.push_back(i);
  return v;
}

// --- faults ----------------------------------------------------------------

void cluster::cut(node_id a, node_id b) {
  cuts_.insert({std::min(a, b), std::max(a, b)});
}
void cluster::heal(node_id a, node_id b) {
  cuts_.erase({std::min(a, b), std::max(a, b)});
}
void cluster::isolate(node_id a) {
  for (node_id b : ids())
    if (b != a)
      cut(a, b);
}
void cluster::heal_all() {
  cuts_.clear();
  net.drop = 0;
  net.duplicate = 0;
}
bool cluster::connected(node_id a, node_id b) const {
  return cuts_.count({std::min(a, b), std::max(a, b)}) == 0;
}

void cluster::crash(node_id a, crash_point at) {
  if (at != crash_point::between_readies) {
    crash_next_[a] = at;
    return;
  }
  member& mb = m(a);
  mb.core.reset();
  mb.applied.clear();
  mb.reads.clear();
  mb.waiting.clear();
  crash_next_.erase(a);
}

void cluster::restart(node_id a) {
  member& mb = m(a);
  crash_next_.erase(a);
  if (mb.core)
    return;
  ++incarnations_;
  restored_state rs{mb.stored.hard, mb.stored.snap, mb.stored.entries};
  mb.core = std::make_unique<node>(config_for(a), rs);
  mb.applied = decode_state(mb.stored.snap.data);
  mb.last_applied = mb.stored.snap.meta.index;
  mb.max_commit_seen = mb.core->log().committed();
}

// --- clients ---------------------------------------------------------------

std::optional<proposal> cluster::propose(node_id at, const std::string& data) {
  if (!alive(at))
    return std::nullopt;
  auto p = m(at).core->propose(data);
  if (p) {
    op_at_[{p->index, p->term}].push_back(ops_.size());
    ops_.push_back(client_op{*p, data, false});
  }
  return p;
}

std::optional<proposal> cluster::propose_any(const std::string& data) {
  auto l = leader();
  return l ? propose(*l, data) : std::nullopt;
}

bool cluster::read(node_id at, const std::string& ctx) {
  return alive(at) && m(at).core->read_index(ctx);
}

bool cluster::lease_read(node_id at, const std::string& ctx) {
  if (!alive(at))
    return false;
  member& mb = m(at);
  if (!mb.core->lease_valid() || mb.last_applied < mb.core->log().committed())
    return false;
  mb.read_values[ctx] = last_value(mb);
  ++lease_reads;
  return true;
}

std::string cluster::last_value(const member& mb) const {
  for (auto rit = mb.applied.rbegin(); rit != mb.applied.rend(); ++rit)
    if (!rit->second.second.empty())
      return rit->second.second;
  return {};
}

std::optional<node_id> cluster::leader() const {
  std::optional<node_id> best;
  term_t best_term = 0;
  for (node_id a : ids()) {
    const member& mb = m(a);
    if (mb.core && mb.core->current_role() == role::leader &&
        mb.core->term() >= best_term) {
      best = a;
      best_term = mb.core->term();
    }
  }
  return best;
}

std::size_t cluster::leaders() const {
  std::size_t n = 0;
  for (node_id a : ids())
    if (m(a).core && m(a).core->current_role() == role::leader)
      ++n;
  return n;
}

// --- time ------------------------------------------------------------------

void cluster::run(int ticks) {
  for (int i = 0; i < ticks * steps_per_tick; ++i)
    step();
}

void cluster::step() {
  ++now_;
  deliver();
  for (node_id a : ids()) {
    auto p = tick_period.find(a);
    auto period = static_cast<std::uint64_t>(
        p == tick_period.end() ? steps_per_tick : p->second);
    if (now_ % period == 0 && alive(a))
      m(a).core->tick();
  }
  settle();
}

void cluster::settle() {
  for (node_id a : ids())
    drive(a);
  check();
}

void cluster::deliver() {
  std::vector<in_flight> due;
  auto split = std::partition(flight_.begin(), flight_.end(),
                              [&](const in_flight& f) { return f.due > now_; });
  due.assign(std::make_move_iterator(split),
             std::make_move_iterator(flight_.end()));
  flight_.erase(split, flight_.end());
  std::sort(due.begin(), due.end(), [](const in_flight& x, const in_flight& y) {
    return x.due != y.due ? x.due < y.due : x.seq < y.seq;
  });
  for (auto& f : due) {
    node_id to = f.msg.to;
    if (to == 0 || to > members_.size() || !alive(to) ||
        !connected(f.msg.from, to))
      continue;
    m(to).core->step(f.msg);
  }
}

void cluster::send(const message& msg) {
  std::string name = to_string(msg.type);
  if (msg.reject)
    name += ".reject";
  ++sent[name];
  if (msg.type == msg_type::vote_resp && !msg.reject) {
    // The vote must already be on the voter's disk.
    const hard_state& h = m(msg.from).stored.hard;
    // (A later term on disk is fine: it can never vote in msg.term again.)
    if (h.term < msg.term || (h.term == msg.term && h.vote != msg.to))
      fail("vote for " + std::to_string(msg.to) + " in term " +
           std::to_string(msg.term) + " sent before it was persisted");
    auto [it, fresh] =
        granted_.emplace(std::make_pair(msg.from, msg.term), msg.to);
    if (!fresh && it->second != msg.to)
      fail("node " + std::to_string(msg.from) + " voted twice in term " +
           std::to_string(msg.term));
  }
  if (msg.type == msg_type::append_resp && !msg.reject) {
    const disk& d = m(msg.from).stored;
    index_t last = d.snap.meta.index + d.entries.size();
    if (msg.index > last)
      fail("append acknowledged up to " + std::to_string(msg.index) +
           " with only " + std::to_string(last) + " entries on disk");
  }
  if (!connected(msg.from, msg.to))
    return;
  if (hold) {
    held_.push_back(msg);
    return;
  }
  std::uniform_real_distribution<double> u(0, 1);
  if (net.drop > 0 && u(rng) < net.drop)
    return;
  int copies = net.duplicate > 0 && u(rng) < net.duplicate ? 2 : 1;
  for (int c = 0; c < copies; ++c) {
    std::uniform_int_distribution<int> d(
        net.min_delay, std::max(net.min_delay, net.max_delay));
    flight_.push_back(
        in_flight{now_ + static_cast<std::uint64_t>(d(rng)), seq_++, msg});
  }
}

// --- driver ----------------------------------------------------------------

void cluster::drive(node_id a) {
  member& mb = m(a);
  while (mb.core && mb.core->has_ready()) {
    ready rd = mb.core->get_ready();
    if (on_ready)
      on_ready(a, rd);
    // A leader's appends leave before its own write; a crash before the
    // sync then loses them locally while followers may already hold them.
    for (const message& msg : rd.early)
      send(msg);
    auto crash_at = crash_next_.find(a);
    if (crash_at != crash_next_.end() &&
        crash_at->second == crash_point::before_sync) {
      crash(a);
      return;
    }
    // Committed entries are on a quorum already: applied (and acknowledged)
    // before this ready's own write, as the metadata replica does.
    if (!rd.snap)
      apply(a, mb, rd);
    persist(mb, rd);
    if (crash_at != crash_next_.end()) {
      crash(a);
      return;
    }
    for (const message& msg : rd.messages)
      send(msg);
    if (rd.snap)
      apply(a, mb, rd);
    mb.core->advance(rd);
    const raft_log& log = mb.core->log();
    if (snapshot_every > 0 &&
        log.applied() >= log.last_snapshot().meta.index + snapshot_every) {
      index_t at = log.applied();
      mb.core->compact(at, encode_state(mb.applied, at));
      mb.stored.snap = mb.core->log().last_snapshot();
      auto& es = mb.stored.entries;
      es.erase(es.begin(),
               std::find_if(es.begin(), es.end(),
                            [&](const entry& e) { return e.index > at; }));
    }
  }
}

void cluster::persist(member& mb, const ready& rd) {
  disk& d = mb.stored;
  if (rd.snap) {
    d.snap = *rd.snap;
    d.entries.clear();
  }
  if (!rd.entries.empty()) {
    index_t first = rd.entries.front().index;
    while (!d.entries.empty() && d.entries.back().index >= first)
      d.entries.pop_back();
    index_t last = d.snap.meta.index + d.entries.size();
    if (first != last + 1)
      fail("persisted entries leave a gap at " + std::to_string(first));
    for (const entry& e : rd.entries) {
      term_t prev =
          d.entries.empty() ? d.snap.meta.term : d.entries.back().term;
      auto [it, fresh] = seen_.emplace(std::make_pair(e.index, e.term),
                                       std::make_pair(e.data, prev));
      if (!fresh && (it->second.first != e.data || it->second.second != prev))
        fail("log matching: two different entries at index " +
             std::to_string(e.index) + " term " + std::to_string(e.term));
      d.entries.push_back(e);
    }
  }
  if (rd.hard)
    d.hard = *rd.hard;
}

void cluster::apply(node_id a, member& mb, const ready& rd) {
  if (rd.snap) {
    mb.applied = decode_state(rd.snap->data);
    mb.last_applied = rd.snap->meta.index;
    for (auto& [i, v] : mb.applied) {
      auto it = committed_.find(i);
      if (it != committed_.end() && it->second != v)
        fail("snapshot disagrees with the committed entry at " +
             std::to_string(i));
    }
  }
  for (const entry& e : rd.committed) {
    if (e.index != mb.last_applied + 1)
      fail("node " + std::to_string(a) + " applied " + std::to_string(e.index) +
           " after " + std::to_string(mb.last_applied));
    mb.last_applied = e.index;
    mb.applied[e.index] = {e.term, e.data};
    auto [it, fresh] =
        committed_.emplace(e.index, std::make_pair(e.term, e.data));
    if (!fresh && it->second != std::make_pair(e.term, e.data))
      fail("index " + std::to_string(e.index) +
           " applied with two different commands");
    top_committed_term_ = std::max(top_committed_term_, e.term);
    auto ops = op_at_.find({e.index, e.term});
    if (ops != op_at_.end())
      for (std::size_t k : ops->second)
        if (ops_[k].data == e.data)
          ops_[k].acked = true;
  }
  for (const read_state& r : rd.reads)
    mb.waiting.push_back(r);
  for (auto it = mb.waiting.begin(); it != mb.waiting.end();) {
    if (it->index > mb.last_applied) {
      ++it;
      continue;
    }
    mb.read_values[it->context] = last_value(mb);
    mb.reads.push_back(*it);
    it = mb.waiting.erase(it);
  }
}

// --- invariants ------------------------------------------------------------

void cluster::fail(const std::string& what) {
  if (violation_.empty())
    violation_ = "step " + std::to_string(now_) + ": " + what;
}

void cluster::check() {
  for (node_id a : ids()) {
    member& mb = m(a);
    if (!mb.core)
      continue;
    const node& n = *mb.core;
    index_t c = n.log().committed();
    if (c < mb.max_commit_seen)
      fail("commit index of node " + std::to_string(a) + " went down");
    mb.max_commit_seen = c;
    // A lease may be held only while no later term has committed anything:
    // otherwise a read served from it could miss that term's writes.
    if (n.lease_valid() && top_committed_term_ > n.term())
      fail("node " + std::to_string(a) + " holds a lease in term " +
           std::to_string(n.term()) + " after term " +
           std::to_string(top_committed_term_) + " committed");
    if (n.current_role() != role::leader)
      continue;
    auto [it, fresh] = leader_of_term_.emplace(n.term(), a);
    if (!fresh && it->second != a)
      fail("two leaders in term " + std::to_string(n.term()));
    if (!fresh)
      continue;
    // Leader completeness: a new leader holds every committed entry.
    const raft_log& log = n.log();
    for (auto& [i, v] : committed_) {
      if (i < log.first_index())
        continue;
      if (i > log.last_index() || log.at(i).term != v.first ||
          log.at(i).data != v.second)
        fail("leader " + std::to_string(a) + " of term " +
             std::to_string(n.term()) + " lacks committed entry " +
             std::to_string(i));
    }
  }
}

std::string cluster::final_check() const {
  if (!violation_.empty())
    return violation_;
  index_t top = committed_.empty() ? 0 : committed_.rbegin()->first;
  for (node_id a : ids()) {
    const member& mb = m(a);
    if (!mb.core)
      continue;
    if (mb.last_applied != top)
      return "node " + std::to_string(a) + " applied " +
             std::to_string(mb.last_applied) + " of " + std::to_string(top);
    for (const client_op& op : ops_) {
      if (!op.acked)
        continue;
      auto it = mb.applied.find(op.where.index);
      if (it == mb.applied.end() || it->second.second != op.data)
        return "node " + std::to_string(a) + " lacks acknowledged op at " +
               std::to_string(op.where.index);
    }
  }
  return "";
}

std::vector<std::uint64_t> seeds(std::uint64_t first, std::size_t count) {
  if (const char* one = std::getenv("RAFT_SEED"))
    return {std::strtoull(one, nullptr, 10)};
  if (const char* n = std::getenv("RAFT_SEEDS"))
    count = std::strtoull(n, nullptr, 10);
  std::vector<std::uint64_t> v;
  for (std::size_t i = 0; i < count; ++i)
    v.push_back(first + i);
  return v;
}

} // namespace ds::raft::sim
