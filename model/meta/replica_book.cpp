#include "model/meta/replica_book.hpp"

#include <utility>

namespace ds {

// Callbacks may call back into the book (an expired read fails through
// fail_read, a retried command is proposed again): every loop below takes
// its entry out of the book before calling anything.

void replica_book::proposed(uint64_t index, uint64_t term, on_result done,
                            on_failure fail) {
  proposals_[index] = proposal{term, std::move(done), std::move(fail)};
}

void replica_book::applied(uint64_t index, uint64_t term,
                           const meta_result* result) {
  while (!proposals_.empty() && proposals_.begin()->first <= index) {
    auto node = proposals_.extract(proposals_.begin());
    auto& p = node.mapped();
    if (node.key() == index && p.term == term && result)
      p.done(*result);
    else
      p.done(meta_result{errc::eunavailable, 0, 0});
  }
}

std::string replica_book::open_read(std::function<void()> serve,
                                    on_failure fail) {
  std::string ctx = std::to_string(id_) + ":" + std::to_string(++read_seq_);
  read r;
  r.serve = std::move(serve);
  r.fail = std::move(fail);
  reads_.emplace(ctx, std::move(r));
  return ctx;
}

void replica_book::read_index(const std::string& ctx, uint64_t index) {
  auto it = reads_.find(ctx);
  if (it == reads_.end())
    return;
  it->second.index = index;
  it->second.ready = true;
}

void replica_book::serve_reads(uint64_t applied) {
  for (auto it = reads_.begin(); it != reads_.end();) {
    if (it->second.ready && it->second.index <= applied) {
      auto serve = std::move(it->second.serve);
      it = reads_.erase(it);
      serve();
    } else {
      ++it;
    }
  }
}

void replica_book::fail_read(const std::string& ctx,
                             const replica_failure& why) {
  auto node = reads_.extract(ctx);
  if (node)
    node.mapped().fail(why);
}

void replica_book::park(std::function<bool()> retry,
                        std::function<void()> expire) {
  parked_.push_back({std::move(retry), std::move(expire), 0});
}

std::vector<std::string> replica_book::tick(int retry_every, int wait_ticks) {
  auto work = std::move(parked_);
  parked_.clear();
  std::deque<waiting> still;
  for (auto& w : work) {
    if (w.retry())
      continue;
    if (++w.age > wait_ticks)
      w.expire();
    else
      still.push_back(std::move(w));
  }
  for (auto& w : parked_) // parked by a retry meanwhile
    still.push_back(std::move(w));
  parked_ = std::move(still);
  std::vector<std::string> again;
  std::vector<std::pair<std::string, on_failure>> expired;
  for (auto it = reads_.begin(); it != reads_.end();) {
    auto& r = it->second;
    if (!r.ready && ++r.age % retry_every == 0) {
      if (r.age > wait_ticks) {
        expired.emplace_back(it->first, std::move(r.fail));
        it = reads_.erase(it);
        continue;
      }
      again.push_back(it->first);
    }
    ++it;
  }
  for (auto& [ctx, fail] : expired)
    fail(replica_failure{replica_failure::unavailable, "no metadata quorum"});
  return again;
}

void replica_book::fail_all(const replica_failure& why) {
  auto proposals = std::move(proposals_);
  auto reads = std::move(reads_);
  auto parked = std::move(parked_);
  proposals_.clear();
  reads_.clear();
  parked_.clear();
  for (auto& [index, p] : proposals)
    p.fail(why);
  for (auto& [ctx, r] : reads)
    r.fail(why);
  for (auto& w : parked)
    w.expire();
}

} // namespace ds
