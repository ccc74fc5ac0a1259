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

void declare_forecast(CLI::App& app, forecast_args& a) {
  app.add_option("--period", a.period, "season length; 0: no seasonality")
      ->required()
      ->check(CLI::Range(0L, 100000L));
  app.add_option("--horizon", a.horizon, "values to forecast")
      ->required()
      ->check(CLI::Range(1L, 1000000L));
  app.add_option("--model", a.model, "the model, or the best by backtest")
      ->check(CLI::IsMember({"auto", "arima", "hw", "snaive", "spar", "lstm"}))
      ->capture_default_str();
  app.add_option("--level", a.level, "prediction interval level")
      ->check(
          [](const std::string& s) {
            char* end = nullptr;
            double v = std::strtod(s.c_str(), &end);
            return *end || !(v > 0 && v < 1)
                       ? std::string{"must be a number between 0 and 1"}
                       : std::string{};
          },
          "(0,1)")
      ->capture_default_str();
  app.add_flag("--json", a.json,
               "the model, its parameters, scores and intervals as JSON");
  app.add_option("FILE", a.file,
                 "one non-negative number per line, or a CSV with a 'value' "
                 "column")
      ->required();
}

int forecast_command(const std::vector<std::string>& args, std::ostream& out,
                     std::ostream& err) {
  CLI::App app{"forecast a series", "dagpsm forecast"};
  forecast_args a;
  declare_forecast(app, a);
  if (auto rc = cli::parse(app, args, out, err); rc >= 0)
    return rc;
  return run_forecast(a, out, err);
}

int run_forecast(const forecast_args& a, std::ostream& out, std::ostream& err) {
  auto& [period, horizon, model, level, json, file] = a;
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
