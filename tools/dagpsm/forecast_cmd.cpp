// dagpsm forecast: models of psm/forecast on a user's series.
#include <cmath>
#include <fstream>
#include <iomanip>
#include <ostream>
#include <sstream>

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
               "the model, its parameters, scores and intervals as JSON "
               "(an array, each with its file, for several series)");
  app.add_flag("--quiet", a.quiet, "no progress bar");
  app.add_option("FILE", a.files,
                 "one series per file: one non-negative number per line, or "
                 "a CSV with a 'value' column; with several, each forecast is "
                 "headed by '==> FILE <=='")
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

namespace {

struct series_forecast {
  std::string file;
  forecast::selection sel;
  forecast::prediction pred;
};

/// Reads one series; false, with the error on `err`, when it cannot.
bool read_one(const std::string& file, std::vector<double>& values,
              std::ostream& err) {
  try {
    std::ifstream in(file);
    if (!in) {
      err << "dagpsm forecast: cannot read " << file << "\n";
      return false;
    }
    values = forecast::read_series(in);
  } catch (const forecast::series_error& e) {
    err << "dagpsm forecast: " << file << ": " << e.what() << "\n";
    return false;
  }
  return true;
}

/// Chooses or fits the model of one series and forecasts it; false, with
/// the error on `err`, when the model does not apply.
bool forecast_one(const forecast_args& a, const std::vector<double>& values,
                  series_forecast& out, std::ostream& err) {
  arma::vec y(values);
  int p = int(a.period);
  auto& sel = out.sel;
  std::string where = a.files.size() > 1 ? out.file + ": " : "";
  try {
    if (a.model == "auto") {
      sel = forecast::select_model(y, p, forecast::default_candidates());
    } else {
      auto c = forecast::candidate_named(a.model);
      sel.model = c.fit(y, p);
      sel.family = a.model;
      sel.backtest_mase = std::nan("");
      if (!sel.model) {
        err << "dagpsm forecast: " << where << "model " << a.model
            << " does not apply to this series"
            << " (too short for its season, or values <= 0 for a "
               "multiplicative one)\n";
        return false;
      }
    }
  } catch (const std::invalid_argument& e) {
    err << "dagpsm forecast: " << where << e.what() << "\n";
    return false;
  }
  out.pred = sel.model->predict(int(a.horizon), a.level);
  return true;
}

nlohmann::json to_json(const series_forecast& f, double level) {
  auto& sel = f.sel;
  auto& pred = f.pred;
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
  return j;
}

} // namespace

int run_forecast(const forecast_args& a, std::ostream& out, std::ostream& err) {
  // Every file is read and checked before any model runs.
  std::vector<std::vector<double>> series(a.files.size());
  for (size_t i = 0; i < a.files.size(); ++i)
    if (!read_one(a.files[i], series[i], err))
      return 1;
  std::vector<series_forecast> done(a.files.size());
  {
    // Several series: a bar on a terminal (not with --json or --quiet).
    bool many = a.files.size() > 1;
    cli::progress bar("forecast", a.files.size(), many && !a.json && !a.quiet);
    for (size_t i = 0; i < a.files.size(); ++i) {
      done[i].file = a.files[i];
      std::ostringstream why; // after the bar's last line
      if (!forecast_one(a, series[i], done[i], why)) {
        bar.finish();
        err << why.str();
        return 1;
      }
      bar.update(i + 1);
    }
  }
  bool many = done.size() > 1;
  if (a.json) {
    if (!many) {
      out << to_json(done[0], a.level).dump(2) << "\n";
      return 0;
    }
    auto arr = nlohmann::json::array();
    for (auto& f : done) {
      auto j = to_json(f, a.level);
      j["file"] = f.file;
      arr.push_back(std::move(j));
    }
    out << arr.dump(2) << "\n";
    return 0;
  }
  out << std::setprecision(10);
  for (size_t i = 0; i < done.size(); ++i) {
    if (many) // as head(1) heads several files
      out << (i ? "\n" : "") << "==> " << done[i].file << " <==\n";
    for (double v : done[i].pred.mean)
      out << v << "\n";
  }
  return 0;
}

} // namespace ds::dagpsm
