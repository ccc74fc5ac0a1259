// auto.arima: differencing by tests, then the stepwise search of Hyndman and
// Khandakar (2008) over (p, q, P, Q, constant) by AICc.
#include "psm/forecast/arima.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>
#include <tuple>

namespace ds::forecast {

namespace {

arma::vec diff(const arma::vec& y, arma::uword lag) {
  if (y.n_elem <= lag)
    return arma::vec();
  return y.tail(y.n_elem - lag) - y.head(y.n_elem - lag);
}

// KPSS statistic for level stationarity with a Bartlett window of `l` lags.
double kpss_stat(const arma::vec& y, arma::uword l) {
  arma::vec e = y - arma::mean(y);
  double n = double(e.n_elem);
  arma::vec S = arma::cumsum(e);
  double s2 = arma::dot(e, e) / n;
  for (arma::uword j = 1; j <= l && j < e.n_elem; ++j) {
    double g = arma::dot(e.tail(e.n_elem - j), e.head(e.n_elem - j)) / n;
    s2 += 2 * (1 - double(j) / double(l + 1)) * g;
  }
  if (!(s2 > 0))
    return 0;
  return arma::dot(S, S) / (n * n) / s2;
}

} // namespace

int kpss_ndiffs(const arma::vec& y) {
  arma::vec x = y;
  int d = 0;
  while (d < 2 && x.n_elem > 10) {
    if (arma::var(x) < 1e-12)
      break; // constant: nothing to difference
    auto l =
        arma::uword(std::trunc(4 * std::pow(double(x.n_elem) / 100, 0.25)));
    if (kpss_stat(x, l) <= 0.463) // 5% critical value
      break;
    x = diff(x, 1);
    ++d;
  }
  return d;
}

int seasonal_ndiffs(const arma::vec& y, int m) {
  arma::uword n = y.n_elem;
  if (m < 2 || n < 2 * arma::uword(m) + 1)
    return 0;
  // Classical decomposition: centred moving average trend, seasonal means.
  arma::vec trend(n);
  trend.fill(arma::datum::nan);
  arma::uword half = arma::uword(m) / 2;
  for (arma::uword t = half; t + half < n; ++t) {
    double s = 0;
    if (m % 2 == 0) {
      for (arma::uword k = t - half; k <= t + half; ++k)
        s += (k == t - half || k == t + half ? 0.5 : 1.0) * y(k);
      trend(t) = s / m;
    } else {
      trend(t) = arma::mean(y.subvec(t - half, t + half));
    }
  }
  std::vector<double> sum(std::size_t(m), 0.0);
  std::vector<int> cnt(std::size_t(m), 0);
  for (arma::uword t = 0; t < n; ++t)
    if (std::isfinite(trend(t))) {
      sum[t % arma::uword(m)] += y(t) - trend(t);
      ++cnt[t % arma::uword(m)];
    }
  double mean = 0;
  for (int j = 0; j < m; ++j)
    mean += (sum[std::size_t(j)] /= std::max(1, cnt[std::size_t(j)]));
  mean /= m;
  std::vector<double> seas, rem;
  for (arma::uword t = 0; t < n; ++t)
    if (std::isfinite(trend(t))) {
      double s = sum[t % arma::uword(m)] - mean;
      double r = y(t) - trend(t) - s;
      seas.push_back(s + r);
      rem.push_back(r);
    }
  double vr = arma::var(arma::vec(rem)), vsr = arma::var(arma::vec(seas));
  double strength = vsr > 0 ? std::max(0.0, 1 - vr / vsr) : 0.0;
  return strength > 0.64 ? 1 : 0;
}

model_ptr refit_arima(const fitted_model& like, const arma::vec& y,
                      int period) {
  arima_order o;
  if (!arima_order_of(like, o))
    return nullptr;
  o.s = period > 1 ? period : 0;
  return fit_arima(y, o);
}

model_ptr fit_auto_arima(const arma::vec& y, int period) {
  int m = period > 1 ? period : 0;
  if (m && y.n_elem < 2 * arma::uword(m) + 2)
    m = 0; // too short for a seasonal model
  int D = m ? seasonal_ndiffs(y, m) : 0;
  arma::vec yd = D ? diff(y, arma::uword(m)) : y;
  int d = kpss_ndiffs(yd);
  // The search compares orders by their CSS likelihood (R's approximation,
  // which R uses for long or long-period series; here always, for speed);
  // the chosen orders are then refitted by exact likelihood.
  bool approx = true;
  arima_options search_opts;
  search_opts.exact = !approx;
  using key = std::tuple<int, int, int, int, bool>;
  std::set<key> tried;
  model_ptr best;
  arima_order best_order;
  auto consider = [&](int p, int q, int P, int Q, bool c) {
    if (p < 0 || q < 0 || P < 0 || Q < 0 || p > 5 || q > 5 || P > 2 || Q > 2 ||
        p + q + P + Q > 5 || (!m && (P || Q)) || (c && d + D > 1))
      return false;
    if (!tried.insert(key{p, q, P, Q, c}).second)
      return false;
    arima_order o{p, d, q, P, D, Q, m, c};
    auto fit = fit_arima(y, o, search_opts);
    if (fit && std::isfinite(fit->aicc()) &&
        (!best || fit->aicc() < best->aicc() - 1e-9)) {
      best = std::move(fit);
      best_order = o;
      return true;
    }
    return false;
  };
  bool c0 = d + D <= 1;
  consider(2, 2, m ? 1 : 0, m ? 1 : 0, c0);
  consider(0, 0, 0, 0, c0);
  consider(1, 0, m ? 1 : 0, 0, c0);
  consider(0, 1, 0, m ? 1 : 0, c0);
  if (c0)
    consider(0, 0, 0, 0, false);
  for (int round = 0; round < 100 && best; ++round) {
    auto o = best_order;
    bool improved = false;
    const int steps[][4] = {{1, 0, 0, 0},  {-1, 0, 0, 0}, {0, 1, 0, 0},
                            {0, -1, 0, 0}, {1, 1, 0, 0},  {-1, -1, 0, 0},
                            {0, 0, 1, 0},  {0, 0, -1, 0}, {0, 0, 0, 1},
                            {0, 0, 0, -1}, {0, 0, 1, 1},  {0, 0, -1, -1},
                            {1, -1, 0, 0}, {-1, 1, 0, 0}};
    for (auto& s : steps)
      if (consider(o.p + s[0], o.q + s[1], o.P + s[2], o.Q + s[3],
                   o.constant)) {
        improved = true;
        break;
      }
    if (!improved && c0)
      improved = consider(o.p, o.q, o.P, o.Q, !o.constant);
    if (!improved)
      break;
  }
  if (!best)
    return nullptr;
  // Refit the chosen orders by exact likelihood where possible; beyond the
  // exact filter's state bound fit_arima keeps the CSS estimate, which is
  // the search's own fit.
  int state = std::max(best_order.p + m * best_order.P,
                       best_order.q + m * best_order.Q + 1);
  if (approx && state <= arima_options{}.max_exact_state) {
    auto exact = fit_arima(y, best_order);
    if (exact)
      return exact;
  }
  return best;
}

} // namespace ds::forecast
