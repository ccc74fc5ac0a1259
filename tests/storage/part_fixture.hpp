// Shards with memory stores for tests of parts moving between them: every
// step's changes are committed, and a restart loads what was.
#pragma once

#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

#include "model/namespace/name.hpp"
#include "model/namespace/ns_shard.hpp"
#include "storage/shard_store.hpp"

namespace ds::test {

inline constexpr inode_id dir = 7;
inline const hash_range upper{uint64_t{1} << 63, ~uint64_t{0}};
inline const hash_range lower{0, (uint64_t{1} << 63) - 1};

/// A shard with its own memory store: every step's changes are committed.
struct node {
  ns_shard core;
  std::unique_ptr<shard_store> store = make_memory_shard_store();
  explicit node(uint32_t id) : core(id, {}) {}
  int64_t now = 1000; ///< the time requests are applied at (ns)
  ns_reply run(ns_request r) {
    bool wait = false;
    auto rep = core.apply(r, now, wait);
    sync();
    return rep;
  }
  void sync() {
    if (core.dirty()) {
      store->commit(core.take_changes());
      core.committed();
    }
  }
  /// Drops every entry of the parts given away (the shard actor does it a
  /// chunk per commit after a release).
  void collect() {
    while (core.has_garbage())
      core.collect_garbage(1024);
    sync();
  }
  /// A fresh core from what was committed.
  void restart() {
    auto l = store->load();
    ns_shard back{core.shard_id(), {}};
    REQUIRE(back.restore(l.nodes, l.entries, l.dead, l.next_seq, l.next_row,
                         l.parts, l.requests) == "");
    core = std::move(back);
  }
};

inline errc code(node& n, ns_op op, const std::string& name) {
  return n.run(make_request(op, dir, name)).code;
}

/// Every name of `dir` that `n` lists in [lo, hi].
inline std::vector<std::string> listing(node& n, hash_range r) {
  std::vector<std::string> out;
  auto q = make_request(ns_op::readdir, dir);
  q.from = r.lo;
  q.until = r.hi;
  q.max_entries = 7;
  for (;;) {
    auto rep = n.run(q);
    REQUIRE(rep.code == errc::ok);
    for (auto& e : rep.entries)
      out.push_back(e.name);
    if (rep.eof)
      return out;
    q.cookie = rep.cookie;
  }
}

inline std::string name_in(const hash_range& r, int& k) {
  for (;;) {
    auto n = "f" + std::to_string(k++);
    if (r.contains(name_hash(n)))
      return n;
  }
}

} // namespace ds::test
