// Request records of a shard (docs/ARCHITECTURE.md, "Replicated shards"):
// a write that carried a request id is recorded with its answer, so that
// the same request sent again after a failover is answered as it was, not
// applied twice; and so that a try that arrives after its request was
// answered as failed (EEXIST, ENOENT) is answered the same, not applied.
// The records travel in commit batches, so every replica's store holds
// them and the next leader loads them.
#include <algorithm>

#include "model/namespace/name.hpp"
#include "model/namespace/ns_shard.hpp"

namespace ds {

namespace {

/// Whether an answer is recorded: success, and the failures that depend on
/// the namespace's state. Malformed names answer the same every time, and
/// placement answers (EWRONGSHARD, ESTALE) send the request elsewhere.
bool recorded_answer(errc c) {
  switch (c) {
  case errc::ok:
  case errc::enoent:
  case errc::eexist:
  case errc::enotdir:
  case errc::eisdir:
  case errc::enotempty:
  case errc::ebusy:
  case errc::enospc:
    return true;
  default:
    return false;
  }
}

} // namespace

const request_record* ns_shard::recorded(const ns_request& r) const {
  if (r.rid == 0 || requests_.empty() || !sent_again_with_id(r.op))
    return nullptr;
  auto i = requests_.find(r.rid);
  if (i == requests_.end() || i->second.dir != r.dir ||
      i->second.hash != name_hash(r.name))
    return nullptr;
  return &i->second;
}

void ns_shard::record_request(const ns_request& r, const ns_reply& rep,
                              int64_t now_ns) {
  if (r.rid == 0 || !sent_again_with_id(r.op) || !recorded_answer(rep.code))
    return;
  request_record x{0, r.rid, r.dir, name_hash(r.name), now_ns, rep.a, rep.code};
  if (rep.code != errc::ok) // changed nothing else: wait for the record
    pending_dirty_.names.insert(key_of(r.dir, x.hash));
  keep_record(x, now_ns);
}

void ns_shard::keep_record(request_record x, int64_t now_ns) {
  x.seq = next_request_++;
  auto rid = x.rid;
  requests_[rid] = x; // the same id for another name: the newer wins
  request_order_.emplace_back(x.seq, rid);
  new_requests_.push_back(x);
  bool dropped = false;
  while (!request_order_.empty()) {
    auto [seq, rid] = request_order_.front();
    auto i = requests_.find(rid);
    if (i != requests_.end() && i->second.seq == seq) {
      if (requests_.size() <= cfg_.max_requests &&
          i->second.at >= now_ns - cfg_.request_memory_ns)
        break;
      requests_.erase(i);
    } // else: a record that a newer one of its id replaced
    request_order_.pop_front();
    dropped = true;
  }
  if (dropped)
    requests_from_ =
        request_order_.empty() ? next_request_ : request_order_.front().first;
}

std::vector<request_record> ns_shard::part_requests(inode_id dir, hash_range r,
                                                    uint64_t since) const {
  std::vector<request_record> out;
  auto wanted = [&](const request_record& x) {
    return x.dir == dir && r.contains(x.hash);
  };
  if (since > 0) {
    // The newest records only: from the end of their order, which holds
    // each record kept (and some that a newer one of their id replaced).
    for (auto it = request_order_.rbegin();
         it != request_order_.rend() && it->first >= since; ++it) {
      auto i = requests_.find(it->second);
      if (i != requests_.end() && i->second.seq == it->first &&
          wanted(i->second))
        out.push_back(i->second);
    }
  } else
    for (auto& [rid, x] : requests_)
      if (wanted(x))
        out.push_back(x);
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return a.seq < b.seq; });
  return out;
}

bool ns_shard::valid_requests(
    inode_id dir, hash_range r,
    const std::vector<request_record>& requests) const {
  for (auto& x : requests)
    if (x.rid == 0 || x.dir != dir || !r.contains(x.hash) ||
        x.code > errc::enotleader)
      return false;
  return true;
}

errc ns_shard::adopt_requests(inode_id dir, hash_range r,
                              const std::vector<request_record>& requests) {
  if (!valid_requests(dir, r, requests))
    return errc::einval;
  keep_new_requests(requests);
  return errc::ok;
}

void ns_shard::keep_new_requests(const std::vector<request_record>& requests) {
  for (auto& x : requests) {
    auto i = requests_.find(x.rid);
    if (i != requests_.end() && i->second.dir == x.dir &&
        i->second.hash == x.hash)
      continue; // kept already (a patch sent again)
    keep_record(x, x.at);
  }
}

} // namespace ds
