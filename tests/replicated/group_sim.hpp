// A deterministic simulation of replicated shards (issue 15, "Tests:
// Simulation"): shard groups and the metadata group, each a Raft group of
// the real multi_node on every node of the simulated cluster of
// tests/model/raft/multi_sim.hpp, with the state machines above them.
//
// Each replica of a shard group has a memory shard store that its
// committer writes committed entries to in log order (encoded commit
// batches, skipping entries already written by index, as
// actors/committer.cpp). Only a group's leader serves, as
// actors/shard_group.cpp does: every request waits for a check issued after
// it arrived (a lease read, or a ReadIndex applied) naming this node leader;
// the core is loaded from the store when the replica comes to lead in a
// term and dropped when it steps down; the changes of a batch are proposed
// for the term the core was loaded in, one batch at a time, and answers wait
// for the entry's commit. Each replica of the metadata group applies
// meta_state commands (encode_meta_command) in log order; a command is
// answered by the leader that proposed it once its entry is applied there.
//
// Clients, routers and drivers of moves are outside the nodes: their
// messages to and from nodes are delayed, reordered and lost with the
// cluster's drop rate, and lost with a crash of their node. No CAF, no
// threads, no clock: time is the cluster's step counter.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "model/meta/meta_state.hpp"
#include "model/namespace/ns_shard.hpp"
#include "storage/shard_store.hpp"
#include "tests/model/raft/multi_sim.hpp"

namespace ds::gsim {

using raft::group_id;
using raft::index_t;
using raft::node_id;
using raft::term_t;

inline constexpr group_id meta_group = 100;
inline constexpr uint32_t shard_groups = 3;
inline constexpr node_id nodes = 3;
inline constexpr int64_t step_ns = 10'000'000; ///< a step is 10 ms
inline constexpr int64_t second = 1'000'000'000;

/// Where a shard group lives first: its home member and the next ones
/// (cluster_map::replicas_of with R = N = 3).
inline node_id home_member(group_id g) {
  return g % nodes + 1;
}

template <class T> std::string str(T x) {
  return std::string(to_string(x));
}

/// What a leader answers a request or a part step with.
struct answer {
  errc code = errc::ok;
  node_id hint = 0; ///< ENOTLEADER: the leader the replica knows of
  ns_reply ns;      ///< a client's request
  std::vector<entry> entries;
  std::vector<uint64_t> hashes;
  std::vector<request_record> requests; ///< a freeze's: the part's records
  bool eof = false;
  std::vector<unresolved_part> unresolved; ///< a listing of marks
  static answer of(errc c, node_id hint = 0) {
    answer a;
    a.code = c;
    a.hint = hint;
    return a;
  }
};

/// A request to a shard group's replica: `run` applies it to the leader's
/// core (`wait`: its answer waits for the commit of what it changed).
struct job {
  std::string what;
  std::function<answer(ns_shard&, int64_t now_ns, bool& wait)> run;
  std::function<void(answer)> done; ///< sent back to the caller
  std::function<void()> lost;       ///< the caller hears nothing
  /// A part step: once applied, a refusal is EIO (when_durable(false)),
  /// not ENOTLEADER, so that no router sends it again.
  bool step = false;
};

/// A message between an outside caller and a node.
struct message {
  uint64_t due = 0;
  uint64_t seq = 0;
  node_id node = 0; ///< the node it goes to or comes from
  bool inbound = true;
  std::string what;
  std::function<void()> deliver;
  std::function<void()> lost;
};

/// One node's replica of a shard group. `store` is its disk; the rest is
/// memory, lost in a crash.
struct shard_replica {
  std::unique_ptr<shard_store> store = make_memory_shard_store();
  std::unique_ptr<ns_shard> core; ///< while leading
  bool leading = false;
  term_t lead_term = 0;
  // the check of the batches waiting for it
  std::deque<job> unchecked;
  bool checking = false;
  size_t check_n = 0;       ///< batches the check in flight covers
  std::string check_ctx;    ///< its ReadIndex context ("" : none yet)
  index_t check_index = 0;  ///< its ReadIndex answer (0: none yet)
  uint64_t check_until = 0; ///< it fails after this step
  // the batch at the group
  bool committing = false;
  uint64_t open_batch = 1;
  raft::proposal prop;
  uint64_t prop_until = 0;
  /// The last proposal unanswered in time (its entry may still commit):
  /// a core is loaded in its term only from a store that holds its index.
  raft::proposal unknown;
  struct waiting {
    uint64_t batch;
    job j;
    answer a;
  };
  std::deque<waiting> queue;
};

/// One node's replica of the metadata group.
struct meta_replica {
  meta_state machine;
  index_t applied = 0;
  struct waiting {
    raft::proposal where;
    uint64_t until;
    std::function<void(meta_result)> done;
  };
  std::vector<waiting> proposals;
};

struct node_state {
  std::map<group_id, shard_replica> shards;
  meta_replica meta;
};

class world {
public:
  world(uint64_t seed);

