// Requests and replies of the namespace, addressed by (directory inode, name)
// as in NFS or FUSE. Paths are resolved into these by the router.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/namespace/errc.hpp"
#include "model/namespace/types.hpp"

namespace ds {

enum class ns_op : uint8_t {
  lookup,        ///< attributes of (dir, name)
  create,        ///< exclusive create of a file
  mkdir,         ///< exclusive create of a directory
  unlink,        ///< remove a non-directory entry
  readdir,       ///< a page of (dir) after `cookie`
  rmdir_prepare, ///< (dir) must be empty; blocks creates in it (step 1)
  rmdir_unlink,  ///< remove the directory entry (dir, name) if it is expect_ino
  rmdir_commit,  ///< (dir) is gone: later requests into it get ENOENT
  rmdir_abort,   ///< undo rmdir_prepare
  split,         ///< proactive split of DAG node `node` of (dir), or with
                 ///< node 0 of range [from, until] into `max_entries` parts
  locate,        ///< the DAG list node that covers (dir, name)'s hash
};

const char* to_string(ns_op x);

/// Largest page a readdir returns; larger requests are cut to it.
constexpr uint32_t max_readdir_page = 4096;

struct ns_request {
  ns_op op = ns_op::lookup;
  inode_id dir = 0;
  std::string name;
  uint32_t mode = 0;        ///< create/mkdir; 0 means 0644 / 0755
  inode_id expect_ino = 0;  ///< rmdir_unlink
  std::string cookie;       ///< readdir: opaque position, empty = start
  uint32_t max_entries = 0; ///< readdir page size, 0 = default (1024)
  node_id node = 0;         ///< split
  /// readdir: the hashes to list, [from, until]; a cookie overrides `from`.
  /// A router lists a directory spread over shards one part at a time.
  uint64_t from = 0;
  uint64_t until = ~uint64_t{0};
  /// The router took `dir` from its directory-lookup cache: a directory
  /// that is being removed answers ESTALE instead of serving it, since it
  /// may already be unlinked from its parent.
  bool cached = false;
  /// Creates, mkdirs and unlinks of replicated shards: the router's id of
  /// the request (0: none). A router sends a request again when no answer
  /// came (a failover); a shard that applied it already answers what it
  /// answered then instead of EEXIST or ENOENT (ns_shard's request records).
  uint64_t rid = 0;
};

/// The field list of ns_request (serialization and printing).
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ns_request& x) {
  return f(x.op, x.dir, x.name, x.mode, x.expect_ino, x.cookie, x.max_entries,
           x.node, x.from, x.until, x.cached, x.rid);
}

/// The writes a router of replicated shards may send twice (after a lost
/// answer), so they carry a request id and shards record them.
inline bool sent_again_with_id(ns_op op) {
  return op == ns_op::create || op == ns_op::mkdir || op == ns_op::unlink ||
         op == ns_op::rmdir_unlink;
}

/// A request of kind `op` on (dir, name); the other fields at their defaults.
inline ns_request make_request(ns_op op, inode_id dir, std::string name = {}) {
  ns_request r;
  r.op = op;
  r.dir = dir;
  r.name = std::move(name);
  return r;
}

struct dirent {
  std::string name;
  attrs a;
};

/// The field list of dirent (serialization and printing).
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, dirent& x) {
  return f(x.name, x.a);
}

struct ns_reply {
  errc code = errc::ok;
  attrs a;                     ///< lookup, create, mkdir, unlink (removed)
  std::vector<dirent> entries; ///< readdir
  std::string cookie;          ///< readdir: position after the last entry
  bool eof = false;            ///< readdir: no entry follows
  node_id node = 0;            ///< locate: the list node (0: no DAG yet)
  /// EWRONGSHARD: the shard's placement epoch of the directory (0: it holds
  /// no record of it).
  uint64_t epoch = 0;
};

/// The field list of ns_reply (serialization and printing).
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ns_reply& x) {
  return f(x.code, x.a, x.entries, x.cookie, x.eof, x.node, x.epoch);
}

/// A path-addressed operation, as the console and scripts send it.
enum class path_op : uint8_t {
  stat,
  create,
  mkdir,
  unlink,
  rmdir,
  readdir,
  locate, ///< internal: the DAG node of the entry (see locate_atom)
};

struct path_request {
  path_op op = path_op::stat;
  std::string path;         ///< absolute, components separated by one '/'
  uint32_t mode = 0;        ///< create/mkdir; 0 = default
  std::string cookie;       ///< readdir continuation
  uint32_t max_entries = 0; ///< readdir page size
};

/// The field list of path_request (serialization and printing).
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, path_request& x) {
  return f(x.op, x.path, x.mode, x.cookie, x.max_entries);
}

const char* to_string(path_op x);

} // namespace ds
