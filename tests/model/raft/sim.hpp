// A deterministic simulation of a Raft group: the real core on a simulated
// network with virtual time and one seed. The network drops, delays,
// duplicates and reorders messages, links can be cut and nodes isolated,
// nodes crash (losing whatever a ready had not yet synced) and restart from
// what their storage holds. An invariant checker runs after every step and
// records the first violation.
#pragma once

#include "model/raft/raft.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace ds::raft::sim {

/// What a node's disk holds: only what a driver persisted and synced.
struct disk {
  hard_state hard;
  snapshot snap;
  std::vector<entry> entries; ///< contiguous after snap
};

/// The network's misbehaviour, applied to every message independently.
struct net_options {
  double drop = 0;      ///< probability a message is lost
  double duplicate = 0; ///< probability a message is delivered twice
  int min_delay = 1;    ///< delivery delay in steps (>= 1)
  int max_delay = 1;    ///< > min_delay reorders messages
};

/// Where a crash interrupts a node's driver.
enum class crash_point {
  between_readies, ///< nothing in flight
  before_sync,     ///< a ready was being persisted: it is lost entirely
  after_sync,      ///< persisted but not yet sent or applied
};

/// A client's view of one proposal.
struct client_op {
  proposal where;
  std::string data;
  bool acked = false; ///< applied somewhere at where.index with where.term
};

/// One member: the core, its disk, its applied state machine.
struct member {
  std::unique_ptr<node> core; ///< null while crashed
  disk stored;
  std::map<index_t, std::pair<term_t, std::string>>
      applied; ///< the state machine
  index_t last_applied = 0;
  index_t max_commit_seen = 0;   ///< this incarnation
  std::vector<read_state> reads; ///< ReadIndex answers, in arrival order
  std::map<std::string, std::string>
      read_values; ///< context -> last applied data at read time
  std::vector<std::string> pending_reads; ///< reads waiting for apply
  std::vector<read_state> waiting;        ///< read states not yet servable
};

/// A simulated group of `n` nodes with ids 1..n.
class cluster {
public:
  cluster(std::size_t n, std::uint64_t seed, config base = {});

  // --- time ----------------------------------------------------------------
  /// One step: deliver due messages, drive every node's readies, check.
  /// Every `steps_per_tick` steps each live node also ticks.
  void step();
  /// Runs `ticks` ticks' worth of steps.
  void run(int ticks);
  /// Runs until pred() holds (checked after each step) or `ticks` pass.
  template <class Pred> bool run_until(Pred pred, int ticks) {
    for (int i = 0; i < ticks * steps_per_tick; ++i) {
      if (pred())
        return true;
      step();
    }
    return pred();
  }

  // --- faults --------------------------------------------------------------
  net_options net;
  void cut(node_id a, node_id b);
  void heal(node_id a, node_id b);
  /// Cuts every link of `a`.
  void isolate(node_id a);
  /// Restores every link and removes message loss and duplication.
  void heal_all();
  bool connected(node_id a, node_id b) const;
  /// Crashes `a`: its in-memory state is gone; its disk stays.
  void crash(node_id a, crash_point at = crash_point::between_readies);
  /// Restarts a crashed node from its disk.
  void restart(node_id a);
  bool alive(node_id a) const { return static_cast<bool>(m(a).core); }
  /// Where `a` crashes at its next ready, if crash() armed that.
  std::optional<crash_point> crash_pending(node_id a) const {
    auto it = crash_next_.find(a);
    return it == crash_next_.end() ? std::nullopt
                                   : std::optional<crash_point>(it->second);
  }
  /// Adds a node (not yet a voter) that knows `voters` as the group.
  node_id add_node(std::vector<node_id> voters);

  // --- clients -------------------------------------------------------------
  /// Proposes at `at` (if leader); the op is tracked for acknowledgement.
  std::optional<proposal> propose(node_id at, const std::string& data);
  /// Proposes at the current leader, if there is one.
  std::optional<proposal> propose_any(const std::string& data);
  /// Asks `at` for a linearizable read; the answer (the last applied value at
  /// the read index) lands in member(at).read_values[ctx].
  bool read(node_id at, const std::string& ctx);
  const std::vector<client_op>& ops() const { return ops_; }
  /// A lease read at `at`: served at once if `at` holds its lease and has
  /// applied its commit index (the value lands in read_values[ctx]).
  /// Returns false if it could not be served.
  bool lease_read(node_id at, const std::string& ctx);
  /// Lease reads served so far.
  std::size_t lease_reads = 0;

