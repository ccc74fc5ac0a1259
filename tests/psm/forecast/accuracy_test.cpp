// Accuracy of automatic model selection against R's forecast::auto.arima on
// real seasonal series shipped with R (frozen in tests/data/forecast by
// make_reference.R): each series' final season is held out and forecast
// from the rest; MASE as forecast::accuracy computes it.
#include "psm/forecast/selection.hpp"
#include "psm/forecast/series.hpp"
#include "psm/forecast/stats.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

using namespace ds::forecast;

namespace {

std::string data_dir() {
  std::string f = __FILE__;
  return f.substr(0, f.rfind("/tests/")) + "/tests/data/forecast/";
}

arma::vec load(const std::string& name) {
  std::ifstream in(data_dir() + name);
  REQUIRE(in);
  return arma::vec(read_series(in));
}

struct ref_row {
  std::string name;
  int period;
  double arima, snaive;
};

std::vector<ref_row> references() {
  std::ifstream in(data_dir() + "reference.csv");
  REQUIRE(in);
  std::string line;
  std::getline(in, line); // header
  std::vector<ref_row> out;
  while (std::getline(in, line)) {
    std::istringstream s(line);
    ref_row r;
    std::string f;
    std::getline(s, r.name, ',');
    std::getline(s, f, ',');
    r.period = std::stoi(f);
    std::getline(s, f, ',');
    r.arima = std::stod(f);
    std::getline(s, f, ',');
    r.snaive = std::stod(f);
    out.push_back(r);
  }
  return out;
}

} // namespace

TEST_CASE("auto selection on R's seasonal series: MASE within 5% of "
          "auto.arima, below snaive") {
  auto refs = references();
  REQUIRE(refs.size() >= 10);
  double ours = 0, arima = 0, snaive = 0;
  for (auto& r : refs) {
    CAPTURE(r.name);
    arma::vec train = load("train_" + r.name + ".txt");
    arma::vec test = load("test_" + r.name + ".txt");
    REQUIRE(test.n_elem == arma::uword(r.period));
    auto sel = select_model(train, r.period, default_candidates());
    REQUIRE(sel.model);
    arma::vec f = sel.model->predict(r.period).mean;
    double mase = arma::mean(arma::abs(f - test)) / mase_scale(train, r.period);
    MESSAGE(r.name << ": " << sel.model->name() << " MASE " << mase
                   << " (auto.arima " << r.arima << ", snaive " << r.snaive
                   << ")");
    ours += mase;
    arima += r.arima;
    snaive += r.snaive;
  }
  double n = double(refs.size());
  MESSAGE("mean MASE: dagshard " << ours / n << ", auto.arima " << arima / n
                                 << ", snaive " << snaive / n);
  CHECK(ours / n <= 1.05 * arima / n);
  CHECK(ours / n < snaive / n);
}
