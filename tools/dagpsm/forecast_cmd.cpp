// dagpsm forecast: models of psm/forecast on a user's series.
#include <cmath>
#include <fstream>
#include <iomanip>
#include <ostream>

#include <nlohmann/json.hpp>

#include "psm/forecast/holt_winters.hpp"
#include "psm/forecast/selection.hpp"
#include "psm/forecast/series.hpp"
#include "psm/forecast/snaive.hpp"
#include "tools/dagpsm/commands.hpp"

namespace ds::dagpsm {

namespace {

constexpr const char* usage =
    "usage: dagpsm forecast --period P --horizon H [--model "
    "auto|arima|hw|snaive|spar|lstm]\n"
    "                       [--level L] [--json] FILE\n"
    "  FILE: one non-negative number per line, or a CSV with a 'value' column\n"
    "  --period 0: no seasonality; prints H point forecasts, one per line\n";

bool parse_int(const std::string& s, long lo, long hi, long& out) {
  char* end = nullptr;
  long v = std::strtol(s.c_str(), &end, 10);
  if (s.empty() || *end || v < lo || v > hi)
    return false;
  out = v;
  return true;
}

} // namespace

int forecast_command(const std::vector<std::string>& args, std::ostream& out,
                     std::ostream& err) {
  long period = -1, horizon = -1;
  double level = 0.95;
  std::string model = "auto", file;
  bool json = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const auto& a = args[i];
    auto value = [&](const char* what) -> const std::string* {
      if (i + 1 >= args.size()) {
        err << "dagpsm forecast: " << what << " needs a value\n" << usage;
        return nullptr;
      }
      return &args[++i];
    };
    if (a == "--json") {
      json = true;
    } else if (a == "--period") {
      auto v = value("--period");
      if (!v || !parse_int(*v, 0, 100000, period)) {
        if (v)
          err << "dagpsm forecast: --period wants an integer 0..100000\n";
        return 1;
      }
    } else if (a == "--horizon") {
      auto v = value("--horizon");
      if (!v || !parse_int(*v, 1, 1000000, horizon)) {
        if (v)
          err << "dagpsm forecast: --horizon wants an integer 1..1000000\n";
        return 1;
      }
    } else if (a == "--model") {
      auto v = value("--model");
      if (!v)
        return 1;
      model = *v;
    } else if (a == "--level") {
      auto v = value("--level");
      if (!v)
        return 1;
      char* end = nullptr;
      level = std::strtod(v->c_str(), &end);
      if (*end || !(level > 0 && level < 1)) {
        err << "dagpsm forecast: --level wants a number between 0 and 1\n";
        return 1;
      }
    } else if (!a.empty() && a[0] == '-') {
      err << "dagpsm forecast: unknown option " << a << "\n" << usage;
      return 1;
    } else if (file.empty()) {
      file = a;
    } else {
      err << "dagpsm forecast: one FILE only\n" << usage;
      return 1;
    }
  }
  if (period < 0 || horizon < 0 || file.empty()) {
    err << "dagpsm forecast: --period, --horizon and FILE are required\n"
        << usage;
    return 1;
  }
  std::vector<double> values;
  try {
    std::ifstream in(file);
    if (!in) {
      err << "dagpsm forecast: cannot read " << file << "\n";
      return 1;
    }
    values = forecast::read_series(in);
  } catch (const forecast::series_error& e) {
    err << "dagpsm forecast: " << file << ": " << e.what() << "\n";
    return 1;
  }
  arma::vec y(values);
  int p = int(period);
  forecast::selection sel;
  try {
    if (model == "auto") {
      sel = forecast::select_model(y, p, forecast::default_candidates());
    } else {
      auto c = forecast::candidate_named(model);
      sel.model = c.fit(y, p);
      sel.family = model;
      sel.backtest_mase = std::nan("");
      if (!sel.model) {
        err << "dagpsm forecast: model " << model
            << " does not apply to this series"
            << " (too short for its season, or values <= 0 for a "
               "multiplicative one)\n";
        return 1;
      }
    }
  } catch (const std::invalid_argument& e) {
    err << "dagpsm forecast: " << e.what() << "\n";
    return 1;
  }
  auto pred = sel.model->predict(int(horizon), level);
  if (!json) {
    out << std::setprecision(10);
    for (double v : pred.mean)
      out << v << "\n";
    return 0;
  }
  nlohmann::json j;
  j["model"] = sel.model->name();
  j["family"] = sel.family;
  for (auto& prm : sel.model->parameters())
    j["parameters"][prm.name] = prm.value;
  auto finite = [](double x) {
    return std::isfinite(x) ? nlohmann::json(x) : nlohmann::json();
  };
  j["aicc"] = finite(sel.model->aicc());
  j["backtest_mase"] = finite(sel.backtest_mase);
  for (auto& [fam, score] : sel.scores)
    j["backtest"][fam] = finite(score);
  j["level"] = level;
  j["forecast"] = std::vector<double>(pred.mean.begin(), pred.mean.end());
  j["lower"] = std::vector<double>(pred.lower.begin(), pred.lower.end());
  j["upper"] = std::vector<double>(pred.upper.begin(), pred.upper.end());
  out << j.dump(2) << "\n";
  return 0;
}

} // namespace ds::dagpsm
