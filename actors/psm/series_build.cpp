#include "actors/psm/series_build.hpp"

#include <algorithm>
#include <map>

namespace ds::psm_actor {

std::vector<psm_history::series_counts> report_rows(const psm_slot_report& r) {
  std::map<access::series_key, access::op_counts> sums;
  auto add = [&](const access::series_key& k, const access::op_counts& c) {
    auto& t = sums[k];
    for (size_t j = 0; j < 4; ++j)
      t.n[j] += c.n[j];
  };
  for (auto& p : r.parts) {
    add(access::series_key::range(p.dir, p.lo, p.hi), p.counts);
    add(access::series_key::directory(p.dir), p.counts);
  }
  std::vector<psm_history::series_counts> out;
  out.reserve(sums.size());
  for (auto& [k, c] : sums)
    out.push_back({k, c});
  return out;
}

std::vector<double>
dense_rates(const std::vector<psm_history::history_point>& ps,
            std::uint64_t newest, double slot_seconds,
            std::uint64_t max_slots) {
  if (ps.empty() || ps.front().slot > newest || max_slots == 0)
    return {};
  auto first = std::max(ps.front().slot,
                        newest + 1 >= max_slots ? newest + 1 - max_slots : 0);
  std::vector<double> y(newest + 1 - first, 0.0);
  for (auto& p : ps) {
    double per_slot = double(p.counts.total()) / double(p.width) / slot_seconds;
    auto from = std::max(p.slot, first);
    auto to = std::min(p.slot + p.width, newest + 1);
    for (auto t = from; t < to; ++t)
      y[t - first] += per_slot;
  }
  return y;
}

} // namespace ds::psm_actor
