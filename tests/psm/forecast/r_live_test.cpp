// ARIMA against R run live on a seeded simulated series. Skips with a
// visible message when Rscript or R's forecast package is missing; the
// frozen comparisons in arima_test.cpp always run.
#include "psm/forecast/arima.hpp"

#include <doctest/doctest.h>

#include "tests/temp_dir.hpp"

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>

using namespace ds::forecast;

TEST_CASE("ARIMA(2,0,1) with mean equals R's Arima, run live") {
  if (std::system(
          "Rscript -e 'suppressMessages(library(forecast))' >/dev/null 2>&1") !=
      0) {
    MESSAGE("SKIPPED: no Rscript with the forecast package (apt-get install "
            "r-cran-forecast); "
            "the frozen R comparisons still ran");
    return;
  }
  ds::test::temp_dir dir;
  std::mt19937_64 rng(99);
  std::normal_distribution<double> e(0, 2);
  arma::vec y(300);
  double y1 = 0, y2 = 0, e1 = 0;
  for (arma::uword t = 0; t < y.n_elem; ++t) {
    double et = e(rng);
    double v = 0.5 * y1 - 0.3 * y2 + et + 0.4 * e1;
    y(t) = 50 + v;
    y2 = y1;
    y1 = v;
    e1 = et;
  }
  {
    std::ofstream f(dir.file("y.txt"));
    f.precision(17);
    for (double v : y)
      f << v << "\n";
  }
  std::string cmd =
      "Rscript -e 'suppressMessages(library(forecast)); y <- scan(\"" +
      dir.file("y.txt") +
      "\", quiet=TRUE); cat(sprintf(\"%.10g\", coef(Arima(y, order=c(2,0,1), "
      "include.mean=TRUE))))' > " +
      dir.file("r.txt");
  REQUIRE(std::system(cmd.c_str()) == 0);
  std::ifstream in(dir.file("r.txt"));
  std::vector<double> ref;
  for (double v; in >> v;)
    ref.push_back(v);
  REQUIRE(ref.size() == 4);
  auto m = fit_arima(y, arima_order{2, 0, 1, 0, 0, 0, 0, true});
  REQUIRE(m);
  auto ours = arima_coefficients(*m);
  REQUIRE(ours.size() == 4);
  for (std::size_t i = 0; i < 4; ++i) {
    CAPTURE(i);
    CHECK(std::abs(ours[i] - ref[i]) <=
          std::max(0.01, 0.005 * std::abs(ref[i])));
  }
}
