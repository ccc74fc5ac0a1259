#include "tools/dagbench/report.hpp"

#include "model/meta/placement.hpp"
#include "tools/dagbench/commands.hpp"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <ostream>
#include <sstream>

namespace ds::bench {

namespace {

double us(int64_t ns) {
  return double(ns) / 1000.0;
}

std::string escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
    case '<':
      out += "&lt;";
      break;
    case '>':
      out += "&gt;";
      break;
    case '&':
      out += "&amp;";
      break;
    case '"':
      out += "&quot;";
      break;
    default:
      out += c;
    }
  }
  return out;
}

struct series {
  std::string name;
  std::vector<double> y;
};

const char* palette[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                         "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};

/// A round step (1, 2 or 5 times a power of ten) that cuts [0, span] into
/// about `parts` intervals.
double nice_step(double span, int parts) {
  if (!(span > 0))
    return 1;
  double raw = span / parts;
  double p = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * p >= raw)
      return m * p;
  return 10 * p;
}

/// A step in seconds that people read as time (1 s ... 1 h).
std::size_t time_step(std::size_t n) {
  for (std::size_t s :
       {1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200})
    if (n / s <= 8)
      return s;
  return 14400;
}

/// "45 s", "2 min", "1 min 30 s", "1 h".
std::string time_label(std::size_t t) {
  if (t < 60)
    return std::to_string(t) + " s";
  if (t % 3600 == 0)
    return std::to_string(t / 3600) + " h";
  if (t < 3600 && t % 60 == 0)
    return std::to_string(t / 60) + " min";
  if (t < 3600)
    return std::to_string(t / 60) + " min " + std::to_string(t % 60) + " s";
  return std::to_string(t / 3600) + " h " + std::to_string(t % 3600 / 60) +
         " min";
}

/// A tick value without needless digits: 0.25, 2, 1500, 1.5k, 2M.
std::string value_label(double v) {
  std::ostringstream o;
  double a = std::fabs(v);
  const char* unit = "";
  if (a >= 1e6) {
    v /= 1e6;
    unit = "M";
  } else if (a >= 1e4) {
    v /= 1e3;
    unit = "k";
  }
  // Fixed notation, trailing zeros dropped: 5000, 2.5, 0.25, 1.5k.
  o << std::fixed << std::setprecision(2) << v;
  auto t = o.str();
  if (t.find('.') != std::string::npos) {
    t.erase(t.find_last_not_of('0') + 1);
    if (t.back() == '.')
      t.pop_back();
  }
  return t + unit;
}

