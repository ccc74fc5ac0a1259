#include "psm/access/hot_names.hpp"

#include <algorithm>

namespace ds::access {

namespace {

std::uint64_t key_of(std::uint64_t dir, std::uint64_t hash) {
  return hash ^ (dir * 0x9E3779B97F4A7C15ull);
}

} // namespace

hot_names::hot_names(std::size_t k)
    : k_(k == 0 ? 1 : k), keys_(k_), items_(k_) {}

void hot_names::add(std::uint64_t dir, std::uint64_t hash,
                    std::string_view name, std::uint64_t weight) {
  total_ += weight;
  auto key = key_of(dir, hash);
  for (std::size_t i = 0; i < used_; ++i)
    if (keys_[i] == key) {
      items_[i].count += weight;
      return;
    }
  std::size_t at = used_;
  std::uint64_t floor = 0;
  if (used_ < k_) {
    ++used_;
  } else {
    at = 0;
    for (std::size_t i = 1; i < k_; ++i)
      if (items_[i].count < items_[at].count)
        at = i;
    floor = items_[at].count;
  }
  keys_[at] = key;
  auto& e = items_[at];
  e.dir = dir;
  e.name.assign(name.data(), name.size()); // reuses the buffer's room
  e.count = floor + weight;
  e.error = floor;
}

std::vector<hot_name> hot_names::take() {
  std::vector<hot_name> out(items_.begin(), items_.begin() + used_);
  std::sort(out.begin(), out.end(), [](const hot_name& a, const hot_name& b) {
    if (a.count != b.count)
      return a.count > b.count;
    return a.dir != b.dir ? a.dir < b.dir : a.name < b.name;
  });
  used_ = 0;
  total_ = 0;
  return out;
}

} // namespace ds::access
