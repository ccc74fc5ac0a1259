// The Holt-Winters recursion of many parameter sets side by side (see
// hw_batch_lik). Each lane performs exactly hw_core::recurse's operations in
// the same order, so its likelihood is bit for bit the one of a lone run.
#include "psm/forecast/hw_core.hpp"

namespace ds::forecast::hw_detail {

namespace {

constexpr std::size_t max_lanes = 8;

template <std::size_t lanes> struct lane_state {
  double l[lanes], b[lanes], alpha[lanes], beta[lanes], gamma[lanes],
      phi[lanes], sse[lanes], mant[lanes];
  long expo[lanes];
  bool dead[lanes];
};

// Product of the one-step forecasts, as a mantissa and a binary exponent.
// hw_core::recurse normalises with frexp at every step; here only when the
// mantissa leaves [2^-200, 2^200] (and before any factor outside
// [2^-800, 2^800]): scaling by a power of two is exact, so every product
// rounds to the same significand and the final frexp gives the same pair.
inline void accumulate(double& mant, long& expo, double yhat) {
  int ex;
  if (!(yhat > 0x1p-800 && yhat < 0x1p800)) {
    mant = std::frexp(mant, &ex);
    expo += ex;
    mant = std::frexp(mant * yhat, &ex);
    expo += ex;
    return;
  }
  mant *= yhat;
  if (!(mant > 0x1p-200 && mant < 0x1p200)) {
    mant = std::frexp(mant, &ex);
    expo += ex;
  }
}

// One time step of every lane: hw_core::recurse's operations, in its order.
// With Check, lanes whose series has ended are left alone.
template <std::size_t lanes, bool Mult, bool Seasonal, bool Check>
inline void step(lane_state<lanes>& st, double* sp, const double* const* ys,
                 const arma::uword* len, arma::uword t) {
#pragma GCC unroll 8
  for (std::size_t k = 0; k < lanes; ++k) {
    if (Check && t >= len[k])
      continue;
    double base = st.l[k] + st.phi[k] * st.b[k];
    double e;
    if constexpr (Mult) {
      double si = Seasonal ? sp[k] : 1.0;
      double yhat = base * si;
      if (!(yhat > 0) || !(base > 0))
        st.dead[k] = true; // hw_core::recurse returns +inf here
      e = (ys[k][t] - yhat) / yhat;
      accumulate(st.mant[k], st.expo[k], yhat);
      st.l[k] = base * (1 + st.alpha[k] * e);
      st.b[k] = st.phi[k] * st.b[k] + st.beta[k] * base * e;
      if (Seasonal)
        sp[k] = si * (1 + st.gamma[k] * e);
    } else {
      double si = Seasonal ? sp[k] : 0.0;
      e = ys[k][t] - (base + si);
      st.l[k] = base + st.alpha[k] * e;
      st.b[k] = st.phi[k] * st.b[k] + st.beta[k] * e;
      if (Seasonal)
        sp[k] = si + st.gamma[k] * e;
    }
    st.sse[k] += e * e;
  }
}

// Runs up to `lanes` chains of one kind; unused lanes repeat the first
// chain. Each lane has its own series (prefixes of one series, for
// backtests) and stops where it ends. An additive seasonal run may carry
// non-seasonal lanes: their seasonal state starts at +0 and, with gamma 0,
// stays +0, so they add exactly what a non-seasonal run adds (0.0).
template <std::size_t lanes, bool Mult, bool Seasonal>
void run_lanes(hw_chain* const* cs, std::size_t used, std::size_t mm) {
  lane_state<lanes> st;
  const double* ys[lanes];
  arma::uword len[lanes], n = 0, common = ~arma::uword{0};
  std::vector<double> s(mm * lanes);
  for (std::size_t k = 0; k < lanes; ++k) {
    const hw_chain& c = *cs[k < used ? k : 0];
    ys[k] = c.core->series().memptr();
    len[k] = c.core->series().n_elem;
    n = std::max(n, len[k]);
    common = std::min(common, len[k]);
    st.l[k] = c.p.l0;
    st.b[k] = c.p.b0;
    st.alpha[k] = c.p.alpha;
    st.beta[k] = c.p.beta;
    st.gamma[k] = c.p.gamma;
    st.phi[k] = c.p.phi;
    st.sse[k] = 0;
    st.mant[k] = 1;
    st.expo[k] = 0;
    st.dead[k] = false;
    const auto& s0 = c.core->initial_season();
    bool own = c.core->seasonal();
    for (std::size_t j = 0; j < mm; ++j)
      s[j * lanes + k] = Seasonal && own ? s0[j] : 0.0;
  }
  std::size_t j = 0; // t % mm
  arma::uword t = 0;
  for (; t < common; ++t) {
    step<lanes, Mult, Seasonal, false>(st, &s[j * lanes], ys, len, t);
    if (++j == mm)
      j = 0;
  }
  for (; t < n; ++t) {
    step<lanes, Mult, Seasonal, true>(st, &s[j * lanes], ys, len, t);
    if (++j == mm)
      j = 0;
  }
  for (std::size_t k = 0; k < used; ++k) {
    const double nn = double(len[k]);
    if (st.dead[k] || !std::isfinite(st.sse[k])) {
      cs[k]->lik = inf;
      continue;
    }
    double logsum = 0;
    if (Mult) {
      int ex;
      double mant = std::frexp(st.mant[k], &ex);
      logsum = std::log(mant) + double(st.expo[k] + ex) * std::log(2.0);
    }
    cs[k]->lik = nn * std::log(std::max(st.sse[k], 1e-300) / nn) + 2 * logsum;
  }
}

template <bool Mult, bool Seasonal>
void run_group(std::vector<hw_chain*>& group, std::size_t mm) {
  for (std::size_t i = 0; i < group.size();) {
    std::size_t left = group.size() - i;
    std::size_t used = std::min(left, left > 4 ? max_lanes : std::size_t{4});
    if (used > 4)
      run_lanes<max_lanes, Mult, Seasonal>(&group[i], used, mm);
    else
      run_lanes<4, Mult, Seasonal>(&group[i], used, mm);
    i += used;
  }
}

} // namespace

void hw_batch_lik(std::vector<hw_chain>& chains) {
  // Multiplicative chains by seasonality; additive ones together (as
  // seasonal when any is), up to eight at a time.
  std::size_t period = 1;
  for (auto& c : chains)
    if (c.core->seasonal())
      period = c.core->initial_season().size();
  std::vector<hw_chain*> add, mult_s, mult_n;
  bool add_seasonal = false;
  for (auto& c : chains) {
    if (!c.core->multiplicative()) {
      add.push_back(&c);
      add_seasonal = add_seasonal || c.core->seasonal();
    } else {
      (c.core->seasonal() ? mult_s : mult_n).push_back(&c);
    }
  }
  if (add_seasonal)
    run_group<false, true>(add, period);
  else
    run_group<false, false>(add, 1);
  run_group<true, true>(mult_s, period);
  run_group<true, false>(mult_n, 1);
}

} // namespace ds::forecast::hw_detail