// A line chart of series over seconds 0..n-1, with vertical marks.
std::string chart(const std::string& title, const std::string& unit,
                  const std::vector<series>& ss,
                  const std::vector<std::size_t>& marks,
                  const std::string& mark_label,
                  const std::vector<std::size_t>& moves) {
  const double w = 760, h = 260, left = 64, right = 150, top = 28, bottom = 36;
  std::size_t n = 0;
  double ymax = 0;
  for (auto& s : ss) {
    n = std::max(n, s.y.size());
    for (double v : s.y)
      if (std::isfinite(v))
        ymax = std::max(ymax, v);
  }
  if (ymax <= 0)
    ymax = 1;
  double ystep = nice_step(ymax, 4);
  ymax = std::ceil(ymax / ystep - 1e-9) * ystep; // the top is a tick
  double pw = w - left - right, ph = h - top - bottom;
  auto X = [&](double i) {
    return left + (n > 1 ? i / double(n - 1) : 0.5) * pw;
  };
  auto Y = [&](double v) { return top + ph - v / ymax * ph; };
  std::ostringstream o;
  o << std::fixed << std::setprecision(1);
  o << "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" << w
    << "\" height=\"" << h << "\" viewBox=\"0 0 " << w << ' ' << h << "\">\n";
  o << "<text x=\"" << left << "\" y=\"18\" class=\"title\">" << escape(title)
    << "</text>\n";
  o << "<rect x=\"" << left << "\" y=\"" << top << "\" width=\"" << pw
    << "\" height=\"" << ph << "\" class=\"frame\"/>\n";
  for (double v = 0; v <= ymax + ystep / 2; v += ystep) { // y grid, ticks
    double y = Y(v);
    o << "<line x1=\"" << left << "\" x2=\"" << left + pw << "\" y1=\"" << y
      << "\" y2=\"" << y << "\" class=\"grid\"/><text x=\"" << left - 6
      << "\" y=\"" << y + 4 << "\" class=\"ylabel\">" << value_label(v)
      << "</text>\n";
  }
  auto xstep = time_step(n);
  for (std::size_t t = 0; n > 0 && t < n; t += xstep) { // time ticks
    double x = X(double(t));
    o << "<line x1=\"" << x << "\" x2=\"" << x << "\" y1=\"" << top + ph
      << "\" y2=\"" << top + ph + 4 << "\" class=\"tick\"/><text x=\"" << x
      << "\" y=\"" << top + ph + 15 << "\" class=\"xtick\">" << time_label(t)
      << "</text>\n";
  }
  o << "<text x=\"" << left + pw / 2 << "\" y=\"" << h - 4
    << "\" class=\"xlabel\">time since the start of the run</text>\n";
  o << "<text x=\"12\" y=\"" << top + ph / 2
    << "\" class=\"unit\" transform=\"rotate(-90 12 " << top + ph / 2 << ")\">"
    << escape(unit) << "</text>\n";
  for (auto m : marks)
    o << "<line x1=\"" << X(double(m)) << "\" x2=\"" << X(double(m))
      << "\" y1=\"" << top << "\" y2=\"" << top + ph
      << "\" class=\"mark\"><title>" << escape(mark_label) << " at " << m
      << " s</title></line>\n";
  for (auto m : moves)
    o << "<line x1=\"" << X(double(m)) << "\" x2=\"" << X(double(m))
      << "\" y1=\"" << top << "\" y2=\"" << top + ph
      << "\" class=\"move\"><title>migration at " << m << " s</title></line>\n";
  for (std::size_t k = 0; k < ss.size(); ++k) {
    const char* color = palette[k % 10];
    o << "<polyline class=\"series\" fill=\"none\" stroke=\"" << color
      << "\" stroke-width=\"1.6\" points=\"";
    for (std::size_t i = 0; i < ss[k].y.size(); ++i)
      if (std::isfinite(ss[k].y[i]))
        o << X(double(i)) << ',' << Y(ss[k].y[i]) << ' ';
    o << "\"><title>" << escape(ss[k].name) << "</title></polyline>\n";
    if (k < 12)
      o << "<text x=\"" << left + pw + 10 << "\" y=\""
        << top + 12 + 14 * double(k) << "\" fill=\"" << color
        << "\" class=\"legend\"><title>" << escape(ss[k].name) << "</title>"
        << escape(ss[k].name.size() > 22 ? ss[k].name.substr(0, 21) + "…"
                                         : ss[k].name)
        << "</text>\n";
  }
  o << "</svg>\n";
  return o.str();
}

std::vector<std::size_t> split_marks(const replay_result& r) {
  std::vector<std::size_t> out;
  for (std::size_t s = 0; s < r.per_second.size(); ++s)
    if (r.per_second[s].splits > 0)
      out.push_back(s);
  return out;
}

std::vector<std::size_t> move_marks(const replay_result& r) {
  std::vector<std::size_t> out;
  for (std::size_t s = 0; s < r.per_second.size(); ++s)
    if (r.per_second[s].migrations > 0)
      out.push_back(s);
  return out;
}

