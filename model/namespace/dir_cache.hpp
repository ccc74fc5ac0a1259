// A router's directory-lookup cache: (parent directory, name) -> directory
// inode, for directories only, bounded, least recently used first out.
// An entry is a hint, never trusted: a request sent on a cached handle is
// marked so, and the shard answers ESTALE when the directory was removed or
// is being removed; the router then drops the entry and resolves again
// (path_walk.hpp). Pure.
#pragma once

#include <cstdint>
#include <list>
#include <string>
#include <string_view>
#include <unordered_map>

#include "model/namespace/types.hpp"

namespace ds {

struct dir_cache_stats {
  uint64_t hits = 0;      ///< path components resolved from the cache
  uint64_t misses = 0;    ///< path components looked up on a shard
  uint64_t stale = 0;     ///< requests on a cached entry answered ESTALE
  uint64_t evictions = 0; ///< entries dropped for want of room
  uint64_t dropped = 0;   ///< entries dropped by this router's own rmdir
  uint64_t entries = 0;   ///< entries held now
};

class dir_cache {
public:
  /// At most `capacity` entries; 0 turns the cache off.
  explicit dir_cache(size_t capacity = 0) : capacity_(capacity) {}

  dir_cache(const dir_cache&) = delete;
  dir_cache& operator=(const dir_cache&) = delete;

  /// The directory that `name` in `parent` resolved to, or 0. A hit makes
  /// the entry the most recently used; hits and misses are counted.
  inode_id find(inode_id parent, std::string_view name);

  /// Records that `name` in `parent` is directory `dir` (replacing an older
  /// entry for the name); evicts the least recently used beyond capacity.
  void insert(inode_id parent, std::string_view name, inode_id dir);

  /// Drops the entry of `name` in `parent` if it still says `dir` (0: any);
  /// `stale` counts it as found out of date, else as dropped by an rmdir.
  void erase(inode_id parent, std::string_view name, inode_id dir, bool stale);

  size_t size() const { return map_.size(); }
  size_t capacity() const { return capacity_; }
  dir_cache_stats stats() const;

private:
  struct item {
    inode_id parent;
    std::string name;
    inode_id dir;
  };
  /// A key that points into its item's name: the name is stored once.
  struct key {
    inode_id parent;
    std::string_view name;
    bool operator==(const key& o) const {
      return parent == o.parent && name == o.name;
    }
  };
  struct key_hash {
    size_t operator()(const key& k) const;
  };
  using lru = std::list<item>; ///< most recently used first
  size_t capacity_;
  lru items_;
  std::unordered_map<key, lru::iterator, key_hash> map_;
  dir_cache_stats stats_;
};

} // namespace ds
