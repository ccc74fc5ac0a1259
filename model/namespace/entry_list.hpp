// An entry list: the entries of one DAG list node in (hash, name) order.
//
// Entries live in a pool in arbitrary order; a separate index of 16-byte
// (hash, pool position) slots is kept sorted. An insert or erase shifts only
// the trivially copyable slots (a memmove), never the entries with their
// strings, which made sorted inserts into full lists several times cheaper.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "model/namespace/types.hpp"

namespace ds {

class entry_list {
public:
  size_t size() const { return order_.size(); }
  bool empty() const { return order_.empty(); }

  /// The i-th entry in (hash, name) order.
  const entry& at(size_t i) const { return pool_[order_[i].pos]; }

  /// Index of the first entry not less than (hash, name).
  size_t lower_bound(uint64_t hash, std::string_view name) const;

  /// Index of the first entry whose hash is >= `hash`.
  size_t lower_bound(uint64_t hash) const;

  const entry* find(uint64_t hash, std::string_view name) const;
  entry* find(uint64_t hash, std::string_view name);

  /// Inserts `e`; false (and no change) if its name is present.
  bool insert(entry e);

  /// Removes (hash, name); false if absent. Copies its attributes and row
  /// out where the pointers are not null.
  bool erase(uint64_t hash, std::string_view name, attrs* removed,
             uint64_t* row = nullptr);

  /// Moves every entry with hash >= `hash` into a new list and returns it.
  entry_list split_off(uint64_t hash);

  /// Appends `upper`, whose entries must all follow this list's.
  void append(entry_list&& upper);

  /// Appends without ordering; call sort() before any other use.
  void push_unsorted(entry e);
  void sort();

private:
  struct slot {
    uint64_t hash;
    uint32_t pos;
  };
  bool less(const slot& s, uint64_t hash, std::string_view name) const;

  std::vector<entry> pool_;
  std::vector<slot> order_;
};

} // namespace ds
