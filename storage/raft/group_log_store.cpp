// The checks and commit deferral shared by the group log stores, and the
// memory store.
#include "storage/raft/group_log_base.hpp"

#include <algorithm>

#include "storage/sqlite.hpp"

namespace ds {

namespace detail {

namespace {

[[noreturn]] void refuse(uint32_t group, const std::string& what) {
  throw sql::storage_error("raft group " + std::to_string(group) + ": " + what);
}

/// Refuses a ready that does not fit its group's log: entries that leave a
/// gap after the last stored entry, start at or before the snapshot point,
/// or are not contiguous among themselves.
void check(uint32_t group, const group_shadow& cur, const raft::ready& rd) {
  if (rd.entries.empty())
    return;
  auto snap = rd.snap ? rd.snap->meta.index : cur.snap;
  auto last = rd.snap ? snap : cur.last;
  auto first = rd.entries.front().index;
  if (first <= snap || first > last + 1)
    refuse(group, "entries from index " + std::to_string(first) +
                      " do not follow its log (snapshot at " +
                      std::to_string(snap) + ", last index " +
                      std::to_string(last) + ")");
  for (size_t k = 0; k < rd.entries.size(); ++k)
    if (rd.entries[k].index != first + k)
      refuse(group, "a ready's entries are not contiguous at index " +
                        std::to_string(rd.entries[k].index));
}

} // namespace

group_shadow shadow_of(const raft::restored_state& rs) {
  group_shadow s;
  s.hard = rs.hard;
  s.commit = rs.hard.commit;
  s.snap = rs.snap.meta.index;
  s.last = rs.entries.empty() ? s.snap : rs.entries.back().index;
  return s;
}

std::vector<uint32_t> group_log_base::groups() {
  std::vector<uint32_t> out;
  for (auto& kv : shadow_)
    out.push_back(kv.first);
  return out;
}

raft::restored_state group_log_base::load(uint32_t group) {
  auto rs = read(group);
  auto it = shadow_.find(group);
  if (it != shadow_.end())
    rs.hard.commit = std::max(rs.hard.commit, it->second.commit);
  return rs;
}

void group_log_base::save(const std::vector<group_ready>& readies) {
  // Every check comes first: a refused bundle writes nothing.
  std::map<uint32_t, group_shadow> next; // the groups' shadows afterwards
  std::vector<group_write> ws;
  std::set<uint32_t> written;
  for (auto& [group, rd] : readies) {
    if (!rd || (!rd->snap && rd->entries.empty() && !rd->hard))
      continue;
    auto n = next.find(group);
    auto old = shadow_.find(group);
    bool known = n != next.end() || old != shadow_.end();
    group_shadow cur = n != next.end()        ? n->second
                       : old != shadow_.end() ? old->second
                                              : group_shadow{};
    check(group, cur, *rd);
    group_shadow after = cur;
    if (rd->snap)
      after.snap = after.last = rd->snap->meta.index;
    if (!rd->entries.empty())
      after.last = rd->entries.back().index;
    if (rd->hard)
      after.commit = std::max(cur.commit, rd->hard->commit);
    bool commit_only = known && !rd->snap && rd->entries.empty() &&
                       rd->hard->term == cur.hard.term &&
                       rd->hard->vote == cur.hard.vote;
    if (!commit_only) {
      if (rd->hard) {
        after.hard.term = rd->hard->term;
        after.hard.vote = rd->hard->vote;
      }
      after.hard.commit = after.commit;
      ws.push_back(group_write{group, rd, after.hard});
      written.insert(group);
    }
    next[group] = after;
  }
  auto merge = [&] {
    for (auto& kv : next)
      shadow_[kv.first] = kv.second;
  };
  if (ws.empty()) { // commit indexes only: no transaction, no sync
    merge();
    for (auto& kv : next)
      if (kv.second.commit > kv.second.hard.commit)
        deferred_.insert(kv.first);
    return;
  }
  // Deferred commit indexes of other groups ride along.
  std::set<uint32_t> flush = deferred_;
  for (auto& kv : next)
    if (kv.second.commit > kv.second.hard.commit)
      flush.insert(kv.first);
  for (auto group : flush) {
    if (written.count(group))
      continue;
    auto n = next.find(group);
    auto& s = n != next.end() ? n->second : shadow_.at(group);
    auto h = s.hard;
    h.commit = s.commit;
    ws.push_back(group_write{group, nullptr, h});
  }
  write(ws);
  merge();
  for (auto& w : ws)
    shadow_[w.group].hard = w.hard;
  deferred_.clear();
}

void group_log_base::compact(uint32_t group, const raft::snapshot_meta& meta,
                             std::string_view data) {
  auto it = shadow_.find(group);
  group_shadow cur = it != shadow_.end() ? it->second : group_shadow{};
  if (meta.index <= cur.snap)
    return;
  write_compact(group, meta, data);
  cur.snap = meta.index;
  cur.last = std::max(cur.last, meta.index);
  shadow_[group] = cur;
}

void group_log_base::drop(uint32_t group) {
  if (!shadow_.count(group))
    return;
  erase(group);
  shadow_.erase(group);
  deferred_.erase(group);
}

} // namespace detail

struct memory_group_log_disk {
  std::map<uint32_t, raft::restored_state> groups;
};

namespace {

class memory_group_log_store : public detail::group_log_base {
public:
  memory_group_log_store(int fail_after,
                         std::shared_ptr<memory_group_log_disk> disk)
      : disk_(std::move(disk)), fail_after_(fail_after) {
    std::map<uint32_t, detail::group_shadow> shadows;
    for (auto& kv : disk_->groups)
      shadows[kv.first] = detail::shadow_of(kv.second);
    restore(std::move(shadows));
  }

