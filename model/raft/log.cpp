#include "model/raft/log.hpp"

#include "model/raft/check.hpp"

#include <algorithm>
#include <utility>

namespace ds::raft {

raft_log::raft_log(snapshot snap, std::vector<entry> entries, index_t commit)
    : snap_(std::move(snap)), entries_(std::move(entries)) {
  for (std::size_t k = 0; k < entries_.size(); ++k)
    DS_RAFT_CHECK(entries_[k].index == snap_.meta.index + 1 + k,
                  "restored entries are not contiguous after the snapshot");
  note_configs(0);
  stable_ = last_index();
  committed_ = std::clamp(commit, snap_.meta.index, last_index());
  applied_ = snap_.meta.index;
}

term_t raft_log::last_term() const {
  return entries_.empty() ? snap_.meta.term : entries_.back().term;
}

std::optional<term_t> raft_log::term(index_t i) const {
  if (i == snap_.meta.index)
    return snap_.meta.term;
  if (i < snap_.meta.index || i > last_index())
    return std::nullopt;
  return at(i).term;
}

bool raft_log::match_term(index_t i, term_t t) const {
  if (i == 0)
    return t == 0;
  auto mine = term(i);
  return mine && *mine == t;
}

bool raft_log::is_up_to_date(index_t i, term_t t) const {
  return t > last_term() || (t == last_term() && i >= last_index());
}

std::vector<entry> raft_log::slice(index_t lo, index_t hi, std::size_t max,
                                   std::size_t max_bytes) const {
  DS_RAFT_CHECK(lo >= first_index(), "slice below the first index");
  hi = std::min(hi, last_index() + 1);
  if (lo >= hi)
    return {};
  std::size_t n = std::max<std::size_t>(1, std::min<std::size_t>(max, hi - lo));
  auto b = entries_.begin() + static_cast<std::ptrdiff_t>(lo - first_index());
  // The first entry always goes; the others while the bytes stay in bound.
  std::size_t k = 1, bytes = b->data.size();
  for (; k < n; ++k) {
    bytes += b[static_cast<std::ptrdiff_t>(k)].data.size();
    if (bytes > max_bytes)
      break;
  }
  return std::vector<entry>(b, b + static_cast<std::ptrdiff_t>(k));
}

std::optional<index_t> raft_log::maybe_append(index_t prev, term_t prev_term,
                                              const std::vector<entry>& ents) {
  if (!match_term(prev, prev_term))
    return std::nullopt;
  std::size_t k = 0;
  // Entries at or below the snapshot are committed, hence already equal.
  while (k < ents.size() && ents[k].index <= snap_.meta.index)
    ++k;
  // Skip what we already have; the first differing term is a conflict.
  while (k < ents.size() && match_term(ents[k].index, ents[k].term))
    ++k;
  if (k < ents.size()) {
    index_t c = ents[k].index;
    DS_RAFT_CHECK(c > committed_, "a leader overwrote a committed entry");
    if (c <= last_index())
      truncate_from(c);
    DS_RAFT_CHECK(c == last_index() + 1, "append leaves a gap in the log");
    std::size_t from = entries_.size();
    entries_.insert(entries_.end(), ents.begin() + static_cast<long>(k),
                    ents.end());
    note_configs(from);
  }
  return prev + ents.size();
}

void raft_log::append(std::vector<entry> ents) {
  std::size_t from = entries_.size();
  for (auto& e : ents) {
    DS_RAFT_CHECK(e.index == last_index() + 1, "leader append leaves a gap");
    entries_.push_back(std::move(e));
  }
  note_configs(from);
}

index_t raft_log::find_conflict_by_term(index_t i, term_t t) const {
  i = std::min(i, last_index());
  // Below the snapshot the terms are unknown: answer i itself, so a leader
  // falls back to sending its snapshot instead of probing forever.
  if (i <= snap_.meta.index)
    return i;
  for (; i > snap_.meta.index; --i)
    if (at(i).term <= t)
      return i;
  return snap_.meta.index;
}

void raft_log::commit_to(index_t c) {
  if (c <= committed_)
    return;
  DS_RAFT_CHECK(c <= last_index(), "commit index beyond the log");
  committed_ = c;
}

bool raft_log::maybe_commit(index_t c, term_t t) {
  if (c <= committed_ || term(c) != t)
    return false;
  commit_to(c);
  return true;
}

void raft_log::applied_to(index_t i) {
  if (i <= applied_)
    return;
  DS_RAFT_CHECK(i <= committed_, "applied beyond the commit index");
  applied_ = i;
}

std::vector<entry> raft_log::unstable_entries() const {
  index_t from = std::max(stable_, snap_.meta.index) + 1;
  if (from > last_index())
    return {};
  return slice(from, last_index() + 1, entries_.size());
}

void raft_log::stable_to(index_t i, term_t t) {
  if (i > stable_ && match_term(i, t))
    stable_ = i;
}

void raft_log::snapshot_stable(index_t i) {
  if (pending_ && pending_->meta.index == i)
    pending_.reset();
}

void raft_log::restore(snapshot s) {
  DS_RAFT_CHECK(s.meta.index > committed_, "restore of an older snapshot");
  entries_.clear();
  configs_.clear();
  committed_ = s.meta.index;
  stable_ = s.meta.index;
  snap_ = s;
  pending_ = std::move(s);
}

void raft_log::compact(index_t i, std::string data,
                       std::vector<node_id> voters) {
  if (i <= snap_.meta.index)
    return;
  DS_RAFT_CHECK(i <= applied_ && i <= stable_,
                "compaction beyond the applied or persisted index");
  term_t t = at(i).term;
  entries_.erase(entries_.begin(),
                 entries_.begin() + static_cast<long>(i - first_index() + 1));
  configs_.erase(configs_.begin(),
                 std::upper_bound(configs_.begin(), configs_.end(), i));
  snap_.meta.index = i;
  snap_.meta.term = t;
  snap_.meta.voters = std::move(voters);
  snap_.data = std::move(data);
}

index_t raft_log::last_config(index_t i) const {
  auto it = std::upper_bound(configs_.begin(), configs_.end(), i);
  return it == configs_.begin() ? 0 : *std::prev(it);
}

void raft_log::note_configs(std::size_t from) {
  for (std::size_t k = from; k < entries_.size(); ++k)
    if (entries_[k].type == entry_type::config)
      configs_.push_back(entries_[k].index);
}

void raft_log::truncate_from(index_t i) {
  configs_.erase(std::lower_bound(configs_.begin(), configs_.end(), i),
                 configs_.end());
  entries_.resize(i - first_index());
  stable_ = std::min(stable_, i - 1);
}

} // namespace ds::raft
