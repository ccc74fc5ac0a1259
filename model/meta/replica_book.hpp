// The bookkeeping of a metadata replica, kept apart from its driver (as
// etcd/raft keeps read_only.go apart from its node): commands proposed here
// that wait for their log index to apply, linearizable reads that wait for
// their read index, and work parked until a leader is known. Pure: it holds
// callbacks and calls them when the driver reports what the Raft core did;
// the driver (actors/meta_replica.cpp) owns the core, the clock and the I/O.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "model/meta/meta_state.hpp"

namespace ds {

/// Why a piece of work ends without an answer.
struct replica_failure {
  enum kind_t : uint8_t {
    stopped,     ///< the replica stopped (a failed sync); `what` says why
    unavailable, ///< no leader or no quorum answered in time
  };
  kind_t kind = unavailable;
  std::string what;
};

class replica_book {
public:
  using on_result = std::function<void(const meta_result&)>;
  using on_failure = std::function<void(const replica_failure&)>;

  /// `id` (the replica's Raft id) makes read contexts unique in the group.
  explicit replica_book(uint64_t id) : id_(id) {}

  // --- proposals -------------------------------------------------------

  /// A command proposed here went to the log at (`index`, `term`). Exactly
  /// one of `done` and `fail` is called once, later.
  void proposed(uint64_t index, uint64_t term, on_result done, on_failure fail);
  /// The entry at (`index`, `term`) applied; `result` is the command's
  /// result, null for an entry that is no command (a leader's no-op, a
  /// membership change). Answers every proposal at or below `index`: with
  /// `*result` the one that is this entry, with EUNAVAILABLE the others
  /// (another leader's entry replaced them; they never apply).
  /// REQUIRES: entries reported in index order.
  void applied(uint64_t index, uint64_t term, const meta_result* result);
  size_t proposals() const { return proposals_.size(); }

  // --- reads -----------------------------------------------------------

  /// Opens a read; returns its context for the core's read_index(). Exactly
  /// one of `serve` and `fail` is called once, later.
  std::string open_read(std::function<void()> serve, on_failure fail);
  /// True while the read `ctx` waits.
  bool reading(const std::string& ctx) const { return reads_.count(ctx) > 0; }
  /// The read index of `ctx` arrived (ignored for a read no longer open).
  void read_index(const std::string& ctx, uint64_t index);
  /// Serves every read whose read index is at or below `applied`.
  void serve_reads(uint64_t applied);
  /// Fails the read `ctx` if it is still open.
  void fail_read(const std::string& ctx, const replica_failure& why);
  size_t reads() const { return reads_.size(); }

  // --- parked work -----------------------------------------------------

  /// Work that needs a leader: `retry` is called on every tick until it
  /// returns true (handed on); after `wait_ticks` failed tries, `expire`.
  void park(std::function<bool()> retry, std::function<void()> expire);
  size_t parked() const { return parked_.size(); }

  // --- time ------------------------------------------------------------

  /// One tick of the replica's clock. Parked work is retried (and expired
  /// after `wait_ticks` tries). A read still without its read index (its
  /// request or the answer may have been lost with a message) is due to be
  /// asked again every `retry_every` ticks, and fails once it has waited
  /// more than `wait_ticks`. Returns the contexts to ask the core again.
  /// REQUIRES: retry_every > 0.
  std::vector<std::string> tick(int retry_every, int wait_ticks);

  /// Fails everything open: proposals and reads with `why`, parked work by
  /// its expire. The book is empty afterwards.
  void fail_all(const replica_failure& why);

private:
  struct proposal {
    uint64_t term = 0;
    on_result done;
    on_failure fail;
  };
  struct read {
    std::function<void()> serve;
    on_failure fail;
    uint64_t index = 0; ///< known once `ready`
    bool ready = false;
    int age = 0; ///< ticks waited for the read index
  };
  struct waiting {
    std::function<bool()> retry;
    std::function<void()> expire;
    int age = 0;
  };

  uint64_t id_;
  uint64_t read_seq_ = 0;
  std::map<uint64_t, proposal> proposals_; ///< by log index
  std::map<std::string, read> reads_;      ///< by context
  std::deque<waiting> parked_;
};

} // namespace ds
