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

std::vector<double>
inherited_rates(const std::vector<psm_history::history_point>& own,
                const std::vector<psm_history::history_point>& dir,
                double fraction, std::uint64_t newest, double slot_seconds,
                std::uint64_t max_slots) {
  auto y = dense_rates(own, newest, slot_seconds, max_slots);
  auto d = dense_rates(dir, newest, slot_seconds, max_slots);
  if (y.empty() || d.size() <= y.size())
    return y; // the part is as old as what the directory knows
  // Both end at `newest`: the directory's extra past comes first.
  std::vector<double> out(d.begin(), d.end() - std::ptrdiff_t(y.size()));
  for (auto& x : out)
    x *= fraction;
  out.insert(out.end(), y.begin(), y.end());
  return out;
}

double range_fraction(std::uint64_t lo, std::uint64_t hi) {
  return (double(hi - lo) + 1.0) / 18446744073709551616.0;
}

} // namespace ds::psm_actor
