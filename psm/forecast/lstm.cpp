#include "psm/forecast/lstm.hpp"

#include <algorithm>
#include <cmath>
#include <random>

#include "psm/forecast/stats.hpp"

namespace ds::forecast {

namespace {

constexpr int inputs = 3; // value, sin and cos of the season position

double sigmoid(double x) {
  return 1.0 / (1.0 + std::exp(-x));
}

struct weights {
  arma::mat W; ///< 4H x inputs (gates i, f, o, g stacked)
  arma::mat U; ///< 4H x H
  arma::vec b; ///< 4H
  arma::vec v; ///< H: output layer
  double c = 0;
  void zeros_like(const weights& o) {
    W.zeros(o.W.n_rows, o.W.n_cols);
    U.zeros(o.U.n_rows, o.U.n_cols);
    b.zeros(o.b.n_elem);
    v.zeros(o.v.n_elem);
    c = 0;
  }
};

struct tape {
  std::vector<arma::vec> x, i, f, o, g, c, h;
};

class net {
public:
  net(int hidden, int period, uint64_t seed)
      : H_(arma::uword(hidden)), m_(period) {
    std::mt19937_64 rng(seed);
    std::normal_distribution<double> n01(0, 1);
    auto init = [&](arma::mat& M, arma::uword r, arma::uword c, double scale) {
      M.set_size(r, c);
      for (auto& x : M)
        x = n01(rng) * scale;
    };
    init(w_.W, 4 * H_, inputs, 1.0 / std::sqrt(double(inputs)));
    init(w_.U, 4 * H_, H_, 1.0 / std::sqrt(double(H_)));
    w_.b.zeros(4 * H_);
    w_.b.subvec(H_, 2 * H_ - 1).fill(1.0); // forget gates start open
    arma::mat v;
    init(v, H_, 1, 1.0 / std::sqrt(double(H_)));
    w_.v = v.col(0);
  }

  arma::vec features(double value, std::size_t t) const {
    double phase = m_ > 1 ? 2 * M_PI * double(t % std::size_t(m_)) / m_ : 0.0;
    return arma::vec{value, std::sin(phase), std::cos(phase)};
  }

  // Runs a window; fills the tape if given.
  double forward(const std::vector<arma::vec>& xs, tape* tp) const {
    arma::vec h(H_, arma::fill::zeros), c(H_, arma::fill::zeros);
    for (auto& x : xs) {
      arma::vec z = w_.W * x + w_.U * h + w_.b;
      arma::vec i = z.subvec(0, H_ - 1), f = z.subvec(H_, 2 * H_ - 1);
      arma::vec o = z.subvec(2 * H_, 3 * H_ - 1),
                g = z.subvec(3 * H_, 4 * H_ - 1);
      i.transform(sigmoid);
      f.transform(sigmoid);
      o.transform(sigmoid);
      g = arma::tanh(g);
      c = f % c + i % g;
      h = o % arma::tanh(c);
      if (tp) {
        tp->x.push_back(x);
        tp->i.push_back(i);
        tp->f.push_back(f);
        tp->o.push_back(o);
        tp->g.push_back(g);
        tp->c.push_back(c);
        tp->h.push_back(h);
      }
    }
    return arma::dot(w_.v, h) + w_.c;
  }

