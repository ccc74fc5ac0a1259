// The DAG shard actor and its committer.
//
// The shard (on the shared scheduler) owns one ns_shard core and serves
// every request from memory. Its committer (detached: its own thread, since
// SQLite and fsync block) writes the changes. Group commit: while one batch
// is being committed, the shard keeps applying requests into the next; an
// answer that depends on a change leaves only after that change is durable.
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "actors/member_gate.hpp"
#include "actors/metrics/meters.hpp"
#include "messages/ns.hpp"
#include "messages/psm.hpp"
#include "psm/access/shard_log.hpp"
#include "psm/capacity/token_bucket.hpp"
#include "storage/shard_store.hpp"

namespace ds {

/// How a shard keeps its PSM access log (actors/shard_psm.cpp).
struct shard_psm_options {
  /// Its node's forecaster; none: nothing is counted or reported.
  psm_forecaster_actor forecaster;
  double slot_seconds = 10;   ///< psm.slot, > 0
  bool count = true;          ///< false: nothing is counted (A/B of its cost)
  std::size_t top_names = 32; ///< names the heavy-hitter sketch monitors
  std::uint32_t name_sample = 32; ///< the sketch sees 1 access in about so many
  /// Wall clock in seconds since the epoch: slots are numbered by it, so
  /// that every shard of the cluster numbers a slot alike. Tests pass the
  /// test coordinator's virtual clock; empty: the system clock.
  std::function<double()> unix_seconds;
};

/// An emulated service capacity (psm/capacity/token_bucket.hpp): for
/// comparisons on one machine only, never in production.
struct shard_capacity_options {
  double rate = 0;  ///< ops/s the shard serves at most; 0: unlimited
  double burst = 0; ///< ops served back to back; 0: rate / 100, at least 1
  /// Monotonic seconds; tests pass the test coordinator's virtual clock.
  /// Empty: the steady clock.
  std::function<double()> clock;
};

/// A shard that is one replica of its shard group (actors/shard_group.cpp).
struct shard_group_options {
  replica_host_actor host; ///< none: the shard is its only replica
  uint32_t group = 0;      ///< the group: the global shard id
  uint64_t self = 0;       ///< this node's Raft id (member index + 1)
  ns_shard_config ns;      ///< builds the core when this replica comes to lead
};

struct shard_state {
  /// An answer held back until batch `batch` is durable.
  struct waiting {
    caf::typed_response_promise<std::vector<ns_reply>> rp;
    std::vector<ns_reply> replies;
    uint64_t batch;
    std::chrono::steady_clock::time_point arrived;
  };

  shard_actor::pointer self = nullptr;
  std::shared_ptr<ns_shard> core;
  committer_actor committer;
  std::deque<waiting> queue; ///< ordered by batch
  uint64_t open_batch = 1;   ///< id of the batch now collecting changes
  bool committing = false;   ///< a batch is at the committer
  /// Most entries of parts given away dropped per commit.
  static constexpr size_t garbage_chunk = 1024;
  /// Runs `f` once every change made so far is durable (true), or the
  /// commit failed (false).
  void when_durable(std::function<void(bool)> f);
  /// Drops a chunk of the entries of parts given away, if any are left.
  void collect_garbage();
  uint64_t commits = 0;
  std::shared_ptr<shard_meters> meters; ///< read by the metrics endpoint
  std::chrono::steady_clock::time_point commit_started;

  caf::result<std::vector<ns_reply>> serve(std::vector<ns_request>& reqs);
  /// Applies a batch now; `wait` is set if an answer needs a commit first.
  /// With `parked`, requests the core would hold (ns_shard::parks) are not
  /// applied: their indices go there, their answers stay empty.
  std::vector<ns_reply> apply(std::vector<ns_request>& reqs, bool& wait,
                              std::vector<size_t>* parked = nullptr);
  /// Applies one request: counted, and logged for the PSM.
  ns_reply apply_one(const ns_request& r, int64_t now_ns, bool& wait);
  /// Answers a batch applied whole: now, or once it is durable.
  void answer(caf::typed_response_promise<std::vector<ns_reply>> rp,
              std::vector<ns_reply> out, bool wait,
              std::chrono::steady_clock::time_point arrived);
  /// Answers `out` through `rp` once the changes it depends on are durable.
  void
  answer_when_durable(caf::typed_response_promise<std::vector<ns_reply>> rp,
                      std::vector<ns_reply> out,
                      std::chrono::steady_clock::time_point arrived);
  caf::result<part_reply> part_step(part_request& req);
  /// Applies a migration step to the core; answers through `rp`.
  void run_part_step(part_request& req,
                     caf::typed_response_promise<part_reply> rp);
  /// Work to run once batch `batch` is durable (migration steps); called
  /// with false if the shard stops first.
  std::deque<std::pair<uint64_t, std::function<void(bool)>>> after_commit;
  void start_commit();
  void on_committed(uint64_t batch);
  void fail(const caf::error& err);
  shard_info info() const;

