#include "psm/access/space_saving.hpp"

#include <algorithm>

namespace ds::access {

space_saving::space_saving(std::size_t k) : k_(k == 0 ? 1 : k) {}

void space_saving::add(const std::string& item, std::uint64_t weight) {
  total_ += weight;
  auto it = items_.find(item);
  if (it != items_.end()) {
    it->second.count += weight;
    return;
  }
  if (items_.size() < k_) {
    items_.emplace(item, entry{item, weight, 0});
    return;
  }
  auto min = items_.begin();
  for (auto i = items_.begin(); i != items_.end(); ++i)
    if (i->second.count < min->second.count)
      min = i;
  std::uint64_t floor = min->second.count;
  items_.erase(min);
  items_.emplace(item, entry{item, floor + weight, floor});
}

std::vector<space_saving::entry> space_saving::top() const {
  std::vector<entry> out;
  out.reserve(items_.size());
  for (const auto& kv : items_)
    out.push_back(kv.second);
  std::sort(out.begin(), out.end(), [](const entry& a, const entry& b) {
    return a.count != b.count ? a.count > b.count : a.item < b.item;
  });
  return out;
}

std::uint64_t space_saving::estimate(const std::string& item) const {
  auto it = items_.find(item);
  return it == items_.end() ? 0 : it->second.count;
}

} // namespace ds::access