  raft::msim::cluster c;
  std::vector<node_state> nodes_; ///< index a - 1
  std::mt19937_64& rng;
  std::vector<std::string> trace;
  std::string failure;
  uint64_t wait_steps = 300; ///< a check or proposal fails after this
  /// Log entries a replica applies between two compactions of its log
  /// (0: none); a follower behind the compacted log gets a snapshot.
  index_t compact_every = 0;
  size_t snapshots = 0; ///< snapshots installed
  size_t recopies = 0;  ///< moves whose copy started again

  uint64_t pick(uint64_t n) { return n ? rng() % n : 0; }
  bool chance(uint64_t pct) { return pick(100) < pct; }
  void note(std::string s);
  void fail(const std::string& why);
  int64_t now_ns() const;
  node_state& at(node_id a) { return nodes_.at(a - 1); }

  /// One step of the cluster, then of the state machines and messages.
  void step();
  void crash(node_id a);
  void restart(node_id a);

  /// Sends `j` to node `a`'s replica of shard group `g`.
  void send_job(node_id a, group_id g, job j);
  /// Sends `cmd` to the metadata group at node `a`; `done` gets its
  /// result: ENOTLEADER (with no effect), EUNAVAILABLE (lost: unknown).
  void send_meta(node_id a, const meta_command& cmd,
                 std::function<void(meta_result, node_id hint)> done);
  /// The metadata state as the group's leader with a valid lease holds it
  /// (a router's read); nullptr if none.
  const meta_state* meta_read();
  /// A linearizable read of the metadata state at its leader: meta_read(),
  /// or else a ReadIndex round (a router's request to the metadata group),
  /// tried again a few times; nullptr if none succeeds.
  void read_meta(std::function<void(const meta_state*)> done, int tries = 0);
  /// Runs `f` after `steps` steps (a caller's timer).
  void after(uint64_t steps, std::function<void()> f);

  /// Whether group `g` serves hash `h` of `dir` now: its leader (in the
  /// highest term) leads with a core loaded in that term that serves it.
  bool serves(group_id g, inode_id dir, uint64_t h) const;
  std::vector<message> flight;

  std::string tail(size_t n) const;

private:
  void post(message m);
  void deliver_due();
  void expire();
  // shard replicas (group_serve.cpp)
  void start_check(node_id a, group_id g);
  void on_checked(node_id a, group_id g, bool ok, term_t term, node_id leader);
  void promote(node_id a, group_id g, term_t term, index_t index);
  void serve_checked(node_id a, group_id g, size_t n);
  void refuse_unchecked(node_id a, group_id g, size_t n, errc code,
                        node_id hint);
  void step_down(node_id a, group_id g, node_id hint);
  void start_commit(node_id a, group_id g);
  void on_committed(node_id a, group_id g, uint64_t batch);
  void on_refused(node_id a, group_id g, uint64_t batch, errc code,
                  node_id hint);
  void reply(node_id a, job& j, answer an);
  node_id hint_of(node_id a, group_id g) const;
  std::string ctx_of(node_id a, group_id g);
  // committed entries (the committers)
  void apply_entry(node_id a, group_id g, const raft::entry& e);
  void poll_checks();

  uint64_t seq_ = 0;
  uint64_t read_seq_ = 0;
  std::vector<std::pair<uint64_t, std::function<void()>>> timers_;
  struct meta_reading {
    node_id a;
    std::string ctx;
    index_t index;
    uint64_t until;
    std::function<void(const meta_state*)> done;
    int tries;
  };
  std::vector<meta_reading> meta_reads_;
  void poll_meta_reads();
  /// What the groups handed out in the last step, in order: committed
  /// entries, and snapshots received (`snap` set).
  struct handed {
    node_id a;
    group_id g;
    raft::entry e;
    std::optional<raft::snapshot> snap;
  };
  std::vector<handed> applied_;
  void apply_snapshot(node_id a, group_id g, const raft::snapshot& s);
  /// Node `a` compacts the logs of its groups whose state machines moved on
  /// by compact_every entries since (at the point they have applied).
  void compact(node_id a);
  std::map<std::pair<node_id, group_id>, index_t> compacted_;
  std::vector<std::pair<node_id, std::pair<group_id, raft::read_state>>> reads_;
};

} // namespace ds::gsim