  // Adds the gradient of (prediction - target)^2 / 2 to `gr`.
  double backward(const std::vector<arma::vec>& xs, double target,
                  weights& gr) const {
    tape tp;
    double yhat = forward(xs, &tp);
    double dy = yhat - target;
    gr.v += dy * tp.h.back();
    gr.c += dy;
    arma::vec dh = dy * w_.v, dc(H_, arma::fill::zeros);
    for (std::size_t t = xs.size(); t-- > 0;) {
      arma::vec tc = arma::tanh(tp.c[t]);
      arma::vec c_prev = t ? tp.c[t - 1] : arma::vec(H_, arma::fill::zeros);
      arma::vec h_prev = t ? tp.h[t - 1] : arma::vec(H_, arma::fill::zeros);
      arma::vec d_o = dh % tc % tp.o[t] % (1 - tp.o[t]);
      dc += dh % tp.o[t] % (1 - tc % tc);
      arma::vec d_i = dc % tp.g[t] % tp.i[t] % (1 - tp.i[t]);
      arma::vec d_f = dc % c_prev % tp.f[t] % (1 - tp.f[t]);
      arma::vec d_g = dc % tp.i[t] % (1 - tp.g[t] % tp.g[t]);
      arma::vec dz =
          arma::join_cols(arma::join_cols(d_i, d_f), arma::join_cols(d_o, d_g));
      gr.W += dz * tp.x[t].t();
      gr.U += dz * h_prev.t();
      gr.b += dz;
      dh = w_.U.t() * dz;
      dc = dc % tp.f[t];
    }
    return 0.5 * dy * dy;
  }

