// The error codes every dagshard request can answer: a value or one of these.
#pragma once

#include <cstdint>
#include <string_view>

namespace ds {

/// Outcome of one namespace or cluster operation. `ok` is zero so that a
/// value-initialised reply means success.
enum class errc : uint8_t {
  ok = 0,
  enoent,       ///< no such entry
  eexist,       ///< the name exists
  enotdir,      ///< a path component or target is not a directory
  eisdir,       ///< the target is a directory
  enotempty,    ///< directory not empty
  einval,       ///< malformed input (bad name, path, cookie, argument)
  enametoolong, ///< a name over 255 bytes or a path over the path limit
  ebusy,        ///< try again later (e.g. the directory is being removed)
  eunavailable, ///< the shard or quorum cannot be reached
  ewrongshard,  ///< internal: the shard does not own that DAG node
  eio,          ///< storage failed; the shard stops and recovers from disk
  enospc,       ///< a configured limit (entries per directory) is reached
  econflict,    ///< a conditional update found another version
  /// internal: the directory addressed was removed, or is being removed,
  /// so the handle a router cached for it may be out of date. Routers
  /// resolve the path again; a client never sees it.
  estale,
  /// internal: this replica of the shard's group does not lead it (or no
  /// longer does); `ns_reply::node` holds the leader's member number (Raft
  /// id), 0 when unknown. Nothing of the request was applied: routers send
  /// it again, to the leader. A client never sees it.
  enotleader,
};

/// Upper-case symbolic name, e.g. "ENOENT".
std::string_view to_string(errc x);

/// Parses a symbolic name; returns false for an unknown one.
bool from_string(std::string_view str, errc& x);

} // namespace ds