  // -- emulated capacity: batches beyond it wait here, in arrival order ----
  struct held_batch {
    double due; ///< when the gate serves its last op (capacity clock, s)
    std::vector<ns_request> reqs;
    caf::typed_response_promise<std::vector<ns_reply>> rp;
    std::chrono::steady_clock::time_point arrived;
  };
  shard_capacity_options capacity;
  std::optional<capacity::token_bucket> gate; ///< set iff capacity.rate > 0
  std::deque<held_batch> held;
  bool capacity_armed = false; ///< a capacity_atom is on its way
  double capacity_now() const;
  /// Serves the held batches now due; schedules the next.
  void serve_held();
  void arm_capacity();

  // -- requests held while their part changes hands (shard_park.cpp) -------
  // A write to a part frozen for its move, or any request to a part received
  // and not yet activated, would be refused with EWRONGSHARD and retried by
  // its router after pauses and placement reads. Held here instead, it is
  // applied as soon as a migration step changes the part (the release
  // answers it with a redirect to the new holder, the thaw and the activate
  // serve it), or after park_limit (then refused as before).
  struct parked_batch {
    caf::typed_response_promise<std::vector<ns_reply>> rp;
    std::vector<ns_request> reqs;
    std::vector<ns_reply> out;
    std::vector<size_t> left; ///< indices of the requests not yet applied
    bool wait = false;        ///< an applied answer needs a commit first
    std::chrono::steady_clock::time_point arrived;
    caf::actor_clock::time_point due; ///< applied then at the latest
  };
  std::deque<parked_batch> parked; ///< in arrival order
  caf::timespan park_limit = std::chrono::milliseconds(500);
  bool park_armed = false; ///< a park_atom is on its way
  void park(caf::typed_response_promise<std::vector<ns_reply>> rp,
            std::vector<ns_request> reqs, std::vector<ns_reply> out,
            std::vector<size_t> left, bool wait,
            std::chrono::steady_clock::time_point arrived);
  /// Applies the held requests that no longer park, and, with `due`, those
  /// held up to park_limit; answers the batches left with none held.
  void unpark(bool due);
  void arm_park();

  // -- the PSM access log (shard_psm.cpp) ----------------------------------
  shard_psm_options psm;
  bool counting = false; ///< a forecaster is set and counting is on
  access::shard_log log;
  uint64_t psm_slot = 0; ///< the slot being counted
  /// Starts counting in the current slot; its end is scheduled.
  void start_slots();
  /// Slot `slot` ended: report it, count into the next one.
  void end_slot(uint64_t slot);
  /// Imported accesses: one report per slot to the forecaster.
  psm_import_result import_accesses(const std::vector<psm_access>& xs);

  // -- a replica of a shard group (shard_group.cpp) ------------------------
  // Only the group's leader serves, from a core loaded from its store when
  // it came to lead in `lead_term`. Every batch waits for a check by the
  // node's Raft host (the leader's lease, or a ReadIndex round) issued after
  // it arrived; one check covers every batch that arrived before it was
  // sent. A commit is a proposal for `lead_term`; the committer is the
  // group's sink. A replica that does not lead answers ENOTLEADER, naming
  // the leader, and holds an empty core.
  shard_group_options group;
  bool replicated() const { return static_cast<bool>(group.host); }
  bool leading = false;   ///< the core is the group's state
  uint64_t lead_term = 0; ///< the term this replica leads in
  /// The entry of this replica's last proposal unanswered in time, and its
  /// term: it may still commit, so no core is loaded in that term before
  /// the group's commit index reaches it.
  uint64_t unknown_index = 0;
  uint64_t unknown_term = 0;
  uint64_t leader_hint = 0; ///< the leader the host named last (0: none)
  /// What the host was told last: the core holds state a change of leader
  /// would lose (a part's copy under way), so it keeps the leadership.
  bool told_busy = false;
  /// Why the last changes not made durable failed: EIO (the store), or for
  /// a replica ENOTLEADER (refused before it was appended: nothing of it
  /// applies, so a migration step may go to the next leader) or
  /// EUNAVAILABLE (its outcome unknown).
  errc lost_because = errc::eio;
  void note_busy();
  bool checking = false; ///< a check (or a promotion) is under way
  /// A batch, or a migration step (`step` set, answered through
  /// `step_rp`), waiting for the check that lets it through.
  struct unchecked_batch {
    caf::typed_response_promise<std::vector<ns_reply>> rp;
    std::vector<ns_request> reqs;
    std::chrono::steady_clock::time_point arrived;
    std::optional<part_request> step;
    caf::typed_response_promise<part_reply> step_rp;
  };
  std::deque<unchecked_batch> unchecked; ///< in arrival order
  caf::result<std::vector<ns_reply>>
  serve_replicated(std::vector<ns_request>& reqs);
  /// Asks the host for a check covering every batch now unchecked.
  void start_check();
  /// The check covering the first `n` unchecked batches came back.
  void on_checked(const group_answer& a, size_t n);
  /// This replica leads in a.term: loads the store, then serves.
  void promote(const group_answer& a, size_t n);
  /// Serves the first `n` unchecked batches from the core.
  void serve_checked(size_t n);
  /// Stops leading: every answer not yet given gets `code` (ENOTLEADER:
  /// nothing applied, sent again by routers) and the core is emptied.
  void step_down(const group_answer& a, errc code);
  /// Answers the first `n` unchecked batches with `code` whole.
  void refuse_unchecked(size_t n, errc code);
  ns_reply refusal(errc code) const;
  /// Proposes the changes as batch `batch` (start_commit, replicated).
  void propose(uint64_t batch, commit_batch changes);
  /// Batch `batch`'s proposal was refused, lost, or not answered in time.
  void on_refused(uint64_t batch, const group_answer& a);

