#include "tools/dagctl/sparkline.hpp"

#include <algorithm>
#include <cstdio>
#include <sstream>

namespace ds::dagctl {

namespace {

const char* const blocks[] = {"\u2581", "\u2582", "\u2583", "\u2584",
                              "\u2585", "\u2586", "\u2587", "\u2588"};

double max_of(const std::vector<double>& xs) {
  return xs.empty() ? 0 : *std::max_element(xs.begin(), xs.end());
}

std::string num(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, x >= 100 ? "%.0f" : "%.2g", x);
  return buf;
}

} // namespace

std::string sparkline(const std::vector<double>& xs, double top) {
  std::string out;
  for (auto x : xs) {
    int i = top > 0 && x > 0 ? static_cast<int>(x / top * 7.999) : 0;
    out += blocks[std::clamp(i, 0, 7)];
  }
  return out;
}

std::vector<double> history_rates(const psm_series_view& v, std::size_t max) {
  std::vector<double> out;
  if (v.slots.empty() || v.slot_seconds <= 0)
    return out;
  auto first = v.slots.front();
  auto last = v.slots.back() + v.widths.back() - 1;
  if (last + 1 - first > max)
    first = last + 1 - max;
  out.assign(last + 1 - first, 0.0);
  for (size_t i = 0; i < v.slots.size(); ++i) {
    double rate = static_cast<double>(v.totals[i]) /
                  (static_cast<double>(v.widths[i]) * v.slot_seconds);
    for (uint64_t s = v.slots[i]; s < v.slots[i] + v.widths[i]; ++s)
      if (s >= first && s <= last)
        out[s - first] = rate;
  }
  return out;
}

std::string series_text(const std::string& path, const psm_series_view& v) {
  constexpr std::size_t width = 60;
  auto hist = history_rates(v, width);
  auto shown = [&](const std::vector<double>& xs) {
    return std::vector<double>(xs.begin(),
                               xs.begin() + std::min(xs.size(), width));
  };
  auto mean = shown(v.mean), lower = shown(v.lower), upper = shown(v.upper);
  double top = std::max({max_of(hist), max_of(upper), max_of(mean)});
  std::ostringstream out;
  out << path << " (directory " << v.key.dir << "), slots of "
      << num(v.slot_seconds) << " s, scale 0.." << num(top) << " ops/s\n";
  out << "history   " << (hist.empty() ? "(none)" : sparkline(hist, top))
      << "  last " << hist.size() << " slots, peak " << num(max_of(hist))
      << " ops/s\n";
  if (!v.has_forecast) {
    out << "forecast  (none yet: the next period forecasts it)\n";
    return out.str();
  }
  out << "forecast  " << sparkline(mean, top) << "  mean, next " << mean.size()
      << " slots, peak " << num(max_of(mean)) << " ops/s\n";
  out << "upper     " << sparkline(upper, top) << "  " << num(v.level * 100)
      << "% interval, peak " << num(max_of(upper)) << " ops/s\n";
  out << "lower     " << sparkline(lower, top) << "\n";
  out << "model     " << v.model << " (" << v.family << ")";
  if (v.backtested)
    out << ", backtest MASE " << num(v.backtest_mase);
  out << (v.escalated ? ", full choice" : ", first tier") << "\n";
  return out.str();
}

} // namespace ds::dagctl
