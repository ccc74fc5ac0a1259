// Linkage against SciPy run live on 300 seeded series (larger than the frozen
// references, so the tiled distances and the active-cluster list are
// exercised). Skips with a visible message when no python3 with SciPy is
// installed; the frozen comparisons in linkage_test.cpp always run.
#include "psm/clustering/linkage.hpp"

#include <doctest/doctest.h>

#include "tests/temp_dir.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace {

// A python3 that imports scipy, or "" if there is none.
std::string scipy_python() {
  for (const char* py : {"/usr/bin/python3", "python3"}) {
    std::string cmd = std::string(py) + " -c 'import scipy' >/dev/null 2>&1";
    if (std::system(cmd.c_str()) == 0)
      return py;
  }
  return "";
}

const char* script = R"(import sys, numpy as np
from scipy.cluster.hierarchy import linkage
from scipy.spatial.distance import pdist
X = np.loadtxt(sys.argv[1], delimiter=",")
for method, metric in [("single","euclidean"),("complete","euclidean"),
    ("average","euclidean"),("ward","euclidean"),("single","correlation"),
    ("complete","correlation"),("average","correlation")]:
    for a, b, d, s in linkage(pdist(X, metric), method):
        print("%s %s %d %d %r %d" % (method, metric, a, b, float(d), s))
)";

} // namespace

TEST_CASE("linkage equals SciPy's, run live, for every method and metric") {
  std::string py = scipy_python();
  if (py.empty()) {
    MESSAGE("SKIPPED: no python3 with scipy (apt-get install python3-scipy); "
            "the frozen SciPy comparisons still ran");
    return;
  }
  ds::test::temp_dir dir;
  std::mt19937_64 rng(2026);
  std::normal_distribution<double> noise(0, 1);
  std::vector<std::vector<double>> rows(300, std::vector<double>(24));
  {
    std::ofstream csv(dir.file("x.csv"));
    csv.precision(17);
    for (std::size_t i = 0; i < rows.size(); ++i)
      for (std::size_t t = 0; t < rows[i].size(); ++t) {
        // Random walks with a per-row phase of a daily shape.
        double prev = t ? rows[i][t - 1] : 0;
        rows[i][t] = prev + noise(rng) + std::sin(0.26 * t + double(i % 7));
        csv << rows[i][t] << (t + 1 < rows[i].size() ? "," : "\n");
      }
  }
  std::ofstream(dir.file("ref.py")) << script;
  std::string cmd = py + " " + dir.file("ref.py") + " " + dir.file("x.csv") +
                    " > " + dir.file("out.txt");
  REQUIRE(std::system(cmd.c_str()) == 0);
  std::ifstream in(dir.file("out.txt"));
  std::string method, metric;
  long a, b, size;
  double h;
  std::size_t k = 0, rows_seen = 0;
  std::string cur;
  std::vector<ds::cluster::merge> z;
  while (in >> method >> metric >> a >> b >> h >> size) {
    std::string key = method + "/" + metric;
    if (key != cur) {
      cur = key;
      k = 0;
      ds::cluster::method m;
      ds::cluster::metric d;
      REQUIRE(ds::cluster::parse_method(method, m));
      REQUIRE(ds::cluster::parse_metric(metric, d));
      z = ds::cluster::linkage(ds::cluster::pdist(rows, d), rows.size(), m);
      REQUIRE(z.size() == rows.size() - 1);
    }
    CAPTURE(key);
    CAPTURE(k);
    REQUIRE(k < z.size());
    CHECK(long(z[k].a) == a);
    CHECK(long(z[k].b) == b);
    CHECK(long(z[k].size) == size);
    CHECK(std::fabs(z[k].height - h) <= 1e-9 * std::fabs(h) + 1e-12);
    ++k;
    ++rows_seen;
  }
  CHECK(rows_seen == 7 * (rows.size() - 1));
}
