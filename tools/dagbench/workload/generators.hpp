// Seeded, deterministic workload generators for dagbench. Each yields
// events in time order (open-loop arrival times in microseconds) until its
// duration ends; the same parameters and seed give the same events on every
// machine (std::mt19937_64 and integer or explicitly computed arithmetic).
#pragma once

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "tools/dagbench/workload/shape.hpp"
#include "tools/dagbench/workload/trace.hpp"

namespace ds::workload {

/// A stream of events in non-decreasing time.
class generator {
public:
  virtual ~generator() = default;
  /// The next event; false when the workload is over.
  virtual bool next(event& e) = 0;
  /// Operations that must run first (mkdir/create of the namespace).
  virtual std::vector<event> setup() const { return {}; }
};

/// Samples ranks 0..n-1 with P(k) proportional to 1 / (k+1)^s by inverting
/// a precomputed cumulative table (exact; O(log n) per sample).
class zipf_sampler {
public:
  zipf_sampler(std::size_t n, double s);
  std::size_t operator()(std::mt19937_64& rng) const;
  /// The probability of rank k.
  double probability(std::size_t k) const;

private:
  std::vector<double> cdf_;
};

/// A uniform double in [0, 1) from 53 random bits (the same on every
/// platform, unlike std::uniform_real_distribution).
double unit(std::mt19937_64& rng);
/// An exponential gap with the given rate per second, in microseconds.
double exp_gap_us(std::mt19937_64& rng, double rate_per_s);

struct common_options {
  uint64_t seed = 1;
  double duration_s = 10;
  uint32_t clients = 16;
};

/// Lookups of the files of `sh`, uniform (zipf_s = 0) or Zipfian over a
/// seeded random ranking of the files, Poisson arrivals at `rate`/s.
std::unique_ptr<generator> make_lookups(shape sh, double rate, double zipf_s,
                                        common_options o);

/// Creates of distinct names in one directory from every client at `rate`/s
/// (the hot-directory case of mdtest and IO500).
std::unique_ptr<generator> make_create_storm(std::string dir, double rate,
                                             common_options o);

/// `dirs` directories whose lookup rates follow daily curves at different
/// phases: rate_d(t) = base * (1 + amplitude * sin(2 pi t / period + phase_d)),
/// phase_d = 2 pi d / dirs; non-homogeneous Poisson arrivals by thinning.
struct diurnal_options {
  std::size_t dirs = 16;
  std::size_t files_per_dir = 64;
  double base_rate = 1000; ///< mean rate of each directory, per second
  double amplitude = 0.8;  ///< 0..1
  double period_s = 60;    ///< one "day"
};
std::unique_ptr<generator> make_diurnal(diurnal_options d, common_options o);
/// The rate of directory `d` at time t (seconds), for tests and reports.
double diurnal_rate(const diurnal_options& d, std::size_t dir, double t_s);

/// Background lookups over many directories, then a flash crowd on one:
/// from ramp_start its rate rises linearly over ramp_s (the precursor that
/// prediction can see) to peak_rate, holds for peak_s, then stops.
struct flash_options {
  std::size_t dirs = 32;
  std::size_t files_per_dir = 64;
  double background_rate = 2000; ///< all directories together, per second
  std::size_t hot_dir = 0;
  double ramp_start_s = 10;
  double ramp_s = 10;
  double peak_rate = 20000;
  double peak_s = 10;
};
std::unique_ptr<generator> make_flash_crowd(flash_options f, common_options o);
/// The hot directory's rate at time t (seconds).
double flash_rate(const flash_options& f, double t_s);

/// Background lookups over many directories and, once every compressed
/// day, a burst of lookups on one of them. By default the same directory at
/// the same time of day: a periodic batch job, which history teaches. With
/// `unannounced`, each day's directory and start are drawn afresh from the
/// seed: bursts that history cannot teach.
struct daily_burst_options {
  std::size_t dirs = 32;
  std::size_t files_per_dir = 64;
  double background_rate = 800; ///< all directories together, per second
  double period_s = 60;         ///< one day
  double start_s = 30;          ///< the batch job's start into each day
  double length_s = 10;
  double peak_rate = 1500; ///< the burst's directory, per second, on top
  std::size_t hot_dir = 0; ///< the batch job's directory
  bool unannounced = false;
};
std::unique_ptr<generator> make_daily_bursts(daily_burst_options b,
                                             common_options o);
/// The directory and start (seconds into the day) of day `day`'s burst.
std::pair<std::size_t, double> burst_of(const daily_burst_options& b,
                                        uint64_t seed, uint64_t day);

/// A file-server mix: stat-heavy lookups, creates, deletes (only of names
/// that exist at that point), readdir. Fractions are normalised.
struct mix_options {
  double stat = 0.60, lookup = 0.15, create = 0.12, remove = 0.08,
         readdir = 0.05;
  double rate = 5000;
};
std::unique_ptr<generator> make_mixed(shape sh, mix_options m,
                                      common_options o);

} // namespace ds::workload
