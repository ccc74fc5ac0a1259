#include <map>
#include <set>

#include "storage/shard_store.hpp"

namespace ds {

namespace {

class memory_shard_store : public shard_store {
public:
  loaded_shard load() override {
    loaded_shard out;
    for (auto& [k, r] : nodes_)
      out.nodes.push_back(dir_node{k.first, r});
    for (auto& [row, e] : entries_)
      out.entries.push_back(e);
    out.dead.assign(dead_.begin(), dead_.end());
    out.next_seq = next_seq_;
    out.next_row = next_row_;
    for (auto& [dir, p] : parts_)
      out.parts.emplace_back(dir, p);
    for (auto& [seq, x] : requests_)
      out.requests.push_back(x);
    out.applied = applied_;
    return out;
  }

  void apply_group(const std::vector<commit_batch>& batches,
                   uint64_t applied) override {
    for (auto& b : batches)
      commit(b);
    applied_ = applied;
  }

  void install(const commit_batch& whole, uint64_t applied) override {
    entries_.clear();
    nodes_.clear();
    dead_.clear();
    parts_.clear();
    requests_.clear();
    commit(whole);
    applied_ = applied;
  }

  uint64_t applied() override { return applied_; }

  void commit(const commit_batch& b) override {
    for (auto row : b.del_rows)
      entries_.erase(row);
    for (auto& x : b.put_entries)
      entries_[x.e.row] = x;
    for (auto& x : b.put_nodes)
      nodes_[{x.dir, x.r.id}] = x.r;
    for (auto& x : b.del_nodes)
      nodes_.erase(x);
    dead_.insert(b.dead_dirs.begin(), b.dead_dirs.end());
    for (auto& [dir, p] : b.put_parts)
      if (p.trivial())
        parts_.erase(dir);
      else
        parts_[dir] = p;
    for (auto& x : b.put_requests)
      requests_[x.seq] = x;
    if (b.requests_from != 0)
      requests_.erase(requests_.begin(),
                      requests_.lower_bound(b.requests_from));
    next_seq_ = b.next_seq;
    next_row_ = b.next_row;
    ++commits_;
  }

  uint64_t commits() const override { return commits_; }

private:
  uint64_t applied_ = 0;
  std::map<uint64_t, dir_entry> entries_;
  std::map<std::pair<inode_id, node_id>, node_record> nodes_;
  std::set<inode_id> dead_;
  std::map<inode_id, dir_parts> parts_;
  std::map<uint64_t, request_record> requests_;
  uint64_t next_seq_ = 1;
  uint64_t next_row_ = 1;
  uint64_t commits_ = 0;
};

} // namespace

std::unique_ptr<shard_store> make_memory_shard_store() {
  return std::make_unique<memory_shard_store>();
}

} // namespace ds
