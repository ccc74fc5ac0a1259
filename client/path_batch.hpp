// Path-addressed requests sent together: the client resolves each parent
// directory once, then sends the requests as handle-addressed batches.
#pragma once

#include <functional>
#include <vector>

#include "messages/ns.hpp"

namespace ds {

/// How run_path_batch reaches a node: handle-addressed batches sent one at
/// a time and answered in the order they were sent (one reply per request,
/// in order, for each batch), and one path-addressed request.
struct path_batch_io {
  using batch = std::vector<ns_request>;
  using answers = std::vector<ns_reply>;
  /// Sends a batch without waiting for its answer.
  std::function<void(batch)> send_batch;
  /// Waits for the answer of the oldest batch sent and not yet received.
  /// An answer with fewer replies than the batch had requests means the
  /// batch was lost: all its requests answer EUNAVAILABLE.
  std::function<answers()> receive_batch;
  std::function<ns_reply(const path_request&)> send_path;
};

/// Runs `reqs` as if one after the other and answers one reply per request,
/// in order. stat, create, mkdir and unlink go as handle-addressed batches
/// of at most `chunk` requests into parents resolved once per call (a
/// directory made earlier in the batch is known from its mkdir's answer).
/// A batch is sent when it is full, while at most `window` batches are in
/// flight: when the window is full, the oldest answer is taken in first
/// (a sliding window, not rounds of `window` batches). Batches in flight
/// together may be applied in any order, so two requests on the same path,
/// or one on a path and one below it, are never in flight together: the
/// later one waits until the batch of the earlier one has answered.
/// rmdir, readdir, locate and requests on the root go alone, in order,
/// after every batch before them has answered. A malformed path answers
/// EINVAL or ENAMETOOLONG without being sent; a parent that cannot be
/// resolved answers as the node would (ENOENT, ENOTDIR, EUNAVAILABLE).
/// REQUIRES: 1 <= chunk <= max_batch, window >= 1.
std::vector<ns_reply> run_path_batch(const std::vector<path_request>& reqs,
                                     const path_batch_io& io,
                                     size_t chunk = 1024, size_t window = 8);

/// Called with each request's index and answer, in request order, as soon
/// as that answer and every one before it are known; it may take the
/// answer (move from it).
using path_answer_fn = std::function<void(size_t, ns_reply&)>;

/// run_path_batch handing each answer to `each` while later batches are
/// still in flight, instead of answering them all at the end.
void run_path_batch(const std::vector<path_request>& reqs,
                    const path_batch_io& io, const path_answer_fn& each,
                    size_t chunk = 1024, size_t window = 8);

} // namespace ds
