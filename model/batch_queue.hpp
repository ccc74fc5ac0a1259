// Requests that travel together: callers add items one by one while earlier
// batches are on their way, and the next batch takes whatever waits, up to a
// size. Used where one message should carry the work of many callers (the
// router's settings towards the metadata leader, a client's settings
// session towards its node). Pure: the owner sends and schedules.
#pragma once

#include <algorithm>
#include <cstddef>
#include <limits>
#include <utility>
#include <vector>

namespace ds {

/// `Waiter` is what answers one item's caller (a callback or a promise).
template <class Item, class Waiter> class batch_queue {
public:
  struct batch {
    std::vector<Item> items;
    std::vector<Waiter> waiters; ///< waiters[i] answers items[i]
  };

  /// REQUIRES: max_batch > 0. max_in_flight 0 is taken as 1.
  explicit batch_queue(size_t max_batch, size_t max_in_flight =
                                             std::numeric_limits<size_t>::max())
      : max_batch_(max_batch),
        max_in_flight_(std::max<size_t>(1, max_in_flight)) {}

  /// Queues one item. True when the owner should schedule a flush: none is
  /// scheduled yet and a batch may leave (the flush runs behind what is
  /// already in the owner's mailbox, so requests that arrived together
  /// leave together).
  bool push(Item item, Waiter w) {
    items_.push_back(std::move(item));
    waiters_.push_back(std::move(w));
    if (flush_scheduled_ || in_flight_ >= max_in_flight_)
      return false;
    flush_scheduled_ = true;
    return true;
  }

  /// The scheduled flush runs: call before taking batches.
  void flushing() { flush_scheduled_ = false; }

  /// Whether another batch may leave now.
  bool ready() const { return !items_.empty() && in_flight_ < max_in_flight_; }

  /// The next batch, oldest items first, at most max_batch of them; it
  /// counts as on its way until done(). REQUIRES: ready().
  batch take() {
    auto n = static_cast<std::ptrdiff_t>(std::min(items_.size(), max_batch_));
    batch b;
    b.items.assign(std::make_move_iterator(items_.begin()),
                   std::make_move_iterator(items_.begin() + n));
    b.waiters.assign(std::make_move_iterator(waiters_.begin()),
                     std::make_move_iterator(waiters_.begin() + n));
    items_.erase(items_.begin(), items_.begin() + n);
    waiters_.erase(waiters_.begin(), waiters_.begin() + n);
    ++in_flight_;
    return b;
  }

  /// A batch taken earlier was answered or failed.
  void done() { --in_flight_; }

  size_t waiting() const { return items_.size(); }
  size_t in_flight() const { return in_flight_; }

private:
  size_t max_batch_;
  size_t max_in_flight_;
  size_t in_flight_ = 0;
  bool flush_scheduled_ = false;
  std::vector<Item> items_;
  std::vector<Waiter> waiters_;
};

} // namespace ds
