// The hash DAG of one directory (after US patent 9495478; docs/ARCHITECTURE.md).
//
// A DAG node is either an NIArray (2^w slots of child ids, indexed by the w
// bits of the name hash that start at bit `start`, counted from the most
// significant bit) or an entry list (entries sorted by (hash, name)). Slots
// that share a child always form an aligned block of 2^j slots, so every node
// covers one contiguous range of hash values [lo, hi]; an NIArray covers the
// block of hashes that share its first `start` bits. The root is an NIArray
// with id root_node, created with width 0 (one slot).
//
// Splitting an entry list never moves entries in storage: entries are stored
// by (dir, hash, name) and a list is only a hash range, so a split rewrites
// the few node records whose slots or ranges change.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

#include "model/namespace/entry_list.hpp"
#include "model/namespace/errc.hpp"
#include "model/namespace/types.hpp"

namespace ds {

struct hdag_config {
  /// Entries per list before a capacity split (the patent's reactive rule).
  uint32_t list_capacity = 1024;
  /// Widest NIArray, in bits: at most 2^max_width_bits slots.
  uint8_t max_width_bits = 10;
  /// Width of an NIArray level created by a split, in bits (>= 1).
  uint8_t level_bits = 4;
  /// Merge sibling lists when together they hold at most list_capacity / 4
  /// entries after a delete, and collapse levels that became trivial.
  bool merge = true;
};

/// An NIArray node: 2^width_bits child ids indexed by hash bits
/// [start_bit, start_bit + width_bits).
struct niarray {
  uint8_t start_bit = 0;
  uint8_t width_bits = 0;
  std::vector<node_id> slots;
};

struct dag_node {
  uint64_t lo = 0;            ///< first hash value covered
  uint64_t hi = ~uint64_t{0}; ///< last hash value covered (inclusive)
  std::variant<niarray, entry_list> body;

  bool is_array() const { return body.index() == 0; }
  niarray& arr() { return std::get<niarray>(body); }
  const niarray& arr() const { return std::get<niarray>(body); }
  entry_list& list() { return std::get<entry_list>(body); }
  const entry_list& list() const { return std::get<entry_list>(body); }
};

/// The persistent form of a node: what storage keeps and restore() reads.
/// Lists carry no entries here; entries are stored separately.
struct node_record {
  node_id id = 0;
  uint64_t lo = 0;
  uint64_t hi = ~uint64_t{0};
  bool array = false;
  uint8_t start_bit = 0;
  uint8_t width_bits = 0;
  std::vector<node_id> slots;
};

/// The field list of node_record (serialization and printing).
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_record& x) {
  return f(x.id, x.lo, x.hi, x.array, x.start_bit, x.width_bits, x.slots);
}

/// A position in the stable readdir order, (hash, name). An empty cookie
/// starts at the beginning. Cookies remain valid across splits and merges
/// because the order does not depend on the DAG's shape.
struct readdir_cookie {
  uint64_t hash = 0;
  std::string name;
  bool start = true;

  /// Opaque byte string: 8 bytes of hash (big-endian) followed by the name.
  std::string encode() const;
  /// The position after every name of hash `h`.
  static readdir_cookie after(uint64_t h);
  /// The first hash that can follow this position.
  uint64_t next_hash() const;
  /// Parses encode()'s output; returns false for a malformed cookie.
  static bool decode(std::string_view bytes, readdir_cookie& out);
};

/// Records which stored items an operation touched. The owner drains it and
/// writes the *final* state of each touched entry and node (present: put,
/// absent: delete), which keeps the order of changes within a batch and
/// writes a hot name or node once per batch.
struct hdag_changes {
  struct touched {
    uint64_t hash;
    std::string name;
    uint64_t erased_row; ///< row of an entry erased under this name, or 0
  };
  std::vector<touched> touched_entries;
  std::vector<node_id> touched_nodes;
  uint64_t splits = 0;
  uint64_t merges = 0;

