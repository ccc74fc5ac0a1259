// Unconstrained minimisers for fitting forecasting models by likelihood.
// Parameters with bounds are mapped onto the real line by the caller (logit,
// log, ...). Both minimisers are deterministic: same input, same result.
#pragma once

#include <armadillo>

#include <functional>

namespace ds::forecast {

/// The function to minimise. It may return +inf (or NaN, treated as +inf) for
/// points outside its domain; the minimisers then back off.
using objective = std::function<double(const arma::vec&)>;

/// Stopping rules shared by the minimisers.
struct optim_options {
  /// Initial simplex edge (Nelder-Mead) relative to max(1, |x0_i|).
  double step = 0.1;
  /// Stop when the objective improves by less than rel_tol * (|f| + abs_tol).
  double rel_tol = 1e-10;
  double abs_tol = 1e-12;
  /// Upper bound on iterations (Nelder-Mead: simplex steps; BFGS: line
  /// searches).
  int max_iter = 2000;
  /// Central-difference step for numerical gradients (BFGS).
  double grad_step = 1e-5;
};

/// Where a minimiser stopped.
struct optim_result {
  arma::vec x;            ///< best point found
  double value = 0;       ///< objective at x (+inf if no finite point seen)
  int iterations = 0;     ///< iterations used
  int evaluations = 0;    ///< objective evaluations
  bool converged = false; ///< stopped by the tolerance, not by max_iter
};

/// Nelder-Mead simplex with the dimension-adaptive coefficients of Gao and
/// Han (2012). Robust on non-smooth or noisy objectives; slow in many
/// dimensions.
optim_result nelder_mead(const objective& f, const arma::vec& x0,
                         const optim_options& opt = {});

/// Quasi-Newton BFGS with central-difference gradients and a backtracking
/// (Armijo) line search, as R's optim(method = "BFGS") uses for ARIMA. Fast
/// on smooth objectives; falls back to a steepest-descent step when the
/// curvature update breaks down.
optim_result bfgs(const objective& f, const arma::vec& x0,
                  const optim_options& opt = {});

/// The central-difference gradient of f at x (h relative to max(1, |x_i|)).
arma::vec numeric_gradient(const objective& f, const arma::vec& x, double h,
                           int* evaluations = nullptr);

} // namespace ds::forecast
