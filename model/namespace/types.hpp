// Plain value types of the namespace: inodes, entries and their attributes.
#pragma once

#include <cstdint>
#include <string>

#include "model/namespace/errc.hpp"

namespace ds {

/// Cluster-wide inode number. The root directory is `root_ino`; every other
/// inode number carries the id of the shard that allocated it in its upper
/// bits (see ns_shard), so allocation needs no coordination.
using inode_id = uint64_t;

/// Id of a DAG node, unique within one directory's DAG. The DAG's root
/// NIArray is always `root_node`.
using node_id = uint64_t;

constexpr inode_id root_ino = 1;
constexpr node_id root_node = 0;

enum class entry_kind : uint8_t { file = 0, dir = 1, symlink = 2 };

/// "file", "dir" or "symlink".
const char* to_string(entry_kind k);

/// What a directory entry records about its target.
struct attrs {
  inode_id ino = 0;
  entry_kind kind = entry_kind::file;
  uint32_t mode = 0;    ///< permission bits, e.g. 0644
  uint64_t size = 0;    ///< bytes
  int64_t mtime = 0;    ///< ns since the Unix epoch
  uint64_t version = 0; ///< grows by one on every change of the entry

  friend bool operator==(const attrs& x, const attrs& y) {
    return x.ino == y.ino && x.kind == y.kind && x.mode == y.mode &&
           x.size == y.size && x.mtime == y.mtime && x.version == y.version;
  }
};

/// The field list of attrs (serialization and printing).
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, attrs& x) {
  return f(x.ino, x.kind, x.mode, x.size, x.mtime, x.version);
}

/// One directory entry as kept in an entry list: the name, its 64-bit hash
/// (see name_hash) and its attributes.
struct entry {
  std::string name;
  uint64_t hash = 0;
  attrs a;
  /// Storage record id, unique within a shard and never reused: entries are
  /// stored by it, so that a create is an append to the table.
  uint64_t row = 0;
};

/// The field list of entry (serialization and printing).
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, entry& x) {
  return f(x.name, x.hash, x.a, x.row);
}

/// A write that carried a request id (ns_request::rid), with its answer:
/// the same request sent again (same id, directory and name) is answered
/// this instead of being applied again. Failed answers that depend on the
/// namespace (EEXIST, ENOENT, ...) are recorded too, so that a late try of
/// a request already answered as failed cannot take effect afterwards.
struct request_record {
  uint64_t seq = 0; ///< order of recording (the store's key)
  uint64_t rid = 0;
  inode_id dir = 0;
  uint64_t hash = 0;    ///< the name's hash
  int64_t at = 0;       ///< when it was applied (ns)
  attrs a;              ///< the answer's attributes (when its code is ok)
  errc code = errc::ok; ///< the answer's code
};

/// The field list of request_record (serialization and printing).
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, request_record& x) {
  return f(x.seq, x.rid, x.dir, x.hash, x.at, x.a, x.code);
}

} // namespace ds