  static inline const char* name = "dagshard.shard";
};

struct committer_state {
  std::shared_ptr<shard_store> store;
  bool failed = false;
  /// A replica of a shard group: the log index written last.
  uint64_t applied = 0;
  /// Writes the group's entries after `applied` (group_apply_atom).
  void apply_group(const std::vector<group_entry>& es);
  /// Entries handed over and not yet written: group_apply messages that
  /// queue while a transaction runs are written in the next one together
  /// (before, each was a transaction and an fsync of its own, and under a
  /// heavy load the mailbox grew without bound: a snapshot or a load asked
  /// for meanwhile waited behind all of it).
  std::vector<group_entry> pending;
  bool flush_due = false; ///< a group_flush_atom is on its way to itself
  uint32_t group = 0;
  /// The host that hands entries over (told how far the store is durable).
  caf::strong_actor_ptr host;
  /// Everything in the store, as the batch that writes it into an empty
  /// one, and the group index written last.
  caf::result<commit_batch, uint64_t> load_all();
  /// Chunk `seq` of snapshot transfer `t`, about `bytes` long (0: the
  /// transfer ends), its index and whether it is the last one.
  caf::result<std::string, uint64_t, bool> snapshot(uint64_t t, uint32_t seq,
                                                    uint64_t bytes);
  /// Snapshots being read for followers, by transfer: a view of the store
  /// and the chunk read ahead (to tell the last one). At most
  /// max_readers: a new one ends the oldest.
  struct reading {
    std::unique_ptr<snapshot_reader> view;
    uint32_t next = 0;
    std::optional<commit_batch> ahead;
  };
  std::map<uint64_t, reading> readers;
  static constexpr size_t max_readers = 8;
  /// Stages chunk `seq` of transfer `t`; with `index` != 0 (the last one)
  /// installs the staged state at `index` if that is beyond `applied`.
  caf::result<uint64_t> install(uint64_t t, uint32_t seq,
                                const std::string& chunk, uint64_t index);
  /// A snapshot being received (its chunks are staged by the store): its
  /// transfer, the chunk expected next and the entries staged.
  struct staging {
    uint64_t transfer = 0;
    uint32_t next = 0;
    uint64_t entries = 0;
  };
  std::optional<staging> staged;
  static inline const char* name = "dagshard.committer";
};

/// Nanoseconds since the epoch, as the shard core's leases count them.
int64_t wall_clock_ns();

/// `core` must already be restored from the committer's store.
shard_actor::behavior_type
shard_behavior(guarded_pointer<shard_actor, shard_state> self,
               std::shared_ptr<ns_shard> core, committer_actor committer);

/// The same, measuring its work into `meters` and, with a forecaster in
/// `psm`, counting its accesses for the PSM.
shard_actor::behavior_type
metered_shard_behavior(guarded_pointer<shard_actor, shard_state> self,
                       std::shared_ptr<ns_shard> core,
                       committer_actor committer,
                       std::shared_ptr<shard_meters> meters,
                       shard_psm_options psm, shard_capacity_options capacity);

/// A replica of a shard group: serves only while it leads the group
/// (`opts.host` set). `committer` must be the group's sink at the host.
shard_actor::behavior_type
replica_shard_behavior(guarded_pointer<shard_actor, shard_state> self,
                       shard_group_options opts, committer_actor committer,
                       std::shared_ptr<shard_meters> meters,
                       shard_psm_options psm, shard_capacity_options capacity);

/// A slot's counts as the message to the forecaster: directories by their
/// inode in decimal, hot names as "<dir inode>/<name>".
psm_slot_report make_slot_report(uint32_t shard, uint64_t slot,
                                 const access::slot_counts& c);

/// Spawn with sys.spawn<caf::detached>(committer_behavior, store).
committer_actor::behavior_type
committer_behavior(committer_actor::stateful_pointer<committer_state> self,
                   std::shared_ptr<shard_store> store);

} // namespace ds
