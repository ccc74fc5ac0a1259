// cluster_bench N [CSV]: times pdist + ward linkage of N seeded random-walk
// series of 96 points; writes the series to CSV (if given) so SciPy can be
// timed on the same data. Prints seconds per phase.
#include "psm/clustering/linkage.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>

int main(int argc, char** argv) {
  std::size_t n = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 1000;
  std::mt19937_64 rng(42);
  std::normal_distribution<double> step(0, 1);
  std::vector<std::vector<double>> rows(n, std::vector<double>(96));
  for (auto& r : rows) {
    double x = 0;
    for (auto& v : r)
      v = x += step(rng);
  }
  if (argc > 2) {
    std::ofstream out(argv[2]);
    out.precision(17);
    for (std::size_t i = 0; i < n; ++i) {
      out << i;
      for (double v : rows[i])
        out << ',' << v;
      out << '\n';
    }
  }
  using clk = std::chrono::steady_clock;
  auto t0 = clk::now();
  auto d = ds::cluster::pdist(rows, ds::cluster::metric::euclidean);
  auto t1 = clk::now();
  auto z = ds::cluster::linkage(std::move(d), n, ds::cluster::method::ward);
  auto t2 = clk::now();
  std::printf("n=%zu pdist=%.3fs ward=%.3fs total=%.3fs top=%.6g\n", n,
              std::chrono::duration<double>(t1 - t0).count(),
              std::chrono::duration<double>(t2 - t1).count(),
              std::chrono::duration<double>(t2 - t0).count(), z.back().height);
}
