#include "actors/meta_replica.hpp"

#include <algorithm>

#include <caf/all.hpp>

#include "actors/log.hpp"
#include "messages/raft_codec.hpp"
#include "model/meta/meta_codec.hpp"
#include "storage/sqlite.hpp"

namespace ds {

namespace {

using self_ptr = metadata_actor::stateful_pointer<meta_replica_state>;

caf::error to_error(const replica_failure& f) {
  return caf::make_error(f.kind == replica_failure::stopped
                             ? caf::sec::runtime_error
                             : caf::sec::request_timeout,
                         f.what);
}

// Fails a response promise with the book's reason.
template <class T>
replica_book::on_failure fail_with(caf::typed_response_promise<T> rp) {
  return [rp](const replica_failure& f) mutable { rp.deliver(to_error(f)); };
}

void schedule_drive(self_ptr self) {
  auto& st = self->state;
  if (st.drive_scheduled || st.stopped)
    return;
  // Behind every message already queued: they join the same ready.
  st.drive_scheduled = true;
  self->send(self, meta_flush_atom::value);
}

void push_placement(self_ptr self, inode_id dir) {
  auto& st = self->state;
  auto p = st.machine.placement(dir);
  auto& subs = st.subscribers;
  subs.erase(std::remove_if(subs.begin(), subs.end(),
                            [&](const caf::actor_addr& a) {
                              auto h = caf::actor_cast<caf::actor>(a);
                              if (h)
                                caf::anon_send(h, place_push_atom::value, p);
                              return !h;
                            }),
             subs.end());
}

/// Writes a ready to the raft log, measured when it appends entries.
void save_timed(meta_replica_state& st, const raft::ready& rd) {
  if (!st.opts.meters || rd.entries.empty()) {
    st.store->save(rd);
    return;
  }
  auto t0 = std::chrono::steady_clock::now();
  st.store->save(rd);
  std::chrono::duration<double> took = std::chrono::steady_clock::now() - t0;
  st.opts.meters->append_seconds.observe(took.count());
  st.opts.meters->append_entries.observe(double(rd.entries.size()));
}

/// Counts `n` commands proposed here.
void count_proposals(meta_replica_state& st, uint64_t n) {
  if (st.opts.meters)
    st.opts.meters->proposals.fetch_add(n, std::memory_order_relaxed);
}

void apply_entry(self_ptr self, const raft::entry& e) {
  auto& st = self->state;
  st.applied = e.index;
  meta_result r;
  bool command = e.type == raft::entry_type::normal && !e.data.empty();
  if (command) {
    auto cmd = decode_meta_command(e.data);
    auto before = st.machine.epoch();
    r = st.machine.apply(cmd);
    auto* commit = std::get_if<migration_commit>(&cmd);
    if (commit && st.machine.epoch() != before) // a move took effect
      push_placement(self, st.machine.migrations().at(commit->migration).dir);
  }
  st.book.applied(e.index, e.term, command ? &r : nullptr);
}

void maybe_compact(self_ptr self) {
  auto& st = self->state;
  const auto& log = st.core->log();
  if (st.applied < log.last_snapshot().meta.index + st.opts.snapshot_every)
    return;
  st.core->compact(st.applied, encode_meta_state(st.machine));
  st.store->compact(st.core->log().last_snapshot());
}

void send_all(self_ptr self, const std::vector<raft::message>& ms) {
  auto& st = self->state;
  for (auto& m : ms) {
    auto peer = st.peers.find(m.to);
    if (peer != st.peers.end() && peer->second)
      self->send(peer->second, raft_atom::value, encode_raft_message(m));
  }
}

// Installs the ready's snapshot, applies its committed entries and serves
// the reads they make possible.
void apply_ready(self_ptr self, const raft::ready& rd) {
  auto& st = self->state;
  if (rd.snap) {
    decode_meta_state(rd.snap->data, st.machine);
    st.applied = rd.snap->meta.index;
  }
  for (auto& e : rd.committed)
    apply_entry(self, e);
  for (auto& r : rd.reads)
    st.book.read_index(r.context, r.index);
  st.book.serve_reads(st.applied);
}

// Logs the leader this replica knows when it changes (rare: elections).
void log_leader_change(meta_replica_state& st) {
  auto leader = st.core->leader();
  if (leader == st.logged_leader)
    return;
  st.logged_leader = leader;
  log_event(leader == raft::no_node ? log_level::warn : log_level::info, "raft",
            leader == raft::no_node ? "metadata group lost its leader"
                                    : "metadata leader elected",
            {{"replica", st.opts.id},
             {"leader", leader},
             {"term", st.core->term()},
             {"role", raft::to_string(st.core->current_role())}});
}

void drive(self_ptr self) {
  auto& st = self->state;
  st.drive_scheduled = false;
  if (st.stopped)
    return;
  try {
    while (st.core->has_ready()) {
      raft::ready rd = st.core->get_ready();
      send_all(self, rd.early); // replication overlaps the leader's write
      // Committed entries are on a quorum's disks already: applying (and
      // answering) them need not wait for this ready's write. A snapshot
      // from the leader is installed only once stored.
      if (!rd.snap)
        apply_ready(self, rd);
      save_timed(st, rd); // durable before anything depends on it
      send_all(self, rd.messages);
      if (rd.snap)
        apply_ready(self, rd);
      st.core->advance(rd);
      maybe_compact(self);
    }
    log_leader_change(st);
  } catch (const std::exception& e) {
    // A failed sync (or a damaged entry) stops this replica; it recovers
    // from its raft log when the node restarts. Nothing is acknowledged.
    log_event(log_level::error, "raft", "metadata replica stops",
              {{"replica", st.opts.id}, {"error", e.what()}});
    st.stopped = true;
    replica_failure why{replica_failure::stopped, e.what()};
    st.book.fail_all(why);
    self->quit(to_error(why));
  }
}

// The leader's replica if another replica leads and is reachable, else null.
metadata_actor leader_peer(self_ptr self) {
  auto& st = self->state;
  auto leader = st.core->leader();
  auto peer = st.peers.find(leader);
  if (leader == raft::no_node || leader == st.opts.id || peer == st.peers.end())
    return {};
  return peer->second;
}

// Proposes `cmd` here if leader, forwards it to the leader if one is known;
// returns false if neither is possible yet.
bool submit(self_ptr self, const meta_command& cmd,
            caf::typed_response_promise<meta_result> rp) {
  auto& st = self->state;
  if (auto p = st.core->propose(encode_meta_command(cmd))) {
    count_proposals(st, 1);
    st.book.proposed(
        p->index, p->term,
        [rp](const meta_result& r) mutable { rp.deliver(r); }, fail_with(rp));
    schedule_drive(self);
    return true;
  }
  auto leader = leader_peer(self);
  if (!leader)
    return false;
  rp.delegate(leader, meta_atom::value, cmd);
  return true;
}

bool valid_command(const meta_command& cmd) {
  return validate_command(cmd) == errc::ok;
}

// A batch of commands: proposed together here if leader (answered once all
// have applied), forwarded whole to the leader if one is known; false if
// neither is possible yet.
bool submit_batch(self_ptr self, const std::vector<meta_command>& cmds,
                  caf::typed_response_promise<meta_batch_reply> rp) {
  auto& st = self->state;
  if (st.core->current_role() == raft::role::leader) {
    struct gather {
      meta_batch_reply reply;
      size_t left;
      caf::typed_response_promise<meta_batch_reply> rp;
    };
    auto g = std::make_shared<gather>(gather{
        {std::vector<meta_result>(cmds.size()), st.opts.id}, cmds.size(), rp});
    auto one_done = [g](size_t i, meta_result r) {
      g->reply.results[i] = r;
      if (--g->left == 0)
        g->rp.deliver(std::move(g->reply));
    };
    for (size_t i = 0; i < cmds.size(); ++i) {
      auto p = valid_command(cmds[i])
                   ? st.core->propose(encode_meta_command(cmds[i]))
                   : std::nullopt;
      if (!p) {
        bool invalid = !valid_command(cmds[i]);
        one_done(
            i, meta_result{invalid ? errc::einval : errc::eunavailable, 0, 0});
        continue;
      }
      count_proposals(st, 1);
      st.book.proposed(
          p->index, p->term,
          [one_done, i](const meta_result& r) { one_done(i, r); },
          [one_done, i](const replica_failure&) {
            one_done(i, meta_result{errc::eunavailable, 0, 0});
          });
    }
    schedule_drive(self);
    return true;
  }
  auto leader = leader_peer(self);
  if (!leader)
    return false;
  rp.delegate(leader, meta_batch_atom::value, cmds);
  return true;
}

// Starts a linearizable read; `serve` runs once the state machine has
// applied the read index.
template <class T>
caf::result<T> start_read(self_ptr self, std::function<T()> answer) {
  auto& st = self->state;
  auto rp = self->make_response_promise<T>();
  auto ctx = st.book.open_read([rp, answer]() mutable { rp.deliver(answer()); },
                               fail_with(rp));
  auto try_read = [self, ctx] {
    auto& s = self->state;
    if (!s.book.reading(ctx))
      return true;
    if (!s.core->read_index(ctx))
      return false;
    schedule_drive(self);
    return true;
  };
  if (!try_read())
    st.book.park(try_read, [self, ctx] {
      self->state.book.fail_read(
          ctx, {replica_failure::unavailable, "no metadata leader"});
    });
  return rp;
}

raft_status status_of(self_ptr self) {
  auto& st = self->state;
  const auto& n = *st.core;
  raft_status s;
  s.id = st.opts.id;
  s.role = raft::to_string(n.current_role());
  s.term = n.term();
  s.leader = n.leader();
  s.commit = n.log().committed();
  s.applied = st.applied;
  s.first = n.log().first_index();
  s.last = n.log().last_index();
  s.snapshot = n.log().last_snapshot().meta.index;
  s.stored = st.store->entry_count();
  return s;
}

// The Raft clock. A delayed message holds a strong reference to its receiver
// until it fires; pending at shutdown, it would keep this detached actor (and
// so the actor system's shutdown) waiting forever. So a linked, scheduled
// ticker keeps the clock and sends each tick through a weak address.
caf::behavior ticker(caf::event_based_actor* t, caf::actor_addr replica_addr,
                     caf::timespan period) {
  t->delayed_send(t, period, raft_tick_atom::value);
  return {
      [t, replica_addr, period](raft_tick_atom) {
        auto replica = caf::actor_cast<caf::actor>(replica_addr);
        if (!replica) {
          t->quit();
          return;
        }
        t->send(replica, raft_tick_atom::value);
        t->delayed_send(t, period, raft_tick_atom::value);
      },
  };
}

void start_ticker(self_ptr self, caf::timespan period) {
  // Arguments passed to spawn (not captured): CAF's spawn of a function
  // without arguments binds a reference through a null pointer.
  self->spawn<caf::linked>(ticker, self->address(), period);
}

void on_tick(self_ptr self) {
  auto& st = self->state;
  if (st.stopped)
    return;
  st.core->tick();
  // Parked work is handed on or expired; reads whose request or answer was
  // lost with a message are asked again once per election timeout.
  for (auto& ctx : st.book.tick(st.opts.election_ticks, st.opts.wait_ticks))
    st.core->read_index(ctx);
  schedule_drive(self);
}

} // namespace

std::string check_meta_store(raft_store& store) {
  try {
    auto restored = store.load();
    meta_state probe;
    decode_meta_state(restored.snap.data, probe);
    for (auto& e : restored.entries)
      if (e.type == raft::entry_type::normal && !e.data.empty())
        decode_meta_command(e.data);
  } catch (const std::exception& e) {
    return e.what();
  }
  return {};
}

metadata_actor::behavior_type
meta_replica_behavior(self_ptr self, std::shared_ptr<raft_store> store,
                      meta_replica_options opts) {
  auto& st = self->state;
  st.store = std::move(store);
  st.opts = opts;
  st.book = replica_book{opts.id};
  raft::config cfg;
  cfg.id = opts.id;
  cfg.voters = opts.voters;
  cfg.election_ticks = opts.election_ticks;
  cfg.heartbeat_ticks = opts.heartbeat_ticks;
  cfg.seed = opts.seed * 7919 + opts.id;
  auto restored = st.store->load();
  decode_meta_state(restored.snap.data, st.machine);
  st.applied = restored.snap.meta.index;
  st.core = std::make_unique<raft::node>(cfg, std::move(restored));
  if (opts.voters.size() == 1)
    st.core->campaign(); // a group of one needs no election timeout
  schedule_drive(self);
  if (opts.voters.size() > 1) // a group of one never elects or heartbeats
    start_ticker(self, opts.tick);
  return {
      [self](meta_batch_atom,
             std::vector<meta_command>& cmds) -> caf::result<meta_batch_reply> {
        if (cmds.size() > max_meta_batch)
          return caf::make_error(caf::sec::invalid_argument,
                                 "a batch of " + std::to_string(cmds.size()) +
                                     " commands exceeds " +
                                     std::to_string(max_meta_batch));
        if (cmds.empty())
          return meta_batch_reply{{}, self->state.opts.id};
        auto rp = self->make_response_promise<meta_batch_reply>();
        if (!submit_batch(self, cmds, rp))
          self->state.book.park(
              [self, cmds, rp] { return submit_batch(self, cmds, rp); },
              [rp, n = cmds.size()]() mutable {
                rp.deliver(meta_batch_reply{
                    std::vector<meta_result>(
                        n, meta_result{errc::eunavailable, 0, 0}),
                    0});
              });
        return rp;
      },
      [self](meta_atom, meta_command& cmd) -> caf::result<meta_result> {
        if (!valid_command(cmd))
          return meta_result{errc::einval, 0, 0};
        auto rp = self->make_response_promise<meta_result>();
        if (!submit(self, cmd, rp))
          self->state.book.park(
              [self, cmd, rp] { return submit(self, cmd, rp); },
              [rp]() mutable {
                rp.deliver(meta_result{errc::eunavailable, 0, 0});
              });
        return rp;
      },
      [self](cfg_get_atom, std::string& key) -> caf::result<config_entry> {
        return start_read<config_entry>(self, [self, key] {
          auto e = self->state.machine.config(key);
          return e ? *e : config_entry{key, {}, 0};
        });
      },
      [self](cfg_get_many_atom, std::vector<std::string>& keys)
          -> caf::result<std::vector<config_entry>> {
        return start_read<std::vector<config_entry>>(
            self, [self, keys = std::move(keys)] {
              std::vector<config_entry> out;
              out.reserve(keys.size());
              for (auto& k : keys) {
                auto e = self->state.machine.config(k);
                out.push_back(e ? *e : config_entry{k, {}, 0});
              }
              return out;
            });
      },
      [self](cfg_list_atom) -> caf::result<std::vector<config_entry>> {
        return start_read<std::vector<config_entry>>(
            self, [self] { return self->state.machine.config_list(); });
      },
      [self](place_get_atom, inode_id dir) -> caf::result<dir_placement> {
        return start_read<dir_placement>(
            self, [self, dir] { return self->state.machine.placement(dir); });
      },
      [self](migrations_atom) -> caf::result<std::vector<migration_record>> {
        return start_read<std::vector<migration_record>>(self, [self] {
          std::vector<migration_record> out;
          for (auto& [id, m] : self->state.machine.migrations())
            out.push_back(m);
          return out;
        });
      },
      [self](psm_plannings_atom, int64_t since)
          -> caf::result<std::vector<psm_planning>> {
        return start_read<std::vector<psm_planning>>(self, [self, since] {
          std::vector<psm_planning> out;
          for (auto& p : self->state.machine.plannings())
            if (p.at >= since)
              out.push_back(p);
          return out;
        });
      },
      [self](place_sub_atom, caf::actor_addr& who) {
        self->state.subscribers.push_back(std::move(who));
      },
      [self](raft_status_atom) { return status_of(self); },
      [self](raft_atom, const std::string& bytes) {
        raft::message m;
        try {
          m = decode_raft_message(bytes);
        } catch (const std::exception& e) {
          log_event(log_level::warn, "raft", "malformed raft message dropped",
                    {{"replica", self->state.opts.id}, {"error", e.what()}});
          return;
        }
        self->state.core->step(m);
        schedule_drive(self);
      },
      [self](raft_peer_atom, uint64_t id, caf::strong_actor_ptr& handle) {
        auto& st = self->state;
        if (id == st.opts.id)
          return;
        st.peers[id] = caf::actor_cast<metadata_actor>(handle);
      },
      [self](raft_tick_atom) { on_tick(self); },
      [self](meta_flush_atom) { drive(self); },
  };
}

} // namespace ds
