#include "psm/access/co_access.hpp"

#include <algorithm>

namespace ds::access {

co_access_book::co_access_book(std::uint64_t retain)
    : retain_(std::max<std::uint64_t>(retain, 1)) {}

void co_access_book::add(const series_key& part, std::uint64_t child,
                         std::uint64_t slot, double count) {
  if (child == 0 || !(count > 0))
    return;
  if (newest_ >= retain_ && slot <= newest_ - retain_)
    return; // older than what is kept
  links_[part][child][slot] += count;
  if (slot > newest_) {
    newest_ = slot;
    if (newest_ >= retain_)
      drop_before(newest_ - retain_ + 1);
  }
}

void co_access_book::drop_before(std::uint64_t slot) {
  for (auto p = links_.begin(); p != links_.end();) {
    for (auto c = p->second.begin(); c != p->second.end();) {
      auto& slots = c->second;
      slots.erase(slots.begin(), slots.lower_bound(slot));
      c = slots.empty() ? p->second.erase(c) : std::next(c);
    }
    p = p->second.empty() ? links_.erase(p) : std::next(p);
  }
}

std::vector<std::pair<std::uint64_t, double>>
co_access_book::leads(const series_key& part, std::uint64_t newest,
                      std::uint64_t window, double slot_seconds) const {
  std::vector<std::pair<std::uint64_t, double>> out;
  auto p = links_.find(part);
  if (p == links_.end() || window == 0 || !(slot_seconds > 0))
    return out;
  auto from = newest + 1 >= window ? newest + 1 - window : 0;
  for (const auto& [child, slots] : p->second) {
    double sum = 0;
    for (auto i = slots.lower_bound(from);
         i != slots.end() && i->first <= newest; ++i)
      sum += i->second;
    if (sum > 0)
      out.emplace_back(child, sum / (double(window) * slot_seconds));
  }
  return out;
}

std::size_t co_access_book::size() const {
  std::size_t n = 0;
  for (const auto& [part, children] : links_)
    n += children.size();
  return n;
}

} // namespace ds::access
