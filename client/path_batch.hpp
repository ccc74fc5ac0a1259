// Path-addressed requests sent together: the client resolves each parent
// directory once, then sends the requests as handle-addressed batches.
#pragma once

#include <functional>
#include <vector>

#include "messages/ns.hpp"

namespace ds {

/// How run_path_batch reaches a node: a handle-addressed batch (one reply
/// per request, in order) and one path-addressed request.
struct path_batch_io {
  std::function<std::vector<ns_reply>(std::vector<ns_request>)> send_batch;
  std::function<ns_reply(const path_request&)> send_path;
};

/// Runs `reqs` as if one after the other and answers one reply per request,
/// in order. stat, create, mkdir and unlink go as handle-addressed batches
/// of at most `chunk` requests into parents resolved once per call (a
/// directory made earlier in the batch is known from its mkdir's answer);
/// rmdir, readdir, locate and requests on the root go alone, in order. A
/// malformed path answers EINVAL or ENAMETOOLONG without being sent; a
/// parent that cannot be resolved answers as the node would (ENOENT,
/// ENOTDIR, EUNAVAILABLE).
/// REQUIRES: 1 <= chunk <= max_batch.
std::vector<ns_reply> run_path_batch(const std::vector<path_request>& reqs,
                                     const path_batch_io& io,
                                     size_t chunk = 16384);

} // namespace ds
