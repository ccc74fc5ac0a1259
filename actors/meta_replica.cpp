#include "actors/meta_replica.hpp"

#include <algorithm>

#include <caf/all.hpp>

#include "actors/log.hpp"
#include "actors/ticker.hpp"
#include "messages/raft_codec.hpp"
#include "model/meta/meta_codec.hpp"
#include "storage/sqlite.hpp"

namespace ds {

namespace {

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

bool valid_command(const meta_command& cmd) {
  return validate_command(cmd) == errc::ok;
}

} // namespace

void meta_replica_state::start(std::shared_ptr<raft_store> st,
                               meta_replica_options o) {
  store = std::move(st);
  opts = std::move(o);
  book = replica_book{opts.id};
  raft::config cfg;
  cfg.id = opts.id;
  cfg.voters = opts.voters;
  cfg.election_ticks = opts.election_ticks;
  cfg.heartbeat_ticks = opts.heartbeat_ticks;
  cfg.seed = opts.seed * 7919 + opts.id;
  auto restored = store->load();
  decode_meta_state(restored.snap.data, machine);
  applied = restored.snap.meta.index;
  core = std::make_unique<raft::node>(cfg, std::move(restored));
  if (opts.voters.size() == 1)
    core->campaign(); // a group of one needs no election timeout
  schedule_drive();
  if (opts.voters.size() > 1) // a group of one never elects or heartbeats
    start_ticker(opts.tick);
}

// -- requests ---------------------------------------------------------------

caf::result<meta_result> meta_replica_state::command(const meta_command& cmd) {
  if (!valid_command(cmd))
    return meta_result{errc::einval, 0, 0};
  auto rp = self->make_response_promise<meta_result>();
  if (!submit(cmd, rp))
    book.park([this, cmd, rp] { return submit(cmd, rp); },
              [rp]() mutable {
                rp.deliver(meta_result{errc::eunavailable, 0, 0});
              });
  return rp;
}

caf::result<meta_batch_reply>
meta_replica_state::commands(std::vector<meta_command> cmds) {
  if (cmds.size() > max_meta_batch)
    return caf::make_error(caf::sec::invalid_argument,
                           "a batch of " + std::to_string(cmds.size()) +
                               " commands exceeds " +
                               std::to_string(max_meta_batch));
  if (cmds.empty())
    return meta_batch_reply{{}, opts.id};
  auto rp = self->make_response_promise<meta_batch_reply>();
  if (!submit_batch(cmds, rp))
    book.park([this, cmds, rp] { return submit_batch(cmds, rp); },
              [rp, n = cmds.size()]() mutable {
                rp.deliver(meta_batch_reply{
                    std::vector<meta_result>(
                        n, meta_result{errc::eunavailable, 0, 0}),
                    0});
              });
  return rp;
}

// Proposes `cmd` here if leader, forwards it to the leader if one is known;
// returns false if neither is possible yet.
bool meta_replica_state::submit(const meta_command& cmd,
                                caf::typed_response_promise<meta_result> rp) {
  if (auto p = core->propose(encode_meta_command(cmd))) {
    count_proposals(1);
    book.proposed(
        p->index, p->term,
        [rp](const meta_result& r) mutable { rp.deliver(r); }, fail_with(rp));
    schedule_drive();
    return true;
  }
  auto leader = leader_peer();
  if (!leader)
    return false;
  rp.delegate(leader, meta_atom::value, cmd);
  return true;
}

// A batch of commands: proposed together here if leader (answered once all
// have applied), forwarded whole to the leader if one is known; false if
// neither is possible yet.
bool meta_replica_state::submit_batch(
    const std::vector<meta_command>& cmds,
    caf::typed_response_promise<meta_batch_reply> rp) {
  if (core->current_role() == raft::role::leader) {
    struct gather {
      meta_batch_reply reply;
      size_t left;
      caf::typed_response_promise<meta_batch_reply> rp;
    };
    auto g = std::make_shared<gather>(gather{
        {std::vector<meta_result>(cmds.size()), opts.id}, cmds.size(), rp});
    auto one_done = [g](size_t i, meta_result r) {
      g->reply.results[i] = r;
      if (--g->left == 0)
        g->rp.deliver(std::move(g->reply));
    };
    for (size_t i = 0; i < cmds.size(); ++i) {
      auto p = valid_command(cmds[i])
                   ? core->propose(encode_meta_command(cmds[i]))
                   : std::nullopt;
      if (!p) {
        bool invalid = !valid_command(cmds[i]);
        one_done(
            i, meta_result{invalid ? errc::einval : errc::eunavailable, 0, 0});
        continue;
      }
      count_proposals(1);
      book.proposed(
          p->index, p->term,
          [one_done, i](const meta_result& r) { one_done(i, r); },
          [one_done, i](const replica_failure&) {
            one_done(i, meta_result{errc::eunavailable, 0, 0});
          });
    }
    schedule_drive();
    return true;
  }
  auto leader = leader_peer();
  if (!leader)
    return false;
  rp.delegate(leader, meta_batch_atom::value, cmds);
  return true;
}

metadata_actor meta_replica_state::leader_peer() const {
  auto leader = core->leader();
  auto peer = peers.find(leader);
  if (leader == raft::no_node || leader == opts.id || peer == peers.end())
    return {};
  return peer->second;
}

template <class T>
caf::result<T> meta_replica_state::read(std::function<T()> answer) {
  auto rp = self->make_response_promise<T>();
  auto ctx = book.open_read([rp, answer]() mutable { rp.deliver(answer()); },
                            fail_with(rp));
  auto try_read = [this, ctx] {
    if (!book.reading(ctx))
      return true;
    if (!core->read_index(ctx))
      return false;
    schedule_drive();
    return true;
  };
  if (!try_read())
    book.park(try_read, [this, ctx] {
      book.fail_read(ctx, {replica_failure::unavailable, "no metadata leader"});
    });
  return rp;
}

raft_status meta_replica_state::status() const {
  const auto& n = *core;
  raft_status s;
  s.id = opts.id;
  s.role = raft::to_string(n.current_role());
  s.term = n.term();
  s.leader = n.leader();
  s.commit = n.log().committed();
  s.applied = applied;
  s.first = n.log().first_index();
  s.last = n.log().last_index();
  s.snapshot = n.log().last_snapshot().meta.index;
  s.stored = store->entry_count();
  return s;
}

void meta_replica_state::receive(const std::string& bytes,
                                 const caf::strong_actor_ptr& sender) {
  auto drop = [this](const std::string& why) {
    if (auto g = gate_of(self->home_system()))
      g->count_undecodable(name, why);
    else
      log_event(log_level::warn, "raft", "malformed raft message dropped",
                {{"replica", opts.id}, {"error", why}});
  };
  raft::message m;
  try {
    m = decode_raft_message(bytes);
  } catch (const std::exception& e) {
    return drop(e.what());
  }
  // A member speaks for its own replica only: the Raft id is its member
  // index + 1. (Senders on this node are the tests' replicas.)
  if (sender && sender->node() != self->node()) {
    auto g = gate_of(self->home_system());
    auto member = g ? g->member_of(sender->node()) : std::nullopt;
    if (!member || m.from != *member + 1ull)
      return drop("a raft message from replica " + std::to_string(m.from) +
                  " sent by another member");
  }
  if (m.to != opts.id)
    return drop("a raft message for replica " + std::to_string(m.to));
  core->step(m);
  schedule_drive();
}

void meta_replica_state::set_peer(uint64_t id,
                                  const caf::strong_actor_ptr& handle) {
  if (id == opts.id)
    return;
  peers[id] = caf::actor_cast<metadata_actor>(handle);
}

// -- the driver loop --------------------------------------------------------

void meta_replica_state::on_tick() {
  if (stopped)
    return;
  core->tick();
  // Parked work is handed on or expired; reads whose request or answer was
  // lost with a message are asked again once per election timeout.
  for (auto& ctx : book.tick(opts.election_ticks, opts.wait_ticks))
    core->read_index(ctx);
  schedule_drive();
}

void meta_replica_state::schedule_drive() {
  if (drive_scheduled || stopped)
    return;
  // Behind every message already queued: they join the same ready.
  drive_scheduled = true;
  self->send(self, meta_flush_atom::value);
}

void meta_replica_state::drive() {
  drive_scheduled = false;
  if (stopped)
    return;
  try {
    while (core->has_ready()) {
      raft::ready rd = core->get_ready();
      send_all(rd.early); // replication overlaps the leader's write
      // Committed entries are on a quorum's disks already: applying (and
      // answering) them need not wait for this ready's write. A snapshot
      // from the leader is installed only once stored.
      if (!rd.snap)
        apply_ready(rd);
      save_timed(rd); // durable before anything depends on it
      send_all(rd.messages);
      if (rd.snap)
        apply_ready(rd);
      core->advance(rd);
      maybe_compact();
    }
    log_leader_change();
  } catch (const std::exception& e) {
    // A failed sync (or a damaged entry) stops this replica; it recovers
    // from its raft log when the node restarts. Nothing is acknowledged.
    log_event(log_level::error, "raft", "metadata replica stops",
              {{"replica", opts.id}, {"error", e.what()}});
    stopped = true;
    replica_failure why{replica_failure::stopped, e.what()};
    book.fail_all(why);
    self->quit(to_error(why));
  }
}

// Installs the ready's snapshot, applies its committed entries and serves
// the reads they make possible.
void meta_replica_state::apply_ready(const raft::ready& rd) {
  if (rd.snap) {
    decode_meta_state(rd.snap->data, machine);
    applied = rd.snap->meta.index;
  }
  for (auto& e : rd.committed)
    apply_entry(e);
  for (auto& r : rd.reads)
    book.read_index(r.context, r.index);
  book.serve_reads(applied);
}

void meta_replica_state::apply_entry(const raft::entry& e) {
  applied = e.index;
  meta_result r;
  bool command = e.type == raft::entry_type::normal && !e.data.empty();
  if (command) {
    auto cmd = decode_meta_command(e.data);
    auto before = machine.epoch();
    r = machine.apply(cmd);
    auto* commit = std::get_if<migration_commit>(&cmd);
    if (commit && machine.epoch() != before) // a move took effect
      push_placement(machine.migrations().at(commit->migration).dir);
  }
  book.applied(e.index, e.term, command ? &r : nullptr);
}

void meta_replica_state::push_placement(inode_id dir) {
  auto p = machine.placement(dir);
  auto& subs = subscribers;
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
void meta_replica_state::save_timed(const raft::ready& rd) {
  if (!opts.meters || rd.entries.empty()) {
    store->save(rd);
    return;
  }
  auto t0 = std::chrono::steady_clock::now();
  store->save(rd);
  std::chrono::duration<double> took = std::chrono::steady_clock::now() - t0;
  opts.meters->append_seconds.observe(took.count());
  opts.meters->append_entries.observe(double(rd.entries.size()));
}

/// Counts `n` commands proposed here.
void meta_replica_state::count_proposals(uint64_t n) {
  if (opts.meters)
    opts.meters->proposals.fetch_add(n, std::memory_order_relaxed);
}

void meta_replica_state::maybe_compact() {
  const auto& log = core->log();
  if (applied < log.last_snapshot().meta.index + opts.snapshot_every)
    return;
  core->compact(applied, encode_meta_state(machine));
  store->compact(core->log().last_snapshot());
}

void meta_replica_state::send_all(const std::vector<raft::message>& ms) {
  for (auto& m : ms) {
    auto peer = peers.find(m.to);
    if (peer != peers.end() && peer->second)
      self->send(peer->second, raft_atom::value, encode_raft_message(m));
  }
}

// Logs the leader this replica knows when it changes (rare: elections).
void meta_replica_state::log_leader_change() {
  auto leader = core->leader();
  if (leader == logged_leader)
    return;
  logged_leader = leader;
  log_event(leader == raft::no_node ? log_level::warn : log_level::info, "raft",
            leader == raft::no_node ? "metadata group lost its leader"
                                    : "metadata leader elected",
            {{"replica", opts.id},
             {"leader", leader},
             {"term", core->term()},
             {"role", raft::to_string(core->current_role())}});
}

void meta_replica_state::start_ticker(caf::timespan period) {
  // Arguments passed to spawn (not captured): CAF's spawn of a function
  // without arguments binds a reference through a null pointer.
  self->spawn(ticker, self->address(), period,
              caf::make_message(raft_tick_atom::value));
}

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
meta_replica_behavior(guarded_pointer<metadata_actor, meta_replica_state> self,
                      std::shared_ptr<raft_store> store,
                      meta_replica_options opts) {
  auto& st = self->state;
  st.self = self;
  st.start(std::move(store), std::move(opts));
  return {
      [self](meta_batch_atom, std::vector<meta_command>& cmds) {
        return self->state.commands(std::move(cmds));
      },
      [self](meta_atom, meta_command& cmd) { return self->state.command(cmd); },
      [self](cfg_get_atom, std::string& key) {
        return self->state.read<config_entry>([self, key] {
          auto e = self->state.machine.config(key);
          return e ? *e : config_entry{key, {}, 0};
        });
      },
      [self](cfg_get_many_atom, std::vector<std::string>& keys) {
        return self->state.read<std::vector<config_entry>>(
            [self, keys = std::move(keys)] {
              std::vector<config_entry> out;
              out.reserve(keys.size());
              for (auto& k : keys) {
                auto e = self->state.machine.config(k);
                out.push_back(e ? *e : config_entry{k, {}, 0});
              }
              return out;
            });
      },
      [self](cfg_list_atom) {
        return self->state.read<std::vector<config_entry>>(
            [self] { return self->state.machine.config_list(); });
      },
      [self](place_get_atom, inode_id dir) {
        return self->state.read<dir_placement>(
            [self, dir] { return self->state.machine.placement(dir); });
      },
      [self](migrations_atom) {
        return self->state.read<std::vector<migration_record>>([self] {
          std::vector<migration_record> out;
          for (auto& [id, m] : self->state.machine.migrations())
            out.push_back(m);
          return out;
        });
      },
      [self](migrations_atom, migration_query& q) {
        return self->state.read<migration_page>(
            [self, q] { return self->state.machine.migrations_page(q); });
      },
      [self](psm_plannings_atom, int64_t since) {
        return self->state.read<std::vector<psm_planning>>([self, since] {
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
      [self](raft_status_atom) { return self->state.status(); },
      [self](raft_atom, const std::string& bytes) {
        self->state.receive(bytes, self->current_sender());
      },
      [self](raft_peer_atom, uint64_t id, caf::strong_actor_ptr& handle) {
        self->state.set_peer(id, handle);
      },
      [self](raft_tick_atom) { self->state.on_tick(); },
      [self](meta_flush_atom) { self->state.drive(); },
  };
}

} // namespace ds
