// Request records of a shard (docs/ARCHITECTURE.md, "Replicated shards"):
// a write that carried a request id and took effect is recorded with its
// answer, so that the same request sent again after a failover is answered
// as it was, not applied twice. The records travel in commit batches, so
// every replica's store holds them and the next leader loads them.
#include "model/namespace/name.hpp"
#include "model/namespace/ns_shard.hpp"

namespace ds {

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
  if (!sent_again_with_id(r.op))
    return;
  request_record x{next_request_++,   r.rid,  r.dir,
                   name_hash(r.name), now_ns, rep.a};
  requests_[r.rid] = x; // the same id for another name: the newer wins
  request_order_.emplace_back(x.seq, r.rid);
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

} // namespace ds
