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

bool parse_double(const std::string& s, double& v) {
  if (s.empty())
    return false;
  char* end = nullptr;
  errno = 0;
  v = std::strtod(s.c_str(), &end);
  return end == s.c_str() + s.size() && errno == 0 && std::isfinite(v);
}

} // namespace

void declare_cluster(CLI::App& app, cluster_args& a) {
  app.add_option("--linkage", a.linkage, "how clusters are merged")
      ->required()
      ->check(CLI::IsMember({"ward", "average", "complete", "single"}));
  app.add_option("--metric", a.metric, "distance between rows")
      ->check(CLI::IsMember({"euclidean", "correlation"}))
      ->capture_default_str();
  app.add_option("FILE", a.file, "CSV rows id,x1,...,xn (same n on every row)")
      ->required();
  app.footer("Prints one merge per line: a,b,distance,size (SciPy's linkage "
             "convention).");
}

int cluster_command(const std::vector<std::string>& args, std::ostream& out,
                    std::ostream& err) {
  CLI::App app{"hierarchical clustering of CSV series", "dagpsm cluster"};
  cluster_args a;
  declare_cluster(app, a);
  if (auto rc = cli::parse(app, args, out, err); rc >= 0)
    return rc;
  return run_cluster(a, out, err);
}

int run_cluster(const cluster_args& a, std::ostream& out, std::ostream& err) {
  const std::string& file = a.file;
  cluster::method method{};
  cluster::metric metric{};
  // The flags' checks admit only names these parse.
  if (!cluster::parse_method(a.linkage, method) ||
      !cluster::parse_metric(a.metric, metric)) {
    err << "dagpsm cluster: unknown linkage or metric\n";
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
