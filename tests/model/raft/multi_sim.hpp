// A deterministic simulation of many Raft groups on several nodes: the real
// multi_node on a simulated network of envelopes with virtual time and one
// seed. Links drop and delay envelopes and can be cut; nodes crash (losing
// what was not persisted) and restart from their disks. After every step it
// checks, per group: one leader per term, commit indexes that never go
// down, one command per committed index, and no lease held once a later
// term has committed.
#pragma once

#include "model/raft/multi.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace ds::raft::msim {

/// What a node's disk holds for one group.
struct group_disk {
  hard_state hard;
  snapshot snap;
  std::vector<entry> entries;
};

struct group_replica {
  std::map<index_t, std::pair<term_t, std::string>> applied;
  index_t last_applied = 0;
  index_t max_commit_seen = 0;
  std::map<std::string, index_t> reads; ///< ReadIndex answers: ctx -> index
};

struct sim_node {
  std::unique_ptr<multi_node> core; ///< null while crashed
  std::map<group_id, group_disk> disks;
  std::map<group_id, group_replica> groups;
};

struct op {
  group_id group;
  proposal where;
  std::string data;
  bool acked = false;
};

class cluster {
public:
  /// `nodes` nodes with ids 1..nodes; group g has the voters in `layout[g]`.
  cluster(std::size_t nodes, std::map<group_id, std::vector<node_id>> layout,
          std::uint64_t seed, multi_config base);

  void step();
  void run(int ticks);
  template <class Pred> bool run_until(Pred pred, int ticks) {
    for (int i = 0; i < ticks * steps_per_tick; ++i) {
      if (pred())
        return true;
      step();
    }
    return pred();
  }

  // faults
  double drop = 0;
  int max_delay = 1; ///< steps (>= 1)
  void cut(node_id a, node_id b);
  void isolate(node_id a);
  void heal_all();
  void crash(node_id a);
  void restart(node_id a);
  bool alive(node_id a) const { return static_cast<bool>(n(a).core); }

  // clients
  /// Proposes to group g at its leader, if it has one.
  std::optional<proposal> propose(group_id g, const std::string& data);
  /// The live node leading g in the highest term, if any.
  std::optional<node_id> leader(group_id g) const;
  /// True if g has a leader that committed in its term.
  bool serving(group_id g) const;
  const std::vector<op>& ops() const { return ops_; }
  multi_node& get(node_id a) { return *n(a).core; }
  const multi_node& get_const(node_id a) const { return *n(a).core; }
  sim_node& at(node_id a) { return n(a); }
  std::vector<group_id> groups() const;
  std::vector<node_id> ids() const;

  // counters
  std::size_t envelopes = 0;      ///< envelopes sent
  std::size_t group_messages = 0; ///< messages of groups inside them
  std::size_t group_ticks = 0;    ///< ticks of awake groups, summed

  const std::string& violation() const { return violation_; }
  /// Every acknowledged op is committed, every live replica of a group
  /// agrees on its applied prefix; returns a problem or "".
  std::string final_check() const;

  int steps_per_tick = 10;
  std::mt19937_64 rng;

  // hooks of a state machine above the groups (group_sim)
  /// Called for each committed entry a live replica applies, in log order,
  /// while its node's ready is handled: it must only take note.
  std::function<void(node_id, group_id, const entry&)> on_commit;
  /// Called for a snapshot a live replica installs, before the committed
  /// entries of the same ready: it must only take note.
  std::function<void(node_id, group_id, const snapshot&)> on_snapshot;
  /// Called for each ReadIndex answer a node's group gives.
  std::function<void(node_id, group_id, const read_state&)> on_read;
  /// False if the link between a and b is cut.
  bool linked(node_id a, node_id b) const {
    return a == b || !cuts_.count({std::min(a, b), std::max(a, b)});
  }
  /// Steps so far (the virtual clock).
  std::uint64_t now() const { return now_; }

private:
  struct in_flight {
    std::uint64_t due;
    std::uint64_t seq;
    envelope env;
  };
  sim_node& n(node_id a) { return nodes_.at(a - 1); }
  const sim_node& n(node_id a) const { return nodes_.at(a - 1); }
  void send(envelope e);
  void drive(node_id a);
  void persist(group_disk& d, const ready& rd);
  void apply(node_id a, group_id g, const ready& rd);
  void check();
  void fail(const std::string& what);

  multi_config base_;
  std::map<group_id, std::vector<node_id>> layout_;
  std::vector<sim_node> nodes_;
  std::set<std::pair<node_id, node_id>> cuts_;
  std::vector<in_flight> flight_;
  std::uint64_t now_ = 0;
  std::uint64_t seq_ = 0;
  std::map<std::pair<group_id, term_t>, node_id> leader_of_term_;
  std::map<group_id, std::map<index_t, std::pair<term_t, std::string>>>
      committed_;
  std::map<group_id, term_t> top_term_;
  std::vector<op> ops_;
  std::string violation_;
};

} // namespace ds::raft::msim
