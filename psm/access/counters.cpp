#include "psm/access/counters.hpp"

namespace ds::access {

namespace {
void add_counts(op_counts& a, const op_counts& b) {
  for (std::size_t i = 0; i < 4; ++i)
    a.n[i] += b.n[i];
}
} // namespace

void access_batch::merge(const access_batch& other) {
  for (const auto& kv : other.dirs)
    add_counts(dirs[kv.first], kv.second);
  for (const auto& kv : other.nodes)
    add_counts(nodes[kv.first], kv.second);
}

access_counters::access_counters(std::size_t keep)
    : keep_(keep == 0 ? 1 : keep) {}

access_batch* access_counters::slot_for(std::uint64_t slot) {
  if (slots_.empty()) {
    newest_ = slot;
    slots_.push_back(access_batch{slot, {}, {}});
    return &slots_.back();
  }
  if (slot > newest_) {
    std::uint64_t gap = slot - newest_;
    if (gap >= keep_) {
      slots_.clear();
      newest_ = slot - keep_;
      gap = keep_;
    }
    for (std::uint64_t i = 0; i < gap; ++i) {
      ++newest_;
      slots_.push_back(access_batch{newest_, {}, {}});
      if (slots_.size() > keep_)
        slots_.pop_front();
    }
    return &slots_.back();
  }
  if (newest_ - slot >= slots_.size())
    return nullptr;
  return &slots_[slots_.size() - 1 - (newest_ - slot)];
}

bool access_counters::record(std::uint64_t slot, const std::string& dir,
                             std::uint64_t node, op o, std::uint64_t weight) {
  access_batch* b = slot_for(slot);
  if (!b)
    return false;
  b->dirs[dir][o] += weight;
  b->nodes[{dir, node}][o] += weight;
  return true;
}

bool access_counters::add(const access_batch& in) {
  access_batch* b = slot_for(in.slot);
  if (!b)
    return false;
  b->merge(in);
  return true;
}

std::vector<double> access_counters::series(const std::string& dir,
                                            op o) const {
  std::vector<double> out;
  for (const auto& b : slots_) {
    auto it = b.dirs.find(dir);
    out.push_back(it == b.dirs.end() ? 0.0 : double(it->second[o]));
  }
  return out;
}

std::vector<double>
access_counters::series_total(const std::string& dir) const {
  std::vector<double> out;
  for (const auto& b : slots_) {
    auto it = b.dirs.find(dir);
    out.push_back(it == b.dirs.end() ? 0.0 : double(it->second.total()));
  }
  return out;
}

access_batch access_counters::batch(std::uint64_t slot) const {
  if (slots_.empty() || slot > newest_ || newest_ - slot >= slots_.size())
    return access_batch{slot, {}, {}};
  return slots_[slots_.size() - 1 - (newest_ - slot)];
}

} // namespace ds::access
