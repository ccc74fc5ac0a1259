// A small history of a shard's commit batches, and comparisons of what
// stores loaded: shared by the tests of the batch codec and of snapshots.
#pragma once

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

#include "model/namespace/ns_shard.hpp"
#include "storage/shard_store.hpp"

namespace ds::test {

inline ns_reply run(ns_shard& s, ns_op op, inode_id dir,
                    const std::string& name) {
  bool wait = false;
  return s.apply(make_request(op, dir, name), 1000, wait);
}

// The batches of a small history: creates that split the root's DAG, a
// directory with files, unlinks, an rmdir.
inline std::vector<commit_batch> history(ns_shard& s) {
  std::vector<commit_batch> out;
  for (int i = 0; i < 300; ++i)
    run(s, ns_op::create, root_ino, "f" + std::to_string(i));
  out.push_back(s.take_changes());
  auto d = run(s, ns_op::mkdir, root_ino, "d");
  for (int i = 0; i < 20; ++i)
    run(s, ns_op::create, d.a.ino, "g" + std::to_string(i));
  for (int i = 0; i < 300; i += 4)
    run(s, ns_op::unlink, root_ino, "f" + std::to_string(i));
  out.push_back(s.take_changes());
  // An rmdir's three steps: the directory is gone (a tombstone).
  auto e = run(s, ns_op::mkdir, root_ino, "empty");
  out.push_back(s.take_changes());
  bool wait = false;
  s.apply(make_request(ns_op::rmdir_prepare, e.a.ino), 1000, wait);
  ns_request un = make_request(ns_op::rmdir_unlink, root_ino, "empty");
  un.expect_ino = e.a.ino;
  s.apply(un, 1000, wait);
  s.apply(make_request(ns_op::rmdir_commit, e.a.ino), 1000, wait);
  out.push_back(s.take_changes());
  REQUIRE_FALSE(out.back().dead_dirs.empty());
  return out;
}

inline void same_load(const loaded_shard& x, const loaded_shard& y) {
  REQUIRE(x.entries.size() == y.entries.size());
  for (size_t i = 0; i < x.entries.size(); ++i) {
    CHECK(x.entries[i].dir == y.entries[i].dir);
    CHECK(x.entries[i].e.name == y.entries[i].e.name);
    CHECK(x.entries[i].e.row == y.entries[i].e.row);
    CHECK(x.entries[i].e.a == y.entries[i].e.a);
  }
  REQUIRE(x.nodes.size() == y.nodes.size());
  for (size_t i = 0; i < x.nodes.size(); ++i) {
    CHECK(x.nodes[i].dir == y.nodes[i].dir);
    CHECK(x.nodes[i].r.id == y.nodes[i].r.id);
    CHECK(x.nodes[i].r.slots == y.nodes[i].r.slots);
  }
  CHECK(x.dead == y.dead);
  CHECK(x.next_seq == y.next_seq);
  CHECK(x.next_row == y.next_row);
}

inline loaded_shard sorted(loaded_shard l) {
  std::sort(l.nodes.begin(), l.nodes.end(), [](auto& a, auto& b) {
    return std::make_pair(a.dir, a.r.id) < std::make_pair(b.dir, b.r.id);
  });
  std::sort(l.entries.begin(), l.entries.end(),
            [](auto& a, auto& b) { return a.e.row < b.e.row; });
  std::sort(l.dead.begin(), l.dead.end());
  return l;
}

} // namespace ds::test