const char* style = R"(body{font-family:sans-serif;margin:24px;color:#222}
table{border-collapse:collapse;margin:8px 0 16px}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}
th{background:#f4f4f4}.chart{display:block;margin:8px 0}.title{font-weight:bold;font-size:14px}
.frame{fill:none;stroke:#999}.grid{stroke:#eee}.ylabel{font-size:11px;text-anchor:end}
.xlabel,.unit,.xtick{font-size:11px;text-anchor:middle}.legend{font-size:11px}.tick{stroke:#999}
pre{white-space:pre-wrap;max-width:900px;font-size:12px}td:first-child{text-align:left}
.mark{stroke:#d62728;stroke-dasharray:3,3}.move{stroke:#1f77b4;stroke-dasharray:1,3;stroke-width:2}#check{color:#888;font-size:11px})";

// After load, counts the charts whose lines the browser actually laid out;
// the report test reads the result from the rendered DOM.
const char* check_script = R"(<script>
window.addEventListener('load', function () {
  var charts = document.querySelectorAll('svg.chart'), drawn = 0;
  charts.forEach(function (svg) {
    var ok = false;
    svg.querySelectorAll('polyline.series').forEach(function (p) {
      if (p.points.length > 1 && p.getBBox().width > 0) ok = true;
    });
    if (ok) drawn++;
  });
  document.getElementById('check').textContent =
      'charts-drawn: ' + drawn + ' of ' + charts.length;
});
</script>)";

/// Totals of a run for the summary table.
struct run_totals {
  double worst = 0; ///< highest max/mean shard load of any second
  uint64_t splits = 0, moves = 0, moved = 0;
};

run_totals totals_of(const replay_result& r) {
  run_totals t;
  for (auto& s : r.per_second) {
    if (!s.shard_ops.empty())
      t.worst = std::max(t.worst, s.imbalance());
    t.splits += s.splits;
    t.moves += s.migrations;
    t.moved += s.entries_moved;
  }
  return t;
}

/// One row per run, first in the report: the comparison at a glance.
std::string summary_table(const std::vector<labelled_run>& runs) {
  std::ostringstream o;
  o << std::fixed;
  o << "<table class=\"summary\"><tr><th>run</th><th>ops</th><th>failed</th>"
       "<th>p99 ms</th><th>p99.9 ms</th><th>worst max/mean load</th>"
       "<th>splits</th><th>moves</th><th>entries moved</th></tr>\n";
  for (auto& run : runs) {
    auto& r = run.result;
    auto t = totals_of(r);
    o << "<tr><td>" << escape(run.label) << "</td><td>" << r.ops << "</td><td>"
      << r.errors << "</td><td>" << std::setprecision(2)
      << us(r.all_ns.percentile(99)) / 1000 << "</td><td>"
      << us(r.all_ns.percentile(99.9)) / 1000 << "</td><td>" << t.worst
      << "</td><td>" << t.splits << "</td><td>" << t.moves << "</td><td>"
      << t.moved << "</td></tr>\n";
  }
  o << "</table>\n";
  return o.str();
}

/// The runs on the same charts: p99 and max/mean shard load per second.
std::string overlay_charts(const std::vector<labelled_run>& runs) {
  std::vector<series> p99, imb;
  for (auto& run : runs) {
    series a{run.label, {}}, b{run.label, {}};
    for (auto& s : run.result.per_second) {
      a.y.push_back(s.latency_ns.count() ? us(s.latency_ns.percentile(99))
                                         : NAN);
      b.y.push_back(s.shard_ops.empty() ? NAN : s.imbalance());
    }
    p99.push_back(std::move(a));
    imb.push_back(std::move(b));
  }
  return chart("p99 latency per second, every run", "microseconds", p99, {}, "",
               {}) +
         chart("Max/mean shard load per second, every run",
               "busiest shard / mean", imb, {}, "", {});
}

} // namespace

std::string shard_share_line(const replay_result& r) {
  std::vector<uint64_t> total;
  for (auto& s : r.per_second) {
    total.resize(std::max(total.size(), s.shard_ops.size()));
    for (size_t i = 0; i < s.shard_ops.size(); ++i)
      total[i] += s.shard_ops[i];
  }
  uint64_t all = 0;
  for (auto x : total)
    all += x;
  if (all == 0)
    return "shard operations: none sampled";
  // The root's home on one node's ring of its shards (an in-process node).
  auto root = hash_ring{static_cast<uint32_t>(total.size())}.home(root_ino);
  auto busiest = std::max_element(total.begin(), total.end()) - total.begin();
  std::ostringstream o;
  o << std::fixed << std::setprecision(1) << "shard operations " << all
    << ": busiest shard " << busiest << " "
    << 100.0 * double(total[busiest]) / double(all)
    << "%, the root's home shard " << root << " "
    << 100.0 * double(total[root]) / double(all) << "%";
  return o.str();
}

void print_summary(std::ostream& out, const labelled_run& run) {
  const auto& r = run.result;
  out << run.label << ": " << r.ops << " ops in " << std::fixed
      << std::setprecision(2) << r.seconds << " s (" << std::setprecision(0)
      << (r.seconds > 0 ? double(r.ops) / r.seconds : 0) << " ops/s), errors "
      << r.errors << ", setup " << r.setup_ops << " ops\n";
  out << "  " << std::left << std::setw(9) << "op" << std::right
      << std::setw(10) << "count" << std::setw(12) << "p50 us" << std::setw(12)
      << "p99 us" << std::setw(12) << "p999 us" << std::setw(12) << "max us"
      << "\n";
  auto row = [&](const std::string& name, const workload::hdr_histogram& h) {
    out << "  " << std::left << std::setw(9) << name << std::right
        << std::setw(10) << h.count() << std::setprecision(1) << std::setw(12)
        << us(h.percentile(50)) << std::setw(12) << us(h.percentile(99))
        << std::setw(12) << us(h.percentile(99.9)) << std::setw(12)
        << us(h.max()) << "\n";
  };
  for (auto& [op, h] : r.latency_ns)
    row(op, h);
  row("all", r.all_ns);
  double worst = 1;
  size_t worst_shard = 0; ///< the busiest shard of the worst second
  uint64_t splits = 0, moves = 0, moved = 0;
  for (auto& s : r.per_second) {
    if (s.imbalance() > worst && !s.shard_ops.empty()) {
      worst = s.imbalance();
      worst_shard = std::max_element(s.shard_ops.begin(), s.shard_ops.end()) -
                    s.shard_ops.begin();
    }
    splits += s.splits;
    moves += s.migrations;
    moved += s.entries_moved;
  }
  out << "  ";
  if (r.send_lag_ns.count()) // open loop only
    out << "send lag p99 " << std::setprecision(1)
        << us(r.send_lag_ns.percentile(99)) << " us; ";
  out << "worst imbalance (max/mean shard load) " << std::setprecision(2)
      << worst << " (shard " << worst_shard << "); splits " << splits
      << "; migrations " << moves << " (" << moved << " entries moved)\n";
  out << "  " << shard_share_line(r) << "\n";
  if (r.routers)
    out << "  " << router_line(*r.routers) << "\n";
}

nlohmann::json to_json(const labelled_run& run) {
  const auto& r = run.result;
  nlohmann::json j;
  j["label"] = run.label;
  j["ops"] = r.ops;
  j["errors"] = r.errors;
  j["seconds"] = r.seconds;
  j["setup_ops"] = r.setup_ops;
  for (auto& [op, h] : r.latency_ns)
    j["latency_us"][op] = {
        {"count", h.count()},          {"p50", us(h.percentile(50))},
        {"p99", us(h.percentile(99))}, {"p999", us(h.percentile(99.9))},
        {"max", us(h.max())},          {"hdr", h.encode()}};
  j["latency_us"]["all"] = {{"count", r.all_ns.count()},
                            {"p50", us(r.all_ns.percentile(50))},
                            {"p99", us(r.all_ns.percentile(99))},
                            {"p999", us(r.all_ns.percentile(99.9))},
                            {"max", us(r.all_ns.max())}};
  j["send_lag_p99_us"] = us(r.send_lag_ns.percentile(99));
  if (r.routers)
    j["router"] = router_json(*r.routers);
  if (run.figures)
    j["policy"] = to_json(*run.figures);
  auto& ts = j["per_second"] = nlohmann::json::array();
  for (auto& s : r.per_second)
    ts.push_back({{"ops", s.ops},
                  {"errors", s.errors},
                  {"p99_us", us(s.latency_ns.percentile(99))},
                  {"imbalance", s.imbalance()},
                  {"splits", s.splits},
                  {"migrations", s.migrations},
                  {"entries_moved", s.entries_moved},
                  {"shard_ops", s.shard_ops}});
  return j;
}

void write_csv(std::ostream& out, const labelled_run& run) {
  std::size_t shards = 0;
  for (auto& s : run.result.per_second)
    shards = std::max(shards, s.shard_ops.size());
  out << "second,ops,errors,p50_us,p99_us,p999_us,imbalance,splits,"
         "migrations,entries_moved";
  for (std::size_t i = 0; i < shards; ++i)
    out << ",shard" << i;
  out << "\n";
  for (std::size_t t = 0; t < run.result.per_second.size(); ++t) {
    auto& s = run.result.per_second[t];
    out << t << ',' << s.ops << ',' << s.errors << ','
        << us(s.latency_ns.percentile(50)) << ','
        << us(s.latency_ns.percentile(99)) << ','
        << us(s.latency_ns.percentile(99.9)) << ','
        << (s.shard_ops.empty() ? std::string() : std::to_string(s.imbalance()))
        << ',' << s.splits << ',' << s.migrations << ',' << s.entries_moved;
    for (std::size_t i = 0; i < shards; ++i) // empty: not sampled that second
      out << ','
          << (i < s.shard_ops.size() ? std::to_string(s.shard_ops[i]) : "");
    out << "\n";
  }
}

void write_html(std::ostream& out, const std::string& title,
                const std::vector<labelled_run>& runs) {
  out << "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>"
      << escape(title) << "</title><style>" << style
      << "</style></head><body>\n<h1>" << escape(title)
      << "</h1>\n<p id=\"check\">charts not checked</p>\n";
  out << policy_table(runs);
  out << summary_table(runs);
  if (runs.size() > 1)
    out << overlay_charts(runs);
  for (auto& run : runs) {
    const auto& r = run.result;
    out << "<h2>" << escape(run.label) << "</h2>\n<pre>";
    std::ostringstream summary;
    print_summary(summary, run);
    out << escape(summary.str()) << "</pre>\n";
    std::size_t shards = 0;
    for (auto& s : r.per_second)
      shards = std::max(shards, s.shard_ops.size());
    std::vector<series> load(shards);
    for (std::size_t i = 0; i < shards; ++i) {
      load[i].name = "shard " + std::to_string(i);
      for (auto& s : r.per_second)
        load[i].y.push_back(i < s.shard_ops.size() ? double(s.shard_ops[i])
                                                   : NAN);
    }
    series p50{"p50", {}}, p99{"p99", {}}, p999{"p99.9", {}},
        imb{"max/mean", {}};
    for (auto& s : r.per_second) {
      bool any = s.latency_ns.count() > 0;
      p50.y.push_back(any ? us(s.latency_ns.percentile(50)) : NAN);
      p99.y.push_back(any ? us(s.latency_ns.percentile(99)) : NAN);
      p999.y.push_back(any ? us(s.latency_ns.percentile(99.9)) : NAN);
      imb.y.push_back(s.shard_ops.empty() ? NAN : s.imbalance());
    }
    auto marks = split_marks(r);
    auto moves = move_marks(r);
    out << chart("Load per shard", "operations per second", load, marks,
                 "splits", moves);
    out << chart("Latency (from the intended send time)", "microseconds",
                 {p50, p99, p999}, marks, "splits", moves);
    out << chart("Imbalance", "busiest shard / mean", {imb}, marks, "splits",
                 moves);
    if (run.figures)
      for (auto& t : run.figures->traces)
        out << chart("Forecast at the day's start against the actual load: " +
                         t.dir + (t.model.empty() ? "" : " (" + t.model + ")"),
                     "operations per second",
                     {{"actual", t.actual},
                      {"forecast", t.mean},
                      {"upper bound", t.upper}},
                     marks, "splits", moves);
  }
  out << "<p>Dashed red lines: seconds with DAG splits; dotted blue lines: "
         "seconds in which a migration of a part ended.</p>\n"
      << check_script << "\n</body></html>\n";
}

} // namespace ds::bench
