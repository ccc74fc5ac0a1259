// dagbench compare's table: one row per policy, the figures by which a
// sharding policy is judged (docs/BENCHMARKS.md explains each).
#include <cmath>
#include <iomanip>
#include <ostream>
#include <sstream>

#include "tools/dagbench/report.hpp"

namespace ds::bench {

namespace {

double ms(int64_t ns) {
  return double(ns) / 1e6;
}

struct row {
  std::string policy;
  std::string cells[14];
};

const char* headers[] = {"violation s",   "p99 ms",         "p99.9 ms",
                         "surge p99 ms",  "surge p99.9 ms", "surge max/mean",
                         "failed",        "splits",         "moves",
                         "entries moved", "moves undone",   "day MASE",
                         "backtest MASE", "history"};

std::string fixed(double x, int digits) {
  std::ostringstream o;
  o << std::fixed << std::setprecision(digits) << x;
  return o.str();
}

std::vector<row> rows_of(const std::vector<labelled_run>& runs) {
  std::vector<row> out;
  for (auto& run : runs) {
    if (!run.figures)
      continue;
    auto& f = *run.figures;
    auto& r = run.result;
    row x;
    x.policy = f.policy;
    x.cells[0] = std::to_string(f.violation_seconds) + " of " +
                 std::to_string(r.per_second.size());
    x.cells[1] = fixed(ms(r.all_ns.percentile(99)), 1);
    x.cells[2] = fixed(ms(r.all_ns.percentile(99.9)), 1);
    bool surges = f.surge_ns.count() > 0;
    x.cells[3] = surges ? fixed(ms(f.surge_ns.percentile(99)), 1) : "-";
    x.cells[4] = surges ? fixed(ms(f.surge_ns.percentile(99.9)), 1) : "-";
    x.cells[5] = f.surge_max_mean > 0 ? fixed(f.surge_max_mean, 2) : "-";
    x.cells[6] = std::to_string(r.errors);
    x.cells[7] = std::to_string(f.splits);
    x.cells[8] = std::to_string(f.moves);
    x.cells[9] = std::to_string(f.entries_moved);
    x.cells[10] = std::to_string(f.moves_undone);
    x.cells[11] = f.day_mase >= 0 ? fixed(f.day_mase, 2) : "-";
    x.cells[12] = f.backtest_mase >= 0 ? fixed(f.backtest_mase, 2) : "-";
    x.cells[13] = std::to_string(f.history_accesses);
    out.push_back(std::move(x));
  }
  return out;
}

std::string conditions(const std::vector<labelled_run>& runs) {
  for (auto& run : runs)
    if (run.figures) {
      auto& f = *run.figures;
      std::ostringstream o;
      o << "Latency objective " << f.objective_ms << " ms (p99 per second). ";
      if (f.shard_capacity > 0)
        o << "EMULATED shard capacity: " << f.shard_capacity
          << " ops/s per shard (a token bucket; requests beyond it queue).";
      else
        o << "No emulated shard capacity: every shard shares the same cores.";
      if (f.shard_target > 0)
        o << " PSM shard target: " << f.shard_target << " ops/s.";
      o << " Splits, moves and entries moved count from the end of the "
           "setup, the planner's work in the lead before the day included; "
           "the runs' table below counts those of the day itself.";
      o << " Day MASE: the forecasts of the day's two hottest directories, "
           "as they stood when the day began, against the day's own load "
           "(scaled by the seasonal naive's error on the history); backtest "
           "MASE: the mean over the planned splits and moves of their "
           "model's backtest error.";
      o << " Surges: seconds offered at least 1.5 times the median second; "
           "surge max/mean: the busiest shard's operations over the mean "
           "shard's, summed over the surges.";
      return o.str();
    }
  return {};
}

std::string escape(const std::string& s) {
  std::string out;
  for (char c : s)
    out += c == '<'   ? std::string("&lt;")
           : c == '>' ? std::string("&gt;")
           : c == '&' ? std::string("&amp;")
                      : std::string(1, c);
  return out;
}

} // namespace

std::string policy_table(const std::vector<labelled_run>& runs) {
  auto rows = rows_of(runs);
  if (rows.empty())
    return {};
  std::ostringstream o;
  o << "<table class=\"summary\"><tr><th>policy</th>";
  for (auto h : headers)
    o << "<th>" << h << "</th>";
  o << "</tr>\n";
  for (auto& x : rows) {
    o << "<tr><td>" << escape(x.policy) << "</td>";
    for (auto& c : x.cells)
      o << "<td>" << escape(c) << "</td>";
    o << "</tr>\n";
  }
  o << "</table>\n<p>" << escape(conditions(runs)) << "</p>\n";
  return o.str();
}

void print_policy_table(std::ostream& out,
                        const std::vector<labelled_run>& runs) {
  auto rows = rows_of(runs);
  if (rows.empty())
    return;
  out << conditions(runs) << "\n";
  std::size_t first = 6;
  for (auto& x : rows)
    first = std::max(first, x.policy.size());
  out << std::left << std::setw(int(first)) << "policy";
  for (auto h : headers)
    out << "  " << h;
  out << "\n";
  for (auto& x : rows) {
    out << std::left << std::setw(int(first)) << x.policy;
    for (std::size_t i = 0; i < std::size(headers); ++i)
      out << "  " << std::right
          << std::setw(int(std::string(headers[i]).size())) << x.cells[i];
    out << "\n";
  }
}

nlohmann::json to_json(const policy_figures& f) {
  auto lat = [](const workload::hdr_histogram& h) {
    return nlohmann::json{{"count", h.count()},
                          {"p99_ms", ms(h.percentile(99))},
                          {"p999_ms", ms(h.percentile(99.9))}};
  };
  nlohmann::json j{{"policy", f.policy},
                   {"shard_capacity", f.shard_capacity},
                   {"shard_target", f.shard_target},
                   {"objective_ms", f.objective_ms},
                   {"violation_seconds", f.violation_seconds},
                   {"surge_seconds", f.surge_seconds},
                   {"surge_latency", lat(f.surge_ns)},
                   {"surge_max_mean", f.surge_max_mean},
                   {"splits", f.splits},
                   {"moves", f.moves},
                   {"entries_moved", f.entries_moved},
                   {"moves_undone", f.moves_undone},
                   {"planned_splits", f.planned_splits},
                   {"planned_moves", f.planned_moves},
                   {"consolidations", f.consolidations},
                   {"history_accesses", f.history_accesses}};
  if (f.backtest_mase >= 0)
    j["backtest_mase"] = f.backtest_mase;
  if (f.day_mase >= 0)
    j["day_mase"] = f.day_mase;
  j["decisions"] = f.decisions;
  auto& ts = j["forecasts"] = nlohmann::json::array();
  for (auto& t : f.traces) {
    auto finite = [](const std::vector<double>& xs) {
      auto a = nlohmann::json::array();
      for (auto x : xs)
        a.push_back(std::isnan(x) ? nlohmann::json() : nlohmann::json(x));
      return a;
    };
    ts.push_back({{"dir", t.dir},
                  {"model", t.model},
                  {"mase", t.mase},
                  {"actual", finite(t.actual)},
                  {"mean", finite(t.mean)},
                  {"upper", finite(t.upper)}});
  }
  return j;
}

} // namespace ds::bench
