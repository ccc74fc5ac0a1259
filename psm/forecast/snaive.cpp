#include "psm/forecast/snaive.hpp"

#include <cmath>
#include <stdexcept>

#include "psm/forecast/stats.hpp"

namespace ds::forecast {

namespace {

class snaive_model : public fitted_model {
public:
  snaive_model(const arma::vec& y, int m) : y_(y), m_(m) {
    arma::uword lag = lag_of();
    double s = 0;
    arma::uword n = 0;
    for (arma::uword t = lag; t < y_.n_elem; ++t, ++n)
      s += (y_(t) - y_(t - lag)) * (y_(t) - y_(t - lag));
    sigma_ = n ? std::sqrt(s / double(n)) : 0.0;
  }
  std::string name() const override {
    return m_ > 1 ? "snaive[" + std::to_string(m_) + "]" : "naive";
  }
  std::vector<parameter> parameters() const override {
    return {{"sigma", sigma_}};
  }
  double aicc() const override { return std::nan(""); }
  prediction predict(int h, double level) const override {
    auto p = sized_prediction(h, level);
    arma::uword lag = lag_of(), n = y_.n_elem;
    double z = interval_z(level);
    for (int k = 1; k <= h; ++k) {
      arma::uword back = lag - (arma::uword(k) - 1) % lag; // 1..lag steps back
      double mean = y_(n - back);
      double seasons =
          lag > 1 ? std::floor(double(k - 1) / double(lag)) + 1 : double(k);
      double se = sigma_ * std::sqrt(seasons);
      p.mean(arma::uword(k - 1)) = mean;
      p.lower(arma::uword(k - 1)) = std::max(0.0, mean - z * se);
      p.upper(arma::uword(k - 1)) = mean + z * se;
    }
    return p;
  }

private:
  arma::uword lag_of() const {
    return m_ > 1 && y_.n_elem >= arma::uword(m_) ? arma::uword(m_) : 1;
  }
  arma::vec y_;
  int m_;
  double sigma_ = 0;
};

} // namespace

model_ptr fit_snaive(const arma::vec& y, int period) {
  if (y.is_empty())
    throw std::invalid_argument("snaive: empty series");
  return std::make_unique<snaive_model>(y, period);
}

} // namespace ds::forecast