  weights& w() { return w_; }

private:
  arma::uword H_;
  int m_;
  weights w_;
};

class lstm_model : public fitted_model {
public:
  lstm_model(net n, arma::vec scaled, double mean, double sd, int window,
             double sigma, int period)
      : net_(std::move(n)), z_(std::move(scaled)), mean_(mean), sd_(sd),
        window_(window), sigma_(sigma), period_(period) {}
  std::string name() const override {
    return "LSTM(" + std::to_string(window_) + ")";
  }
  std::vector<parameter> parameters() const override {
    return {{"window", double(window_)}, {"sigma", sigma_}};
  }
  double aicc() const override { return std::nan(""); }
  prediction predict(int h, double level) const override {
    std::vector<double> z(z_.begin(), z_.end());
    auto p = sized_prediction(h, level);
    double q = interval_z(level);
    for (int k = 0; k < h; ++k) {
      std::size_t t = z.size();
      std::vector<arma::vec> xs;
      for (std::size_t j = t - std::size_t(window_); j < t; ++j)
        xs.push_back(net_.features(z[j], j));
      double next = net_.forward(xs, nullptr);
      z.push_back(next);
      double mean = std::max(0.0, next * sd_ + mean_);
      double se = sigma_ * std::sqrt(double(k + 1));
      p.mean(arma::uword(k)) = mean;
      p.lower(arma::uword(k)) = std::max(0.0, mean - q * se);
      p.upper(arma::uword(k)) = mean + q * se;
    }
    return p;
  }

private:
  net net_;
  arma::vec z_;
  double mean_, sd_;
  int window_;
  double sigma_;
  int period_;
};

} // namespace

double lstm_gradient_error(uint64_t seed) {
  net n(4, 5, seed);
  std::mt19937_64 rng(seed + 1);
  std::normal_distribution<double> d(0, 1);
  std::vector<arma::vec> xs;
  for (std::size_t t = 0; t < 6; ++t)
    xs.push_back(n.features(d(rng), t));
  double target = d(rng);
  weights g;
  g.zeros_like(n.w());
  n.backward(xs, target, g);
  auto loss = [&] {
    double e = n.forward(xs, nullptr) - target;
    return 0.5 * e * e;
  };
  double worst = 0;
  auto check = [&](double& param, double analytic) {
    const double h = 1e-6;
    double keep = param;
    param = keep + h;
    double up = loss();
    param = keep - h;
    double down = loss();
    param = keep;
    double numeric = (up - down) / (2 * h);
    double err = std::abs(numeric - analytic) /
                 std::max(1e-6, std::abs(numeric) + std::abs(analytic));
    worst = std::max(worst, err);
  };
  auto& w = n.w();
  for (arma::uword k = 0; k < w.W.n_elem; ++k)
    check(w.W(k), g.W(k));
  for (arma::uword k = 0; k < w.U.n_elem; ++k)
    check(w.U(k), g.U(k));
  for (arma::uword k = 0; k < w.b.n_elem; ++k)
    check(w.b(k), g.b(k));
  for (arma::uword k = 0; k < w.v.n_elem; ++k)
    check(w.v(k), g.v(k));
  check(w.c, g.c);
  return worst;
}

model_ptr fit_lstm(const arma::vec& y, int period, const lstm_options& opts) {
  int window = opts.window > 0 ? opts.window : (period > 1 ? period : 12);
  if (y.n_elem < arma::uword(2 * window + 2))
    return nullptr;
  double mean = arma::mean(y), sd = arma::stddev(y);
  if (!(sd > 0))
    sd = std::max(1.0, std::abs(mean)); // constant: learn the constant
  arma::vec z = (y - mean) / sd;
  net n(opts.hidden, period, opts.seed);
  std::size_t total = z.n_elem - std::size_t(window);
  std::size_t first =
      total > std::size_t(opts.max_windows) ? total - opts.max_windows : 0;
  std::vector<std::size_t> order;
  for (std::size_t s = first; s < total; ++s)
    order.push_back(s);
  auto window_at = [&](std::size_t s) {
    std::vector<arma::vec> xs;
    for (std::size_t j = s; j < s + std::size_t(window); ++j)
      xs.push_back(n.features(z(j), j));
    return xs;
  };
  // Adam.
  weights m1, m2, gr;
  m1.zeros_like(n.w());
  m2.zeros_like(n.w());
  const double b1 = 0.9, b2 = 0.999, eps = 1e-8;
  long step = 0;
  std::mt19937_64 rng(opts.seed ^ 0x5eed);
  // Adam on one parameter block (matrices and vectors alike: Col is a Mat).
  auto adam = [&](arma::mat& p, const arma::mat& g, arma::mat& a, arma::mat& b,
                  double bc1, double bc2) {
    a = b1 * a + (1 - b1) * g;
    b = b2 * b + (1 - b2) * (g % g);
    p -= opts.learning_rate * (a / bc1) / (arma::sqrt(b / bc2) + eps);
  };
  for (int epoch = 0; epoch < opts.epochs; ++epoch) {
    for (std::size_t i = order.size(); i > 1; --i) // seeded shuffle
      std::swap(order[i - 1], order[rng() % i]);
    for (std::size_t start = 0; start < order.size();
         start += std::size_t(opts.batch)) {
      gr.zeros_like(n.w());
      std::size_t end = std::min(order.size(), start + std::size_t(opts.batch));
      for (std::size_t k = start; k < end; ++k) {
        std::size_t s = order[k];
        n.backward(window_at(s), z(s + std::size_t(window)), gr);
      }
      double scale = 1.0 / double(end - start);
      ++step;
      double bc1 = 1 - std::pow(b1, double(step)),
             bc2 = 1 - std::pow(b2, double(step));
      auto& w = n.w();
      adam(w.W, gr.W * scale, m1.W, m2.W, bc1, bc2);
      adam(w.U, gr.U * scale, m1.U, m2.U, bc1, bc2);
      adam(w.b, gr.b * scale, m1.b, m2.b, bc1, bc2);
      adam(w.v, gr.v * scale, m1.v, m2.v, bc1, bc2);
      double gc = gr.c * scale; // the output bias, a scalar
      m1.c = b1 * m1.c + (1 - b1) * gc;
      m2.c = b2 * m2.c + (1 - b2) * gc * gc;
      w.c -= opts.learning_rate * (m1.c / bc1) / (std::sqrt(m2.c / bc2) + eps);
    }
  }
  // In-sample one-step errors on the original scale.
  double ss = 0;
  for (std::size_t s : order) {
    double e =
        (n.forward(window_at(s), nullptr) - z(s + std::size_t(window))) * sd;
    ss += e * e;
  }
  double sigma = std::sqrt(ss / double(order.size()));
  return std::make_unique<lstm_model>(std::move(n), z, mean, sd, window, sigma,
                                      period);
}

} // namespace ds::forecast
