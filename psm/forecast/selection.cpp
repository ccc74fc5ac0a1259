#include "psm/forecast/selection.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "psm/forecast/arima.hpp"
#include "psm/forecast/holt_winters.hpp"
#include "psm/forecast/lstm.hpp"
#include "psm/forecast/snaive.hpp"
#include "psm/forecast/spar.hpp"
#include "psm/forecast/stats.hpp"

namespace ds::forecast {

std::vector<candidate> default_candidates() {
  std::vector<candidate> c;
  c.push_back({"snaive", fit_snaive, {}, {}});
  c.push_back({"hw", fit_holt_winters_auto, refit_holt_winters,
               refit_holt_winters_many});
  c.push_back({"arima", fit_auto_arima, refit_arima, {}});
  return c;
}

candidate candidate_named(const std::string& family) {
  for (auto& c : default_candidates())
    if (c.family == family)
      return c;
  if (family == "spar") // the first tier (tiered.hpp), by name
    return spar_candidate();
  if (family == "lstm") // not in the automatic choice: seconds per series
    return {"lstm",
            [](const arma::vec& y, int p) { return fit_lstm(y, p); },
            {},
            {}};
  throw std::invalid_argument("model '" + family + "' is not available");
}

selection select_model(const arma::vec& y, int period,
                       const std::vector<candidate>& cands, int horizon,
                       int origins) {
  if (y.is_empty())
    throw std::invalid_argument("select_model: empty series");
  int m = period > 1 ? period : 1;
  int h = horizon > 0 ? horizon : (m > 1 ? m : 8);
  // Each origin must leave at least two seasons (or 10 points), and two
  // thirds of the series, to fit on: a model judged on much less data than
  // it will finally be fitted on is judged unfairly (short fits favour the
  // plain models).
  int n = int(y.n_elem);
  int min_fit = std::max(m > 1 ? 2 * m : 10, 2 * n / 3);
  int usable = std::max(0, std::min(origins, (n - min_fit) / h));
  selection out;
  double best = std::numeric_limits<double>::infinity();
  std::size_t chosen = cands.size();
  std::vector<model_ptr> full(cands.size());
  for (std::size_t i = 0; i < cands.size(); ++i) {
    const auto& c = cands[i];
    full[i] = c.fit(y, period);
    double total = 0;
    int scored = 0;
    std::vector<arma::vec> trains;
    for (int k = usable; k >= 1; --k)
      trains.push_back(y.head(arma::uword(n - k * h)));
    std::vector<model_ptr> refits;
    if (c.refit_many && full[i])
      refits = c.refit_many(*full[i], trains, period);
    for (int k = usable; k >= 1 && full[i]; --k) {
      int origin = n - k * h;
      const arma::vec& train = trains[std::size_t(usable - k)];
      model_ptr fit = c.refit_many ? std::move(refits[std::size_t(usable - k)])
                      : c.refit    ? c.refit(*full[i], train, period)
                                   : c.fit(train, period);
      if (!fit)
        break;
      arma::vec f = fit->point_forecast(h);
      // A training window that repeats itself exactly has no seasonal
      // naive error to scale by; its one-step error is the next best unit
      // (otherwise a near-perfect forecast of a perfectly periodic series
      // would score as infinitely bad).
      double scale = mase_scale(train, period);
      if (!(scale > 0))
        scale = mase_scale(train, 1);
      double mae = arma::mean(arma::abs(
          f - y.subvec(arma::uword(origin), arma::uword(origin + h - 1))));
      total += scale > 0 ? mae / scale : (mae == 0 ? 0 : 1e9);
      ++scored;
    }
    double score =
        scored == usable && scored > 0 ? total / scored : std::nan("");
    out.scores.emplace_back(c.family, score);
    if (std::isfinite(score) && score < best) {
      best = score;
      chosen = i;
    }
  }
  if (chosen < cands.size()) {
    out.model = std::move(full[chosen]);
    out.family = cands[chosen].family;
    out.backtest_mase = best;
  }
  if (!out.model) { // too short to backtest, or nothing fitted: the plain
                    // choice
    out.model = fit_snaive(y, period);
    out.family = "snaive";
    out.backtest_mase = std::nan("");
  }
  return out;
}

} // namespace ds::forecast
