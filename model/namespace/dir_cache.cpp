#include "model/namespace/dir_cache.hpp"

#include <functional>

namespace ds {

size_t dir_cache::key_hash::operator()(const key& k) const {
  return std::hash<std::string_view>{}(k.name) ^
         static_cast<size_t>(k.parent * 0x9E3779B97F4A7C15ull);
}

inode_id dir_cache::find(inode_id parent, std::string_view name) {
  auto i = map_.find(key{parent, name});
  if (i == map_.end()) {
    ++stats_.misses;
    return 0;
  }
  ++stats_.hits;
  items_.splice(items_.begin(), items_, i->second);
  return i->second->dir;
}

void dir_cache::insert(inode_id parent, std::string_view name, inode_id dir) {
  if (capacity_ == 0)
    return;
  if (auto i = map_.find(key{parent, name}); i != map_.end()) {
    i->second->dir = dir;
    items_.splice(items_.begin(), items_, i->second);
    return;
  }
  items_.push_front(item{parent, std::string{name}, dir});
  map_.emplace(key{parent, items_.front().name}, items_.begin());
  while (map_.size() > capacity_) {
    auto& old = items_.back();
    map_.erase(key{old.parent, old.name});
    items_.pop_back();
    ++stats_.evictions;
  }
}

void dir_cache::erase(inode_id parent, std::string_view name, inode_id dir,
                      bool stale) {
  if (stale) // a detection, whether or not another request dropped it first
    ++stats_.stale;
  auto i = map_.find(key{parent, name});
  if (i == map_.end() || (dir != 0 && i->second->dir != dir))
    return;
  auto it = i->second;
  map_.erase(i); // the key views the item's name: erase it first
  items_.erase(it);
  if (!stale)
    ++stats_.dropped;
}

dir_cache_stats dir_cache::stats() const {
  auto s = stats_;
  s.entries = map_.size();
  return s;
}

} // namespace ds
