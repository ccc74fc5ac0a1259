// Requests held while their part changes hands (actors/shard.hpp).
#include <caf/all.hpp>

#include "actors/shard.hpp"

namespace ds {

void shard_state::park(caf::typed_response_promise<std::vector<ns_reply>> rp,
                       std::vector<ns_request> reqs, std::vector<ns_reply> out,
                       std::vector<size_t> left, bool wait,
                       std::chrono::steady_clock::time_point arrived) {
  meters->parked.fetch_add(left.size(), std::memory_order_relaxed);
  meters->parked_total.fetch_add(left.size(), std::memory_order_relaxed);
  parked.push_back(parked_batch{std::move(rp), std::move(reqs), std::move(out),
                                std::move(left), wait, arrived,
                                self->clock().now() + park_limit});
  arm_park();
}

void shard_state::unpark(bool due) {
  if (parked.empty())
    return;
  auto now = self->clock().now();
  auto now_ns = wall_clock_ns();
  std::deque<parked_batch> still;
  for (auto& b : parked) {
    bool late = due && b.due <= now;
    std::vector<size_t> left;
    for (auto i : b.left) {
      if (!late && core->parks(b.reqs[i])) {
        left.push_back(i);
        continue;
      }
      bool w = false;
      b.out[i] = apply_one(b.reqs[i], now_ns, w);
      b.wait = b.wait || w;
    }
    meters->parked.fetch_sub(b.left.size() - left.size(),
                             std::memory_order_relaxed);
    b.left = std::move(left);
    if (b.left.empty())
      answer(std::move(b.rp), std::move(b.out), b.wait, b.arrived);
    else
      still.push_back(std::move(b));
  }
  parked = std::move(still);
  arm_park();
}

void shard_state::arm_park() {
  if (parked.empty() || park_armed)
    return;
  park_armed = true;
  auto wait = parked.front().due - self->clock().now();
  self->delayed_send(self, std::max(wait, caf::timespan{0}), park_atom::value);
}

} // namespace ds
