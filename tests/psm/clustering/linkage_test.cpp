// Linkage and dagpsm cluster against frozen SciPy outputs (tests/data/cluster,
// produced by make_reference.py there).
#include "psm/clustering/linkage.hpp"
#include "tools/dagpsm/commands.hpp"

#include <doctest/doctest.h>

#include "tests/temp_dir.hpp"

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

std::string data_dir() {
  std::string f = __FILE__;
  return f.substr(0, f.rfind("/tests/")) + "/tests/data/cluster/";
}

struct row {
  long a, b;
  double h;
  long size;
};

std::vector<row> parse_rows(std::istream& in) {
  std::vector<row> out;
  std::string line;
  while (std::getline(in, line)) {
    row r{};
    REQUIRE(std::sscanf(line.c_str(), "%ld,%ld,%lf,%ld", &r.a, &r.b, &r.h,
                        &r.size) == 4);
    out.push_back(r);
  }
  return out;
}

void check_case(const std::string& method, const std::string& metric) {
  CAPTURE(method);
  CAPTURE(metric);
  std::ostringstream out, err;
  int rc = ds::dagpsm::cluster_command(
      {"--linkage", method, "--metric", metric, data_dir() + "series.csv"}, out,
      err);
  REQUIRE(rc == 0);
  CHECK(err.str().empty());
  std::ifstream ref_in(data_dir() + method + "_" + metric + ".txt");
  REQUIRE(ref_in);
  std::istringstream got_in(out.str());
  auto ref = parse_rows(ref_in);
  auto got = parse_rows(got_in);
  REQUIRE(ref.size() == 19);
  REQUIRE(got.size() == ref.size());
  for (std::size_t i = 0; i < ref.size(); ++i) {
    CAPTURE(i);
    CHECK(got[i].a == ref[i].a);
    CHECK(got[i].b == ref[i].b);
    CHECK(got[i].size == ref[i].size);
    CHECK(std::fabs(got[i].h - ref[i].h) <= 1e-9 * std::fabs(ref[i].h) + 1e-12);
  }
}

/// Writes `text` to a file in a folder that is removed when the tests end.
std::string write_temp(const std::string& name, const std::string& text) {
  static ds::test::temp_dir dir;
  auto path = dir.file("cluster_test_" + name + ".csv");
  std::ofstream(path) << text;
  return path;
}

} // namespace

TEST_CASE("linkage matches SciPy for every method and metric") {
  for (const char* m : {"single", "complete", "average"})
    for (const char* d : {"euclidean", "correlation"})
      check_case(m, d);
  check_case("ward", "euclidean");
}

TEST_CASE("dagpsm cluster reports a bad file with its line number") {
  std::ostringstream out, err;
  auto p = write_temp("badnum", "a,1,2\nb,3,4\nc,5,x\n");
  CHECK(ds::dagpsm::cluster_command({"--linkage", "ward", p}, out, err) == 1);
  CHECK(err.str().find(":3:") != std::string::npos);
  CHECK(err.str().find("'x'") != std::string::npos);
  std::ostringstream out2, err2;
  auto q = write_temp("width", "a,1,2\nb,3\n");
  CHECK(ds::dagpsm::cluster_command({"--linkage", "single", q}, out2, err2) ==
        1);
  CHECK(err2.str().find(":2:") != std::string::npos);
  std::ostringstream out3, err3;
  CHECK(ds::dagpsm::cluster_command({"--linkage", "median", q}, out3, err3) ==
        2);
  CHECK(err3.str().find("--linkage") != std::string::npos);
  std::ostringstream out4, err4;
  CHECK(ds::dagpsm::cluster_command({"--linkage", "ward", "no/such/file.csv"},
                                    out4, err4) == 1);
}

TEST_CASE("cuts by count and by height give the expected partitions") {
  // Two tight groups far apart: {0,1,2} near 0, {3,4} near 100.
  std::vector<std::vector<double>> rows = {{0}, {1}, {2}, {100}, {101}};
  auto z = ds::cluster::linkage(
      ds::cluster::pdist(rows, ds::cluster::metric::euclidean), 5,
      ds::cluster::method::single);
  REQUIRE(z.size() == 4);
  CHECK(z.back().size == 5);
  CHECK(z.back().height == doctest::Approx(98));
  auto two = ds::cluster::cut_by_count(z, 5, 2);
  CHECK(two == std::vector<int>{1, 1, 1, 2, 2});
  CHECK(ds::cluster::cut_by_count(z, 5, 5) == std::vector<int>{1, 2, 3, 4, 5});
  CHECK(ds::cluster::cut_by_count(z, 5, 1) == std::vector<int>{1, 1, 1, 1, 1});
  CHECK(ds::cluster::cut_by_height(z, 5, 1.0) == two);
  CHECK(ds::cluster::cut_by_height(z, 5, 0.5) ==
        std::vector<int>{1, 2, 3, 4, 5});
}
