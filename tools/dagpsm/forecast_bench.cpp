// forecast_bench PERIOD HORIZON REPEATS FILE...: times what `dagpsm forecast
// --model auto` does per series (automatic selection, then the forecast),
// in-process, so that process start-up is not counted (as R's system.time
// does not count R's). Each file is one series; each is run REPEATS times.
// Prints, per series, the fastest and the median time, the chosen model and
// the time of each family's own fit on the whole series.
#include "psm/forecast/arima.hpp"
#include "psm/forecast/holt_winters.hpp"
#include "psm/forecast/selection.hpp"
#include "psm/forecast/series.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <vector>

namespace {

using clk = std::chrono::steady_clock;

template <class F>
double best_of(int repeats, F&& f, double* median = nullptr) {
  std::vector<double> ts;
  for (int r = 0; r < repeats; ++r) {
    auto t0 = clk::now();
    f();
    ts.push_back(std::chrono::duration<double>(clk::now() - t0).count());
  }
  std::sort(ts.begin(), ts.end());
  if (median)
    *median = ts[ts.size() / 2];
  return ts.front();
}

} // namespace

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr,
                 "usage: forecast_bench PERIOD HORIZON REPEATS FILE...\n");
    return 1;
  }
  int period = std::atoi(argv[1]), horizon = std::atoi(argv[2]);
  int repeats = std::max(1, std::atoi(argv[3]));
  using namespace ds::forecast;
  double total = 0;
  for (int a = 4; a < argc; ++a) {
    std::ifstream in(argv[a]);
    if (!in) {
      std::fprintf(stderr, "forecast_bench: cannot read %s\n", argv[a]);
      return 1;
    }
    arma::vec y(read_series(in));
    selection sel;
    double median = 0;
    double fastest = best_of(
        repeats,
        [&] {
          sel = select_model(y, period, default_candidates());
          (void)sel.model->predict(horizon);
        },
        &median);
    double hw = best_of(repeats, [&] { fit_holt_winters_auto(y, period); });
    double ar = best_of(repeats, [&] { fit_auto_arima(y, period); });
    total += fastest;
    std::printf("%s: n=%u auto %.1f ms (median %.1f) -> %s [%s]; "
                "whole-series fits: hw %.1f ms, arima %.1f ms\n",
                argv[a], unsigned(y.n_elem), fastest * 1e3, median * 1e3,
                sel.model->name().c_str(), sel.family.c_str(), hw * 1e3,
                ar * 1e3);
  }
  std::printf("mean per series: %.1f ms\n", total * 1e3 / (argc - 4));
  return 0;
}