  void save(const std::vector<group_ready>& readies) override {
    if (fail_after_ > 0 && --fail_after_ == 0)
      throw sql::storage_error("simulated fsync failure");
    group_log_base::save(readies);
  }

  uint64_t entry_count(uint32_t group) override {
    auto it = disk_->groups.find(group);
    return it == disk_->groups.end() ? 0 : it->second.entries.size();
  }

protected:
  void write(const std::vector<detail::group_write>& ws) override {
    // Built aside and then swapped in: all or nothing.
    std::map<uint32_t, raft::restored_state> changed;
    for (auto& w : ws) {
      auto c = changed.find(w.group);
      if (c == changed.end())
        c = changed.emplace(w.group, read(w.group)).first;
      auto& s = c->second;
      if (w.rd && w.rd->snap) {
        s.snap = *w.rd->snap;
        s.entries.clear();
      }
      if (w.rd && !w.rd->entries.empty()) {
        auto first = w.rd->entries.front().index;
        while (!s.entries.empty() && s.entries.back().index >= first)
          s.entries.pop_back();
        s.entries.insert(s.entries.end(), w.rd->entries.begin(),
                         w.rd->entries.end());
      }
      s.hard = w.hard;
    }
    for (auto& kv : changed)
      disk_->groups[kv.first] = std::move(kv.second);
  }

  void write_compact(uint32_t group, const raft::snapshot_meta& meta,
                     std::string_view data) override {
    auto& s = disk_->groups[group];
    s.snap.meta = meta;
    s.snap.data = std::string{data};
    auto& es = s.entries;
    es.erase(std::remove_if(
                 es.begin(), es.end(),
                 [&](const raft::entry& e) { return e.index <= meta.index; }),
             es.end());
  }

  void erase(uint32_t group) override { disk_->groups.erase(group); }

  raft::restored_state read(uint32_t group) override {
    auto it = disk_->groups.find(group);
    return it == disk_->groups.end() ? raft::restored_state{} : it->second;
  }

private:
  std::shared_ptr<memory_group_log_disk> disk_;
  int fail_after_;
};

} // namespace

std::shared_ptr<memory_group_log_disk> make_memory_group_log_disk() {
  return std::make_shared<memory_group_log_disk>();
}

std::unique_ptr<group_log_store>
make_memory_group_log_store(int fail_after,
                            std::shared_ptr<memory_group_log_disk> disk) {
  if (!disk)
    disk = make_memory_group_log_disk();
  return std::make_unique<memory_group_log_store>(fail_after, std::move(disk));
}

} // namespace ds
