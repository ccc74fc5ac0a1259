#include "tests/replicated/group_sim.hpp"

#include <algorithm>

#include "model/meta/meta_codec.hpp"
#include "storage/batch_codec.hpp"

namespace ds::gsim {

namespace {

raft::multi_config settings() {
  // As actors/replica/host.cpp's default_group_settings().
  raft::multi_config c;
  c.group.election_ticks = 10;
  c.group.heartbeat_ticks = 1;
  c.group.lease_ticks = 8;
  c.quiesce_ticks = 2;
  c.ping_ticks = 3;
  c.liveness_ticks = 10;
  return c;
}

std::map<group_id, std::vector<node_id>> layout() {
  std::map<group_id, std::vector<node_id>> out;
  for (group_id g = 0; g < shard_groups; ++g)
    for (node_id k = 0; k < nodes; ++k)
      out[g].push_back((home_member(g) - 1 + k) % nodes + 1);
  for (node_id a = 1; a <= nodes; ++a)
    out[meta_group].push_back(a);
  return out;
}

} // namespace

world::world(uint64_t seed)
    : c(nodes, layout(), seed, settings()), nodes_(nodes), rng(c.rng) {
  c.on_commit = [this](node_id a, group_id g, const raft::entry& e) {
    applied_.push_back({a, g, e, std::nullopt});
  };
  c.on_snapshot = [this](node_id a, group_id g, const raft::snapshot& s) {
    applied_.push_back({a, g, {}, s});
  };
  c.on_read = [this](node_id a, group_id g, const raft::read_state& r) {
    reads_.push_back({a, {g, r}});
  };
}

void world::note(std::string s) {
  trace.push_back(std::to_string(c.now()) + " " + std::move(s));
}

void world::fail(const std::string& why) {
  if (failure.empty())
    failure = "step " + std::to_string(c.now()) + ": " + why;
}

int64_t world::now_ns() const {
  return 1000 * second + static_cast<int64_t>(c.now()) * step_ns;
}

std::string world::tail(size_t n) const {
  std::string out;
  size_t from = trace.size() > n ? trace.size() - n : 0;
  for (size_t i = from; i < trace.size(); ++i)
    out += trace[i] + "\n";
  return out;
}

// --- the network of outside callers ---------------------------------------

void world::post(message m) {
  if (c.drop > 0 && std::uniform_real_distribution<double>(0, 1)(rng) < c.drop)
    return m.lost();
  m.due = c.now() + 1 + pick(static_cast<uint64_t>(std::max(1, c.max_delay)));
  m.seq = seq_++;
  flight.push_back(std::move(m));
}

void world::deliver_due() {
  std::vector<message> due;
  auto split =
      std::stable_partition(flight.begin(), flight.end(),
                            [&](const message& m) { return m.due > c.now(); });
  due.assign(std::make_move_iterator(split),
             std::make_move_iterator(flight.end()));
  flight.erase(split, flight.end());
  std::sort(due.begin(), due.end(), [](const message& x, const message& y) {
    return x.due != y.due ? x.due < y.due : x.seq < y.seq;
  });
  for (auto& m : due) {
    if (m.inbound && !c.alive(m.node)) {
      note("lost " + m.what + " (n" + std::to_string(m.node) + " down)");
      m.lost();
    } else {
      m.deliver();
    }
  }
}

// --- steps -------------------------------------------------------------------

void world::step() {
  c.step();
  if (!c.violation().empty())
    fail(c.violation());
  auto applied = std::move(applied_);
  applied_.clear();
  for (auto& h : applied)
    if (c.alive(h.a) && h.snap)
      apply_snapshot(h.a, h.g, *h.snap);
    else if (c.alive(h.a))
      apply_entry(h.a, h.g, h.e);
  auto reads = std::move(reads_);
  reads_.clear();
  for (auto& [a, gr] : reads) {
    if (!c.alive(a))
      continue;
    if (gr.first == meta_group) {
      for (auto& m : meta_reads_)
        if (m.a == a && m.ctx == gr.second.context)
          m.index = std::max<index_t>(gr.second.index, 1);
      continue;
    }
    auto& r = at(a).shards[gr.first];
    if (r.checking && r.check_ctx == gr.second.context)
      r.check_index = std::max<index_t>(gr.second.index, 1);
  }
  if (compact_every > 0 && c.now() % 50 == 0)
    for (node_id a = 1; a <= nodes; ++a)
      if (c.alive(a))
        compact(a);
  poll_checks();
  poll_meta_reads();
  expire();
  deliver_due();
  auto timers = std::move(timers_);
  timers_.clear();
  for (auto& [due, f] : timers)
    if (due <= c.now())
      f();
    else
      timers_.push_back({due, std::move(f)});
}

void world::crash(node_id a) {
  note("crash n" + std::to_string(a));
  c.crash(a);
  auto& s = at(a);
  for (auto& [g, r] : s.shards) {
    // The store is on disk; everything else is lost with its answers.
    auto store = std::move(r.store);
    auto unchecked = std::move(r.unchecked);
    auto queue = std::move(r.queue);
    r = shard_replica{};
    r.store = std::move(store);
    for (auto& j : unchecked)
      j.lost();
    for (auto& w : queue)
      w.j.lost();
  }
  auto props = std::move(s.meta.proposals);
  s.meta = meta_replica{}; // rebuilt from the log after the restart
  for (auto& p : props)
    p.done(meta_result{errc::eunavailable});
}

void world::restart(node_id a) {
  note("restart n" + std::to_string(a));
  c.restart(a);
  for (group_id g = 0; g < shard_groups; ++g)
    compacted_.erase({a, g});
  compacted_.erase({a, meta_group});
  // The metadata replica starts from the snapshot on its disk (its store
  // holds the shard groups' state: the committer skips what it has).
  auto& snap = c.at(a).disks[meta_group].snap;
  if (!snap.empty()) {
    decode_meta_state(snap.data, at(a).meta.machine);
    at(a).meta.applied = snap.meta.index;
  }
}

// --- the committers ----------------------------------------------------------

void world::apply_entry(node_id a, group_id g, const raft::entry& e) {
  if (g == meta_group) {
    auto& m = at(a).meta;
    if (e.index != m.applied + 1)
      return fail("n" + std::to_string(a) + " meta applies " +
                  std::to_string(e.index) + " after " +
                  std::to_string(m.applied));
    m.applied = e.index;
    meta_result res;
    if (e.type == raft::entry_type::normal && !e.data.empty())
      res = m.machine.apply(decode_meta_command(e.data));
    for (auto it = m.proposals.begin(); it != m.proposals.end();) {
      if (it->where.index != e.index) {
        ++it;
        continue;
      }
      auto done = std::move(it->done);
      bool ours = it->where.term == e.term;
      it = m.proposals.erase(it);
      done(ours ? res : meta_result{errc::eunavailable});
    }
    return;
  }
  auto& r = at(a).shards[g];
  uint64_t last = r.store->applied();
  if (e.index <= last)
    return; // written before a restart
  if (e.index != last + 1)
    return fail("g" + std::to_string(g) + " n" + std::to_string(a) +
                " entries jump from " + std::to_string(last) + " to " +
                std::to_string(e.index));
  std::vector<commit_batch> batches;
  if (e.type == raft::entry_type::normal && !e.data.empty())
    batches.push_back(decode_commit_batch(e.data));
  r.store->apply_group(batches, e.index);
  // The proposal of this replica's leader at this index is decided.
  if (r.committing && r.prop.index == e.index) {
    uint64_t batch = r.open_batch - 1;
    if (r.prop.term == e.term)
      on_committed(a, g, batch);
    else
      on_refused(a, g, batch, errc::enotleader, hint_of(a, g));
  }
}

void world::apply_snapshot(node_id a, group_id g, const raft::snapshot& s) {
  ++snapshots;
  note("n" + std::to_string(a) + " g" + std::to_string(g) +
       " receives a snapshot at " + std::to_string(s.meta.index));
  if (g == meta_group) {
    auto& m = at(a).meta;
    decode_meta_state(s.data, m.machine);
    m.applied = s.meta.index;
    // Proposals it covers: their fate is unknown here.
    for (auto it = m.proposals.begin(); it != m.proposals.end();) {
      if (it->where.index > s.meta.index) {
        ++it;
        continue;
      }
      auto done = std::move(it->done);
      it = m.proposals.erase(it);
      done(meta_result{errc::eunavailable});
    }
    return;
  }
  auto& r = at(a).shards[g];
  // A snapshot behind the store must not take it back (committer.cpp).
  if (s.meta.index > r.store->applied())
    r.store->install(decode_commit_batch(s.data), s.meta.index);
  if (r.committing && r.prop.index <= s.meta.index)
    on_refused(a, g, r.open_batch - 1, errc::eunavailable, hint_of(a, g));
}

void world::compact(node_id a) {
  auto& mn = c.get(a);
  for (group_id g : mn.groups()) {
    index_t at_index = mn.status(g).applied;
    index_t& last = compacted_[{a, g}];
    if (at_index < last + compact_every)
      continue;
    std::string data;
    if (g == meta_group) {
      if (at(a).meta.applied != at_index)
        continue;
      data = encode_meta_state(at(a).meta.machine);
    } else {
      auto& store = *at(a).shards[g].store;
      if (store.applied() != at_index)
        continue; // the store is ahead of the log after a restart
      data = encode_commit_batch(whole_batch(store.load()));
    }
    mn.compact(g, at_index, std::move(data));
    last = at_index;
  }
}

void world::expire() {
  uint64_t now = c.now();
  for (node_id a = 1; a <= nodes; ++a) {
    if (!c.alive(a))
      continue;
    auto& m = at(a).meta;
    for (auto it = m.proposals.begin(); it != m.proposals.end();) {
      if (it->until > now) {
        ++it;
        continue;
      }
      auto done = std::move(it->done);
      it = m.proposals.erase(it);
      done(meta_result{errc::eunavailable});
    }
    for (auto& [g, r] : at(a).shards)
      if (r.committing && r.prop_until <= now) {
        note("n" + std::to_string(a) + " g" + std::to_string(g) +
             " proposal unanswered");
        r.unknown = r.prop;
        on_refused(a, g, r.open_batch - 1, errc::eunavailable, hint_of(a, g));
      }
  }
}

// --- the metadata group ------------------------------------------------------

void world::send_meta(node_id a, const meta_command& cmd,
                      std::function<void(meta_result, node_id)> done) {
  auto back = [this, a, done](meta_result r, node_id hint) {
    post(message{0, 0, a, false, "meta reply",
                 [done, r, hint] { done(r, hint); },
                 [done] { done(meta_result{errc::eunavailable}, 0); }});
  };
  post(message{0, 0, a, true, "meta command -> n" + std::to_string(a),
               [this, a, cmd, back] {
                 const raft::node* n = c.get(a).group(meta_group);
                 std::optional<raft::proposal> p;
                 if (n->leader() == a)
                   p = c.get(a).propose(meta_group, encode_meta_command(cmd));
                 if (!p)
                   return back(meta_result{errc::enotleader}, n->leader());
                 at(a).meta.proposals.push_back(meta_replica::waiting{
                     *p, c.now() + wait_steps,
                     [back](meta_result r) { back(r, 0); }});
               },
               [done] { done(meta_result{errc::eunavailable}, 0); }});
}

const meta_state* world::meta_read() {
  for (node_id a = 1; a <= nodes; ++a) {
    if (!c.alive(a))
      continue;
    const raft::node* n = c.get(a).group(meta_group);
    if (n->leader() != a)
      continue;
    if (at(a).meta.applied >= n->log().committed() &&
        c.get(a).lease_read(meta_group))
      return &at(a).meta.machine;
    // A quiescent group holds no lease: a read wakes it.
    c.get(a).read_index(meta_group, "wake");
  }
  return nullptr;
}

void world::read_meta(std::function<void(const meta_state*)> done, int tries) {
  if (auto m = meta_read())
    return done(m);
  auto again = [this, done, tries] { read_meta(done, tries + 1); };
  if (tries >= 10)
    return done(nullptr);
  auto l = c.leader(meta_group);
  std::string ctx = "meta." + std::to_string(++read_seq_);
  if (!l || !c.get(*l).read_index(meta_group, ctx))
    return after(10, again);
  meta_reads_.push_back(
      meta_reading{*l, ctx, 0, c.now() + wait_steps, done, tries});
}

void world::poll_meta_reads() {
  std::vector<meta_reading> ready, retry;
  for (auto it = meta_reads_.begin(); it != meta_reads_.end();) {
    bool up = c.alive(it->a);
    if (up && it->index != 0 && it->index <= at(it->a).meta.applied)
      ready.push_back(std::move(*it));
    else if (!up || it->until <= c.now())
      retry.push_back(std::move(*it));
    else {
      ++it;
      continue;
    }
    it = meta_reads_.erase(it);
  }
  for (auto& r : ready)
    r.done(&at(r.a).meta.machine);
  for (auto& r : retry)
    read_meta(r.done, r.tries + 1);
}

void world::after(uint64_t steps, std::function<void()> f) {
  timers_.push_back({c.now() + steps, std::move(f)});
}

bool world::serves(group_id g, inode_id dir, uint64_t h) const {
  auto a = c.leader(g);
  if (!a)
    return false;
  auto& s = nodes_.at(*a - 1);
  auto it = s.shards.find(g);
  if (it == s.shards.end() || !it->second.leading ||
      it->second.lead_term != c.get_const(*a).group(g)->term())
    return false;
  auto p = it->second.core->parts(dir);
  if (!p)
    return g == dir % shard_groups; // the home holds it all, a guest none
  return p->reads(h);
}

} // namespace ds::gsim
