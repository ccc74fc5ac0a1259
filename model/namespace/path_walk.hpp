// Path resolution as a pure state machine: a path request is resolved one
// component at a time, each step a handle-addressed request on one
// directory, and each answer advances the machine. The router drives it
// (use_cache, then sends next_request and feeds the answer to advance);
// nothing here knows of shards, actors or time.
//
// With a directory-lookup cache the walk skips the components whose
// directories the cache knows, and marks the requests it sends on such a
// handle as `cached`. A shard answers those with ESTALE when the directory
// was removed or is being removed; the walk then drops the entry and
// resolves again from the directory above it, itself checked the same way,
// so the nearest valid ancestor is found one level at a time.
#pragma once

#include <string>
#include <vector>

#include "model/namespace/dir_cache.hpp"
#include "model/namespace/ns_ops.hpp"

namespace ds {

/// One path request being resolved.
struct path_job {
  path_request req;
  std::vector<std::string> parts; ///< the validated components
  size_t next = 0;                ///< the component looked up next (walk)
  inode_id dir = root_ino;        ///< the directory reached so far
  enum stage_t {
    walk,       ///< looking up the directories above the last component
    final_op,   ///< the operation itself (or the lookup of its target)
    rm_prepare, ///< rmdir: block creates in the target, must be empty
    rm_unlink,  ///< rmdir: remove the target's entry from its parent
    rm_finish   ///< rmdir: commit or abort on the target
  } stage = walk;
  inode_id target = 0; ///< readdir, rmdir: the directory operated on
  ns_reply unlink_reply;
  /// The directories reached: trail[k] after k components (trail[0] is the
  /// root), and whether the cache said so. `dir` is trail.back().
  struct reached {
    inode_id ino;
    bool cached;
  };
  std::vector<reached> trail{{root_ino, false}};
  bool target_cached = false;   ///< readdir's target came from the cache
  size_t fresh_at = ~size_t{0}; ///< component to look up on its shard
  int stale_seen = 0;           ///< ESTALE answers met so far
};

/// ESTALE answers after which a walk stops using the cache: a directory
/// removed and made again faster than the walk proceeds cannot keep it
/// going round.
constexpr int max_stale_per_walk = 8;

/// A reply that carries only an error code.
inline ns_reply error_reply(errc e) {
  ns_reply r;
  r.code = e;
  return r;
}

/// Prepares `j` for `req`. Returns true when the request is answered
/// without any shard (a bad path, or an operation on the root itself);
/// the answer is then in `out`.
bool start_walk(path_request req, path_job& j, ns_reply& out);

/// Takes from `cache` the directories of the walk it knows, from where the
/// walk stands, and readdir's target.
void use_cache(path_job& j, dir_cache& cache);

/// The request the job needs next.
ns_request next_request(const path_job& j);

/// Applies the answer to next_request(j); returns true when `rep`, possibly
/// rewritten, is the final answer. Directories looked up are recorded in
/// `cache`, and an rmdir drops its target's entry; ESTALE on a cached
/// handle drops that entry and steps back (false); ESTALE on a handle
/// looked up by this walk, or without a cache, is ENOENT: the directory was
/// removed while the request was under way.
bool advance(path_job& j, ns_reply& rep, dir_cache* cache = nullptr);

/// The final answer as the client sees it (locate reports the directory
/// that was resolved in place of the entry's inode).
ns_reply final_answer(const path_job& j, ns_reply rep);

} // namespace ds