  void clear() { *this = hdag_changes{}; }
};

class hdag {
public:
  explicit hdag(hdag_config cfg = {});

  /// Rebuilds a DAG from stored records and entries (in any order).
  /// Returns an error message, or an empty string on success.
  static std::string restore(hdag_config cfg, std::vector<node_record> nodes,
                             std::vector<entry> entries, hdag& out);

  const hdag_config& config() const { return cfg_; }
  size_t size() const { return size_; }
  size_t node_count() const { return nodes_.size(); }

  /// Finds an entry. `hash` must be name_hash(name).
  const entry* find(std::string_view name, uint64_t hash) const;

  /// Inserts `e` (e.hash must be name_hash(e.name)); eexist if the name is
  /// taken. Splits lists that exceed the capacity.
  errc insert(entry e, hdag_changes& ch);

  /// Replaces the attributes of an existing entry; enoent if absent.
  errc update(std::string_view name, uint64_t hash, const attrs& a,
              hdag_changes& ch);

  /// Removes an entry and returns its attributes through `removed`.
  errc erase(std::string_view name, uint64_t hash, hdag_changes& ch,
             attrs* removed = nullptr);

  /// Splits the entry list `id` once, whatever its size (the PSM's
  /// proactive rule). einval if `id` is not a list, ebusy if the hash bits
  /// are exhausted.
  errc split(node_id id, hdag_changes& ch);

  /// Splits lists in halves until every list inside the aligned range
  /// [lo, hi] covers at most a `parts`-th of it (a power of two), and none
  /// reaches outside it: the range becomes `parts` parts or more, each a
  /// DAG node that can move alone. einval for a range that is not aligned
  /// or a bad count, ebusy if the hash bits run out (the lists split so
  /// far stay split).
  errc split_range(uint64_t lo, uint64_t hi, uint32_t parts,
                   hdag_changes& ch);

  /// The id of the list that holds (or would hold) `hash`.
  node_id list_for(uint64_t hash) const;

  /// Up to `max` entries after `from` in (hash, name) order; sets `eof` when
  /// no entry follows the last one returned.
  std::vector<entry> readdir(const readdir_cookie& from, size_t max,
                             bool& eof) const;

  const dag_node* node(node_id id) const;
  std::optional<node_record> record(node_id id) const;
  std::vector<node_id> node_ids() const;

  /// Checks every structural invariant; returns a description of the first
  /// violation, or an empty string. O(size).
  std::string check() const;

private:
  struct path_step {
    node_id array;
    size_t slot;
  };

  dag_node& at(node_id id) { return nodes_.at(id); }
  const dag_node& at(node_id id) const { return nodes_.at(id); }
  node_id walk(uint64_t hash, path_step* parent) const;
  bool split_list(node_id list, const path_step& parent, hdag_changes& ch);
  void split_group(node_id list, node_id parent, size_t first, size_t count,
                   hdag_changes& ch);
  void try_merge(node_id list, const path_step& parent, hdag_changes& ch);
  void collapse_up(node_id array, uint64_t hash, hdag_changes& ch);
  void touch(node_id id, hdag_changes& ch) { ch.touched_nodes.push_back(id); }
  node_id new_id() { return next_id_++; }

  hdag_config cfg_;
  std::unordered_map<node_id, dag_node> nodes_;
  node_id next_id_ = root_node + 1;
  size_t size_ = 0;
};

/// The group of slots [first, first + count) of `arr` that point at `child`
/// around slot `slot`. Slots sharing a child form an aligned block.
void slot_group(const niarray& arr, size_t slot, size_t& first, size_t& count);

/// The hash range covered by slots [first, first + count) of an NIArray
/// whose node covers [lo, ...].
void slot_range(const niarray& arr, uint64_t lo, size_t first, size_t count,
                uint64_t& out_lo, uint64_t& out_hi);

} // namespace ds
