// The roll-up arithmetic shared by both stores, and the store in memory.
#include "storage/psm/history_store.hpp"

#include <algorithm>
#include <map>
#include <stdexcept>
#include <utility>

namespace ds::psm_history {

void check(const history_options& opt) {
  auto bad = [](const char* what) {
    throw std::invalid_argument(std::string{"psm history: "} + what);
  };
  if (opt.full_slots < 1)
    bad("full_slots must be >= 1");
  if (opt.mid_width < 1)
    bad("mid_width must be >= 1");
  if (opt.coarse_width < opt.mid_width || opt.coarse_width % opt.mid_width)
    bad("coarse_width must be a multiple of mid_width");
  if (opt.max_rows < 1)
    bad("max_rows must be >= 1");
}

level_bounds bounds(const history_options& opt, std::uint64_t newest) {
  // Aligned down to the coarser width so that a bucket of the next level
  // is only ever formed from slots that are all past the boundary.
  auto full = newest + 1 >= opt.full_slots ? newest + 1 - opt.full_slots : 0;
  level_bounds b;
  b.full_from = full / opt.mid_width * opt.mid_width;
  auto mid = b.full_from >= opt.mid_slots ? b.full_from - opt.mid_slots : 0;
  b.mid_from = mid / opt.coarse_width * opt.coarse_width;
  return b;
}

std::uint64_t level_width(const history_options& opt, int level) {
  return level == 0 ? 1 : level == 1 ? opt.mid_width : opt.coarse_width;
}

std::uint64_t bucket_start(const history_options& opt, int level,
                           std::uint64_t slot) {
  auto w = level_width(opt, level);
  return slot / w * w;
}

namespace {

class memory_history_store : public history_store {
public:
  explicit memory_history_store(history_options opt) : opt_(opt) {
    check(opt_);
  }

  void append(std::uint64_t slot,
              const std::vector<series_counts>& rows) override {
    if (!has_newest_ || slot > newest_)
      newest_ = slot, has_newest_ = true;
    auto b = bounds(opt_, newest_);
    int level = slot >= b.full_from ? 0 : slot >= b.mid_from ? 1 : 2;
    for (auto& r : rows)
      add(r.key, level, bucket_start(opt_, level, slot), r.counts);
    roll_up(b);
    drop_oldest();
  }

  std::vector<history_point> read(const series_key& k) const override {
    std::vector<history_point> out;
    auto i = series_.find(k);
    if (i == series_.end())
      return out;
    for (auto& [at, c] : i->second)
      out.push_back({at.first, width(at.second), c});
    return out;
  }

  std::vector<series_key> active(std::uint64_t since) const override {
    std::vector<series_key> out;
    for (auto& [k, rows] : series_) {
      if (rows.empty())
        continue;
      auto& last = rows.rbegin()->first;
      if (last.first + width(last.second) > since)
        out.push_back(k);
    }
    return out;
  }

private:
  using row_key = std::pair<std::uint64_t, int>; // start slot, level

  std::uint64_t width(int level) const { return level_width(opt_, level); }

  void add(const series_key& k, int level, std::uint64_t start,
           const op_counts& c) {
    auto& rows = series_[k];
    auto [i, fresh] = rows.try_emplace({start, level});
    if (fresh)
      ++rows_;
    for (size_t j = 0; j < 4; ++j)
      i->second.n[j] += c.n[j];
  }

  // Moves the rows of `level` that start before `from` one level up.
  void roll(int level, std::uint64_t from) {
    for (auto& [k, rows] : series_) {
      std::vector<std::pair<row_key, op_counts>> moved;
      for (auto i = rows.begin(); i != rows.end();) {
        if (i->first.second == level && i->first.first < from) {
          moved.emplace_back(i->first, i->second);
          i = rows.erase(i);
          --rows_;
        } else {
          ++i;
        }
      }
      for (auto& [at, c] : moved)
        add(k, level + 1, bucket_start(opt_, level + 1, at.first), c);
    }
  }

  void roll_up(const level_bounds& b) {
    roll(0, b.full_from);
    roll(1, b.mid_from);
  }

  void drop_oldest() {
    while (rows_ > opt_.max_rows) {
      // The oldest rolled-up row of any series (ties: the first series).
      std::map<row_key, op_counts>* where = nullptr;
      std::uint64_t oldest = 0;
      for (auto& [k, rows] : series_)
        for (auto& [at, c] : rows)
          if (at.second > 0 && (!where || at.first < oldest)) {
            where = &rows, oldest = at.first;
            break; // rows are by slot: the first rolled-up one is oldest
          }
      if (!where)
        return; // only full-resolution rows left: never dropped
      for (auto i = where->begin(); i != where->end(); ++i)
        if (i->first.second > 0) {
          where->erase(i);
          --rows_;
          break;
        }
    }
  }

  history_options opt_;
  std::map<series_key, std::map<row_key, op_counts>> series_;
};

} // namespace

std::unique_ptr<history_store> make_memory_history_store(history_options opt) {
  return std::make_unique<memory_history_store>(opt);
}

} // namespace ds::psm_history
