// dagpsm cluster: hierarchical clustering of CSV series, SciPy linkage output.
#include "psm/clustering/linkage.hpp"
#include "tools/dagpsm/commands.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iomanip>
#include <ostream>
#include <sstream>

namespace ds::dagpsm {

namespace {

const char* const cluster_usage =
    "usage: dagpsm cluster --linkage ward|average|complete|single "
    "[--metric euclidean|correlation] FILE\n"
    "  FILE: CSV rows id,x1,...,xn (same n on every row)\n"
    "  prints one merge per line: a,b,distance,size (SciPy linkage "
    "convention)\n";

bool parse_double(const std::string& s, double& v) {
  if (s.empty())
    return false;
  char* end = nullptr;
  errno = 0;
  v = std::strtod(s.c_str(), &end);
  return end == s.c_str() + s.size() && errno == 0 && std::isfinite(v);
}

} // namespace

int cluster_command(const std::vector<std::string>& args, std::ostream& out,
                    std::ostream& err) {
  cluster::method method{};
  cluster::metric metric = cluster::metric::euclidean;
  bool have_method = false;
  std::string file;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--help" || a == "-h") {
      out << cluster_usage;
      return 0;
    }
    if (a == "--linkage" || a == "--metric") {
      if (i + 1 >= args.size()) {
        err << "dagpsm cluster: " << a << " needs a value\n" << cluster_usage;
        return 1;
      }
      const std::string& v = args[++i];
      bool ok = a == "--linkage" ? cluster::parse_method(v, method)
                                 : cluster::parse_metric(v, metric);
      if (!ok) {
        err << "dagpsm cluster: unknown " << a.substr(2) << " '" << v << "'\n"
            << cluster_usage;
        return 1;
      }
      have_method = have_method || a == "--linkage";
    } else if (!a.empty() && a[0] == '-') {
      err << "dagpsm cluster: unknown option '" << a << "'\n" << cluster_usage;
      return 1;
    } else if (file.empty()) {
      file = a;
    } else {
      err << "dagpsm cluster: more than one FILE\n" << cluster_usage;
      return 1;
    }
  }
  if (!have_method || file.empty()) {
    err << "dagpsm cluster: --linkage and FILE are required\n" << cluster_usage;
    return 1;
  }
  if (method == cluster::method::ward && metric != cluster::metric::euclidean) {
    err << "dagpsm cluster: ward linkage needs the euclidean metric\n";
    return 1;
  }
  std::ifstream in(file);
  if (!in) {
    err << "dagpsm cluster: cannot open " << file << "\n";
    return 1;
  }
  std::vector<std::vector<double>> rows;
  std::string line;
  std::size_t lineno = 0, width = 0;
  while (std::getline(in, line)) {
    ++lineno;
    if (!line.empty() && line.back() == '\r')
      line.pop_back();
    if (line.empty())
      continue;
    std::vector<std::string> cells;
    std::stringstream ss(line);
    std::string cell;
    while (std::getline(ss, cell, ','))
      cells.push_back(cell);
    if (line.back() == ',')
      cells.emplace_back();
    if (cells.size() < 2) {
      err << file << ":" << lineno << ": expected id,x1,...,xn\n";
      return 1;
    }
    std::vector<double> row;
    for (std::size_t c = 1; c < cells.size(); ++c) {
      double v = 0;
      if (!parse_double(cells[c], v)) {
        err << file << ":" << lineno << ": column " << c + 1
            << ": not a number: '" << cells[c] << "'\n";
        return 1;
      }
      row.push_back(v);
    }
    if (rows.empty())
      width = row.size();
    else if (row.size() != width) {
      err << file << ":" << lineno << ": " << row.size() << " values, expected "
          << width << "\n";
      return 1;
    }
    rows.push_back(std::move(row));
  }
  if (rows.size() < 2) {
    err << file << ": need at least 2 rows, found " << rows.size() << "\n";
    return 1;
  }
  auto d = cluster::pdist(rows, metric);
  for (double v : d)
    if (std::isnan(v)) {
      err << file << ": correlation undefined for a constant row\n";
      return 1;
    }
  auto z = cluster::linkage(std::move(d), rows.size(), method);
  out << std::setprecision(17);
  for (const auto& m : z)
    out << m.a << ',' << m.b << ',' << m.height << ',' << m.size << '\n';
  return 0;
}

} // namespace ds::dagpsm
