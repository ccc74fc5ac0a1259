// Unconstrained minimisers for fitting forecasting models by likelihood.
// Parameters with bounds are mapped onto the real line by the caller (logit,
// log, ...). Both minimisers are deterministic: same input, same result.
#pragma once

#include <armadillo>

#include <functional>
#include <vector>

namespace ds::forecast {

/// The function to minimise. It may return +inf (or NaN, treated as +inf) for
/// points outside its domain; the minimisers then back off.
using objective = std::function<double(const arma::vec&)>;

/// The same function at many points at once (values in `out`, one per
/// point, exactly what the objective gives for each): lets a model whose
/// likelihood is one long serial recursion run the recursions of a whole
/// numerical gradient side by side.
using batch_objective =
    std::function<void(const std::vector<arma::vec>&, std::vector<double>&)>;

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

/// nelder_mead as a state machine: ask() gives the points the search needs
/// next (the whole first simplex, one trial point, or a shrunk simplex),
/// tell() takes their values in the same order. Many searches can then share
/// one batched evaluation; stepped with f it is nelder_mead exactly.
class nm_stepper {
public:
  nm_stepper(const arma::vec& x0, const optim_options& opt);
  bool done() const { return state_ == phase::done; }
  const std::vector<arma::vec>& ask() const { return ask_; }
  void tell(const std::vector<double>& values);
  const optim_result& result() const { return res_; }

private:
  enum class phase { start, reflect, expand, contract, shrink, done };
  void next_iteration();
  void iteration_done();
  void finish();

  optim_options opt_;
  arma::uword n_;
  double alpha_ = 1, beta_ = 1, gamma_ = 1, delta_ = 1;
  std::vector<arma::vec> pts_, ask_;
  std::vector<double> val_;
  arma::uword best_ = 0, worst_ = 0, second_ = 0;
  arma::vec centroid_, xr_;
  double fr_ = 0;
  bool outside_ = false;
  phase state_ = phase::start;
  optim_result res_;
};

/// Quasi-Newton BFGS with central-difference gradients and a backtracking
/// (Armijo) line search, as R's optim(method = "BFGS") uses for ARIMA. Fast
/// on smooth objectives; falls back to a steepest-descent step when the
/// curvature update breaks down.
optim_result bfgs(const objective& f, const arma::vec& x0,
                  const optim_options& opt = {},
                  const batch_objective& batch = {});

/// The central-difference gradient of f at x (h relative to max(1, |x_i|)).
/// With `batch`, the 2n points are evaluated by it in one call (the same
/// values, so the same gradient).
arma::vec numeric_gradient(const objective& f, const arma::vec& x, double h,
                           int* evaluations = nullptr,
                           const batch_objective& batch = {});

} // namespace ds::forecast