  // --- observation ---------------------------------------------------------
  /// The live leader of the highest term, if any.
  std::optional<node_id> leader() const;
  /// Number of live nodes that believe they lead.
  std::size_t leaders() const;
  node& get(node_id a) { return *m(a).core; }
  member& at(node_id a) { return m(a); }
  std::vector<node_id> ids() const;
  /// Entries committed (applied) anywhere: index -> (term, data).
  const std::map<index_t, std::pair<term_t, std::string>>& committed() const {
    return committed_;
  }
  /// Counts of messages sent by type name (e.g. "append_resp.reject").
  std::map<std::string, std::size_t> sent;
  /// Snapshots taken by every node after this many newly applied entries
  /// (0: never).
  std::size_t snapshot_every = 0;
  /// The first invariant violation, empty if none.
  const std::string& violation() const { return violation_; }
  /// Checks that every live node applied every acknowledged op and that all
  /// live nodes hold the same committed prefix; returns a problem or "".
  std::string final_check() const;

  int steps_per_tick = 10;
  /// Per-node tick periods in steps (clock drift); nodes not listed tick
  /// every steps_per_tick steps.
  std::map<node_id, int> tick_period;
  std::mt19937_64 rng;

  // --- delivery by hand (the transcript tests) -----------------------------
  /// With `hold`, a sent message waits in held() until deliver_held() or
  /// drop_held() picks it, instead of travelling by the net options; the
  /// test ticks and settles by hand instead of calling step(). Cut links
  /// still lose messages at send.
  bool hold = false;
  const std::vector<message>& held() const { return held_; }
  /// Delivers the held messages `pick(msg)` selects, in the order sent, and
  /// settles; messages they cause are held again. Returns those delivered
  /// (a message to a crashed node or across a cut link is lost).
  template <class Pick> std::vector<message> deliver_held(Pick pick) {
    auto picked = take_held(pick);
    for (const message& msg : picked)
      if (alive(msg.to) && connected(msg.from, msg.to))
        m(msg.to).core->step(msg);
    settle();
    return picked;
  }
  /// Removes the held messages `pick(msg)` selects; returns them.
  template <class Pick> std::vector<message> drop_held(Pick pick) {
    return take_held(pick);
  }
  /// Drives every live node's readies (no delivery, no tick), then checks
  /// the invariants.
  void settle();
  /// Called with every ready a driver takes, before it handles it.
  std::function<void(node_id, const ready&)> on_ready;

private:
  struct in_flight {
    std::uint64_t due;
    std::uint64_t seq;
    message msg;
  };

  template <class Pick> std::vector<message> take_held(Pick pick) {
    std::vector<message> picked, kept;
    for (auto& msg : held_)
      (pick(msg) ? picked : kept).push_back(std::move(msg));
    held_ = std::move(kept);
    return picked;
  }

  std::string last_value(const member& mb) const;
  member& m(node_id a) { return members_.at(a - 1); }
  const member& m(node_id a) const { return members_.at(a - 1); }
  config config_for(node_id a) const;
  void deliver();
  void drive(node_id a);
  void persist(member& mb, const ready& rd);
  void apply(node_id a, member& mb, const ready& rd);
  void send(const message& msg);
  void check();
  void fail(const std::string& what);

  config base_;
  std::vector<member> members_;
  std::vector<std::vector<node_id>> initial_voters_;
  std::set<std::pair<node_id, node_id>> cuts_;
  std::vector<in_flight> flight_;
  std::vector<message> held_;
  std::uint64_t now_ = 0;
  std::uint64_t seq_ = 0;
  std::uint64_t incarnations_ = 0;
  std::map<node_id, crash_point> crash_next_;
  std::map<term_t, node_id> leader_of_term_;
  std::map<std::pair<node_id, term_t>, node_id> granted_;
  std::map<std::pair<index_t, term_t>, std::pair<std::string, term_t>> seen_;
  std::map<index_t, std::pair<term_t, std::string>> committed_;
  std::vector<client_op> ops_;
  std::map<std::pair<index_t, term_t>, std::vector<std::size_t>> op_at_;
  term_t top_committed_term_ = 0; ///< highest term of an applied entry
  std::string violation_;
};

/// Seeds for randomized suites: RAFT_SEED=<n> replays one seed; otherwise
/// `count` seeds from `first` (RAFT_SEEDS=<n> overrides count).
std::vector<std::uint64_t> seeds(std::uint64_t first, std::size_t count);

} // namespace ds::raft::sim
