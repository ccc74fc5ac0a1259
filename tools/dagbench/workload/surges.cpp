#include "tools/dagbench/workload/surges.hpp"

#include <algorithm>
#include <cmath>
#include <map>

namespace ds::workload {

std::vector<uint64_t> offered_per_second(const std::vector<event>& events) {
  std::vector<uint64_t> out;
  for (auto& e : events) {
    auto s =
        static_cast<std::size_t>(std::max<int64_t>(0, e.time_us) / 1'000'000);
    if (out.size() <= s)
      out.resize(s + 1);
    ++out[s];
  }
  return out;
}

std::vector<bool> surge_seconds(const std::vector<uint64_t>& offered,
                                double factor) {
  std::vector<uint64_t> busy;
  for (auto x : offered)
    if (x > 0)
      busy.push_back(x);
  std::vector<bool> out(offered.size(), false);
  if (busy.empty())
    return out;
  auto mid = busy.begin() + static_cast<std::ptrdiff_t>(busy.size() / 2);
  std::nth_element(busy.begin(), mid, busy.end());
  double bar = factor * double(*mid);
  for (std::size_t i = 0; i < offered.size(); ++i)
    out[i] = offered[i] > 0 && double(offered[i]) >= bar;
  return out;
}

uint64_t violation_seconds(const std::vector<int64_t>& p99_ns,
                           int64_t objective_ns) {
  uint64_t n = 0;
  for (auto x : p99_ns)
    n += x > objective_ns ? 1 : 0;
  return n;
}

double max_over_mean(const std::vector<std::vector<uint64_t>>& shard_ops,
                     const std::vector<bool>& during) {
  std::vector<uint64_t> sum;
  for (std::size_t s = 0; s < shard_ops.size() && s < during.size(); ++s) {
    if (!during[s])
      continue;
    sum.resize(std::max(sum.size(), shard_ops[s].size()));
    for (std::size_t i = 0; i < shard_ops[s].size(); ++i)
      sum[i] += shard_ops[s][i];
  }
  uint64_t total = 0, top = 0;
  for (auto x : sum) {
    total += x;
    top = std::max(top, x);
  }
  if (total == 0)
    return 0;
  return double(top) * double(sum.size()) / double(total);
}

std::string dir_of(const event& e) {
  if (e.op == op_kind::readdir)
    return e.path;
  auto cut = e.path.rfind('/');
  return cut == 0 || cut == std::string::npos ? std::string("/")
                                              : e.path.substr(0, cut);
}

std::vector<std::string> hot_dirs(const std::vector<event>& events,
                                  const std::vector<bool>& during,
                                  std::size_t n) {
  bool any = std::find(during.begin(), during.end(), true) != during.end();
  std::map<std::string, uint64_t> ops;
  for (auto& e : events) {
    auto s =
        static_cast<std::size_t>(std::max<int64_t>(0, e.time_us) / 1'000'000);
    if (!any || (s < during.size() && during[s]))
      ++ops[dir_of(e)];
  }
  std::vector<std::pair<uint64_t, std::string>> xs;
  for (auto& [d, k] : ops)
    xs.emplace_back(k, d);
  std::sort(xs.begin(), xs.end(), [](auto& a, auto& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  });
  std::vector<std::string> out;
  for (std::size_t i = 0; i < xs.size() && i < n; ++i)
    out.push_back(xs[i].second);
  return out;
}

std::vector<double> dir_rates(const std::vector<event>& events,
                              const std::string& dir, double slot_s,
                              std::size_t slots) {
  std::vector<double> out(slots, 0);
  for (auto& e : events) {
    if (e.time_us < 0 || dir_of(e) != dir)
      continue;
    auto k = static_cast<std::size_t>(double(e.time_us) / 1e6 / slot_s);
    if (k < slots)
      out[k] += 1 / slot_s;
  }
  return out;
}

double mase(const std::vector<double>& forecast,
            const std::vector<double>& actual,
            const std::vector<double>& history, std::size_t m) {
  if (m == 0 || history.size() <= m)
    return -1;
  double scale = 0;
  for (std::size_t t = m; t < history.size(); ++t)
    scale += std::abs(history[t] - history[t - m]);
  scale /= double(history.size() - m);
  auto n = std::min(forecast.size(), actual.size());
  if (!(scale > 0) || n == 0)
    return -1;
  double err = 0;
  for (std::size_t i = 0; i < n; ++i)
    err += std::abs(forecast[i] - actual[i]);
  return err / double(n) / scale;
}

} // namespace ds::workload
