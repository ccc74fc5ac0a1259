// Plain data of the Raft core: log entries, hard state, snapshots, messages.
// Nothing here does I/O; an actor encodes these structs for the wire and the
// disk as it likes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ds::raft {

/// A server's id within one Raft group. 0 means "nobody" (no vote, no leader).
using node_id = std::uint64_t;
/// A Raft term; terms start at 1, 0 means "before any election".
using term_t = std::uint64_t;
/// A log index; the first entry has index 1, 0 means "before the log".
using index_t = std::uint64_t;

/// The id that stands for "nobody".
inline constexpr node_id no_node = 0;

/// What an entry carries.
enum class entry_type : std::uint8_t {
  /// An application command (empty data: the no-op a new leader appends).
  normal = 0,
  /// A membership change: data is encode_voters() of the new voter set. The
  /// new set takes effect as soon as the entry is in a log (appended, not
  /// committed), as in the Raft thesis' one-server-at-a-time changes.
  config = 1,
};

/// One log entry.
struct entry {
  term_t term = 0;   ///< term of the leader that created it
  index_t index = 0; ///< position in the log, >= 1
  entry_type type = entry_type::normal;
  std::string data; ///< opaque command bytes
  bool operator==(const entry& o) const {
    return term == o.term && index == o.index && type == o.type &&
           data == o.data;
  }
  bool operator!=(const entry& o) const { return !(*this == o); }
};

/// State that must be on stable storage before any message that depends on
/// it is sent (Raft paper, Figure 2, "persistent state"; commit is kept too
/// so a restarted node can re-apply without waiting for a leader).
struct hard_state {
  term_t term = 0;    ///< latest term this server has seen
  node_id vote = 0;   ///< candidate voted for in `term`, or no_node
  index_t commit = 0; ///< highest index known committed
  bool operator==(const hard_state& o) const {
    return term == o.term && vote == o.vote && commit == o.commit;
  }
  bool operator!=(const hard_state& o) const { return !(*this == o); }
};

/// Describes the state a snapshot stands for.
struct snapshot_meta {
  index_t index = 0;           ///< last log index the snapshot includes
  term_t term = 0;             ///< term of the entry at `index`
  std::vector<node_id> voters; ///< membership as of `index` (sorted)
  bool operator==(const snapshot_meta& o) const {
    return index == o.index && term == o.term && voters == o.voters;
  }
};

/// A snapshot of the application state machine plus its metadata.
struct snapshot {
  snapshot_meta meta;
  std::string data; ///< opaque application state
  bool empty() const { return meta.index == 0; }
};

/// Kinds of messages between servers of one group.
enum class msg_type : std::uint8_t {
  vote,            ///< RequestVote: index/log_term = candidate's last entry
  vote_resp,       ///< reply to vote; reject = not granted
  prevote,         ///< pre-vote: like vote, for term+1, changes no state
  prevote_resp,    ///< reply to prevote
  append,          ///< AppendEntries: index/log_term = previous entry
  append_resp,     ///< success: index = last matching index;
                   ///< reject: index = rejected prev index, hint fields set
  snapshot,        ///< InstallSnapshot: snap holds the whole snapshot
  heartbeat,       ///< leader liveness + commit; read_seq for ReadIndex
  heartbeat_resp,  ///< echoes read_seq
  read_index,      ///< follower asks the leader for a read index
  read_index_resp, ///< leader's answer: index = read index
  /// leadership transfer: the leader tells a caught-up voter to stand now;
  /// its votes carry context "transfer" (voters then set aside leader
  /// stickiness: the leader itself asked, and gave up its lease)
  timeout_now,
};

/// A printable name of a message type (for logs and test output).
const char* to_string(msg_type t);

/// One message. Fields not listed for a type are left at their defaults.
struct message {
  msg_type type = msg_type::heartbeat;
  node_id from = 0;
  node_id to = 0;
  term_t term = 0;     ///< sender's term (pre-vote: the term it would take)
  term_t log_term = 0; ///< see msg_type; append_resp reject: hint term
  index_t index = 0;   ///< see msg_type
  std::vector<entry> entries;   ///< append: entries after `index`
  index_t commit = 0;           ///< append/heartbeat: leader's commit index
  bool reject = false;          ///< *_resp: the request was refused
  index_t reject_hint = 0;      ///< append_resp reject: follower's hint index
  std::uint64_t read_seq = 0;   ///< heartbeat(_resp): ReadIndex round trip
  std::optional<snapshot> snap; ///< snapshot: the snapshot to install
  std::string context;          ///< read_index(_resp): caller's request id
};

/// Encodes a voter set for a config entry's data (8 bytes per id, LE).
std::string encode_voters(const std::vector<node_id>& voters);
/// Decodes encode_voters(); returns nullopt on malformed input.
std::optional<std::vector<node_id>> decode_voters(const std::string& data);

} // namespace ds::raft
