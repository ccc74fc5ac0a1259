#include "model/namespace/entry_list.hpp"

#include <algorithm>
#include <cstddef>
#include <utility>

namespace ds {

bool entry_list::less(const slot& s, uint64_t hash,
                      std::string_view name) const {
  if (s.hash != hash)
    return s.hash < hash;
  return std::string_view{pool_[s.pos].name} < name;
}

size_t entry_list::lower_bound(uint64_t hash, std::string_view name) const {
  auto i = std::lower_bound(
      order_.begin(), order_.end(), hash,
      [&](const slot& s, uint64_t h) { return less(s, h, name); });
  return static_cast<size_t>(i - order_.begin());
}

size_t entry_list::lower_bound(uint64_t hash) const {
  auto i =
      std::lower_bound(order_.begin(), order_.end(), hash,
                       [](const slot& s, uint64_t h) { return s.hash < h; });
  return static_cast<size_t>(i - order_.begin());
}

const entry* entry_list::find(uint64_t hash, std::string_view name) const {
  auto i = lower_bound(hash, name);
  if (i < order_.size() && order_[i].hash == hash && at(i).name == name)
    return &at(i);
  return nullptr;
}

entry* entry_list::find(uint64_t hash, std::string_view name) {
  return const_cast<entry*>(std::as_const(*this).find(hash, name));
}

bool entry_list::insert(entry e) {
  auto i = lower_bound(e.hash, e.name);
  if (i < order_.size() && order_[i].hash == e.hash && at(i).name == e.name)
    return false;
  order_.insert(order_.begin() + static_cast<std::ptrdiff_t>(i),
                slot{e.hash, static_cast<uint32_t>(pool_.size())});
  pool_.push_back(std::move(e));
  return true;
}

bool entry_list::erase(uint64_t hash, std::string_view name, attrs* removed,
                       uint64_t* row) {
  auto i = lower_bound(hash, name);
  if (i == order_.size() || order_[i].hash != hash || at(i).name != name)
    return false;
  auto pos = order_[i].pos;
  if (removed)
    *removed = pool_[pos].a;
  if (row)
    *row = pool_[pos].row;
  order_.erase(order_.begin() + static_cast<std::ptrdiff_t>(i));
  auto last = static_cast<uint32_t>(pool_.size() - 1);
  if (pos != last) {
    // Fill the hole with the last pooled entry and repoint its slot.
    auto& moved = pool_[last];
    auto j = lower_bound(moved.hash, moved.name);
    order_[j].pos = pos;
    pool_[pos] = std::move(moved);
  }
  pool_.pop_back();
  return true;
}

entry_list entry_list::split_off(uint64_t hash) {
  auto cut = lower_bound(hash);
  entry_list upper;
  entry_list lower;
  upper.pool_.reserve(order_.size() - cut);
  lower.pool_.reserve(cut);
  for (size_t i = 0; i < order_.size(); ++i) {
    auto& dst = i < cut ? lower : upper;
    dst.order_.push_back(
        slot{order_[i].hash, static_cast<uint32_t>(dst.pool_.size())});
    dst.pool_.push_back(std::move(pool_[order_[i].pos]));
  }
  *this = std::move(lower);
  return upper;
}

void entry_list::append(entry_list&& upper) {
  for (auto& s : upper.order_) {
    order_.push_back(slot{s.hash, static_cast<uint32_t>(pool_.size())});
    pool_.push_back(std::move(upper.pool_[s.pos]));
  }
  upper = entry_list{};
}

void entry_list::push_unsorted(entry e) {
  order_.push_back(slot{e.hash, static_cast<uint32_t>(pool_.size())});
  pool_.push_back(std::move(e));
}

void entry_list::sort() {
  std::sort(order_.begin(), order_.end(), [&](const slot& x, const slot& y) {
    return less(x, y.hash, pool_[y.pos].name);
  });
}

} // namespace ds
