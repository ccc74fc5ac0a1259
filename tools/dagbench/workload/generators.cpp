#include "tools/dagbench/workload/generators.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <optional>
#include <stdexcept>
#include <unordered_map>

namespace ds::workload {

namespace {

constexpr double pi = 3.14159265358979323846;

std::vector<event> setup_of(const shape& sh) {
  std::vector<event> out;
  for (auto& d : sh.dirs)
    out.push_back(event{0, op_kind::mkdir, d, 0});
  for (auto& f : sh.files)
    out.push_back(event{0, op_kind::create, f, 0});
  return out;
}

// mkdir of every proper prefix of `dir` and of dir itself.
std::vector<event> mkdirs_of(const std::string& dir) {
  std::vector<event> out;
  for (auto p = dir.find('/', 1); p != std::string::npos;
       p = dir.find('/', p + 1))
    out.push_back(event{0, op_kind::mkdir, dir.substr(0, p), 0});
  out.push_back(event{0, op_kind::mkdir, dir, 0});
  return out;
}

// A lookup at `t_us` of a random file of directory `dir` in a flat shape.
event lookup_in(const shape& sh, std::size_t dir, std::size_t files_per_dir,
                double t_us, std::mt19937_64& rng, uint32_t clients) {
  std::size_t f = rng() % files_per_dir;
  return event{static_cast<int64_t>(t_us), op_kind::lookup,
               sh.files[dir * files_per_dir + f],
               static_cast<uint32_t>(rng() % clients)};
}

void check_common(const common_options& o) {
  if (!(o.duration_s > 0) || o.clients == 0)
    throw std::invalid_argument(
        "workload: duration must be > 0 and clients >= 1");
}

class lookups : public generator {
public:
  lookups(shape sh, double rate, double s, common_options o)
      : sh_(std::move(sh)), rate_(rate), o_(o), rng_(o.seed) {
    check_common(o);
    if (sh_.files.empty() || !(rate > 0) || s < 0)
      throw std::invalid_argument("lookups: need files, rate > 0, zipf s >= 0");
    if (s > 0) {
      zipf_ = std::make_unique<zipf_sampler>(sh_.files.size(), s);
      order_.resize(sh_.files.size());
      std::iota(order_.begin(), order_.end(), 0);
      for (std::size_t i = order_.size(); i > 1; --i) // seeded shuffle
        std::swap(order_[i - 1], order_[rng_() % i]);
    }
  }
  std::vector<event> setup() const override { return setup_of(sh_); }
  bool next(event& e) override {
    t_ += exp_gap_us(rng_, rate_);
    if (t_ > o_.duration_s * 1e6)
      return false;
    std::size_t k = zipf_ ? order_[(*zipf_)(rng_)] : rng_() % sh_.files.size();
    e = event{static_cast<int64_t>(t_), op_kind::lookup, sh_.files[k],
              static_cast<uint32_t>(rng_() % o_.clients)};
    return true;
  }

private:
  shape sh_;
  double rate_;
  common_options o_;
  std::mt19937_64 rng_;
  std::unique_ptr<zipf_sampler> zipf_;
  std::vector<std::size_t> order_;
  double t_ = 0;
};

class create_storm : public generator {
public:
  create_storm(std::string dir, double rate, common_options o)
      : dir_(std::move(dir)), rate_(rate), o_(o), rng_(o.seed),
        seq_(o.clients, 0) {
    check_common(o);
    if (!(rate > 0) || dir_.empty() || dir_[0] != '/')
      throw std::invalid_argument(
          "create storm: need an absolute directory and rate > 0");
  }
  std::vector<event> setup() const override { return mkdirs_of(dir_); }
  bool next(event& e) override {
    t_ += exp_gap_us(rng_, rate_);
    if (t_ > o_.duration_s * 1e6)
      return false;
    auto c = static_cast<uint32_t>(rng_() % o_.clients);
    e = event{static_cast<int64_t>(t_), op_kind::create,
              dir_ + "/c" + std::to_string(c) + "-" + std::to_string(seq_[c]++),
              c};
    return true;
  }

private:
  std::string dir_;
  double rate_;
  common_options o_;
  std::mt19937_64 rng_;
  std::vector<uint64_t> seq_;
  double t_ = 0;
};

// Lookups into a flat shape whose directories' rates vary in time: a
// Poisson process at the peak rate `max_`, thinned by pick() (each
// candidate lands in one directory, or is dropped).
class thinned_lookups : public generator {
public:
  std::vector<event> setup() const override { return setup_of(sh_); }
  bool next(event& e) override {
    for (;;) {
      t_ += exp_gap_us(rng_, max_);
      if (t_ > o_.duration_s * 1e6)
        return false;
      auto dir = pick(t_ / 1e6);
      if (!dir)
        continue; // thinned
      e = lookup_in(sh_, *dir, files_per_dir_, t_, rng_, o_.clients);
      return true;
    }
  }

protected:
  thinned_lookups(shape sh, std::size_t files_per_dir, common_options o)
      : o_(o), rng_(o.seed), sh_(std::move(sh)), files_per_dir_(files_per_dir) {
    check_common(o);
  }
  /// The directory of a candidate at `t_s` seconds, or none; draws from rng_.
  virtual std::optional<std::size_t> pick(double t_s) = 0;

  common_options o_;
  std::mt19937_64 rng_;
  shape sh_;
  std::size_t files_per_dir_;
  double max_ = 0; ///< ops/s: the rate of candidates
  double t_ = 0;   ///< µs
};

class diurnal : public thinned_lookups {
public:
  diurnal(diurnal_options d, common_options o)
      : thinned_lookups(flat_shape("/diurnal", d.dirs, d.files_per_dir),
                        d.files_per_dir, o),
        d_(d) {
    if (d.dirs == 0 || d.files_per_dir == 0 || !(d.base_rate > 0) ||
        d.amplitude < 0 || d.amplitude > 1 || !(d.period_s > 0))
      throw std::invalid_argument("diurnal: bad options");
    max_ = d.base_rate * (1 + d.amplitude) * double(d.dirs);
    peak_ = d.base_rate * (1 + d.amplitude);
  }

private:
  std::optional<std::size_t> pick(double t_s) override {
    std::size_t dir = rng_() % d_.dirs;
    if (unit(rng_) * peak_ >= diurnal_rate(d_, dir, t_s))
      return std::nullopt;
    return dir;
  }

  diurnal_options d_;
  double peak_ = 0; ///< ops/s of one directory at its peak
};

class flash_crowd : public thinned_lookups {
public:
  flash_crowd(flash_options f, common_options o)
      : thinned_lookups(flat_shape("/flash", f.dirs, f.files_per_dir),
                        f.files_per_dir, o),
        f_(f) {
    if (f.dirs == 0 || f.files_per_dir == 0 || f.hot_dir >= f.dirs ||
        f.background_rate < 0 || !(f.peak_rate > 0) || f.ramp_s < 0 ||
        f.peak_s < 0)
      throw std::invalid_argument("flash crowd: bad options");
    max_ = f.background_rate + f.peak_rate;
  }

private:
  std::optional<std::size_t> pick(double t_s) override {
    double u = unit(rng_) * max_;
    if (u < f_.background_rate)
      return rng_() % f_.dirs;
    if (u < f_.background_rate + flash_rate(f_, t_s))
      return f_.hot_dir;
    return std::nullopt;
  }

  flash_options f_;
};

class daily_bursts : public thinned_lookups {
public:
  daily_bursts(daily_burst_options b, common_options o)
      : thinned_lookups(flat_shape(b.unannounced ? "/bursts" : "/batch", b.dirs,
                                   b.files_per_dir),
                        b.files_per_dir, o),
        b_(b), seed_(o.seed) {
    if (b.dirs == 0 || b.files_per_dir == 0 || b.hot_dir >= b.dirs ||
        b.background_rate < 0 || !(b.peak_rate > 0) || !(b.period_s > 0) ||
        !(b.length_s > 0) || b.length_s * 3 > b.period_s || b.start_s < 0 ||
        b.start_s + b.length_s > b.period_s)
      throw std::invalid_argument("daily bursts: bad options (the burst must "
                                  "fit in a third of the day)");
    max_ = b.background_rate + b.peak_rate;
  }

private:
  std::optional<std::size_t> pick(double t_s) override {
    double u = unit(rng_) * max_;
    if (u < b_.background_rate)
      return rng_() % b_.dirs;
    auto day = static_cast<uint64_t>(t_s / b_.period_s);
    if (day != day_ || !known_) {
      burst_ = burst_of(b_, seed_, day);
      day_ = day;
      known_ = true;
    }
    double x = t_s - double(day) * b_.period_s - burst_.second;
    if (x >= 0 && x < b_.length_s)
      return burst_.first;
    return std::nullopt;
  }

  daily_burst_options b_;
  uint64_t seed_;
  uint64_t day_ = 0;
  bool known_ = false;
  std::pair<std::size_t, double> burst_;
};

class mixed : public generator {
public:
  mixed(shape sh, mix_options m, common_options o)
      : sh_(std::move(sh)), m_(m), o_(o), rng_(o.seed), live_(sh_.files) {
    check_common(o);
    double w[] = {m.stat, m.lookup, m.create, m.remove, m.readdir};
    double sum = 0;
    for (double x : w) {
      if (x < 0)
        throw std::invalid_argument("mixed: fractions must be >= 0");
      sum += x;
    }
    if (!(sum > 0) || !(m.rate > 0) || sh_.dirs.empty())
      throw std::invalid_argument(
          "mixed: need directories, a positive mix and rate");
    double acc = 0;
    for (int i = 0; i < 5; ++i)
      cum_[i] = (acc += w[i] / sum);
    for (std::size_t i = 0; i < live_.size(); ++i)
      where_[live_[i]] = i;
  }
  std::vector<event> setup() const override { return setup_of(sh_); }
  bool next(event& e) override {
    t_ += exp_gap_us(rng_, m_.rate);
    if (t_ > o_.duration_s * 1e6)
      return false;
    double u = unit(rng_);
    int kind = 0;
    while (kind < 4 && u >= cum_[kind])
      ++kind;
    e.time_us = static_cast<int64_t>(t_);
    e.client = static_cast<uint32_t>(rng_() % o_.clients);
    if ((kind == 0 || kind == 1 || kind == 3) && live_.empty())
      kind = 2; // nothing to look at or delete: create instead
    switch (kind) {
    case 0:
    case 1:
      e.op = kind == 0 ? op_kind::stat : op_kind::lookup;
      e.path = live_[rng_() % live_.size()];
      break;
    case 2: {
      e.op = op_kind::create;
      e.path =
          sh_.dirs[rng_() % sh_.dirs.size()] + "/n" + std::to_string(seq_++);
      where_[e.path] = live_.size();
      live_.push_back(e.path);
      break;
    }
    case 3: {
      e.op = op_kind::remove;
      std::size_t i = rng_() % live_.size();
      e.path = live_[i];
      where_[live_.back()] = i;
      std::swap(live_[i], live_.back());
      live_.pop_back();
      where_.erase(e.path);
      break;
    }
    default:
      e.op = op_kind::readdir;
      e.path = sh_.dirs[rng_() % sh_.dirs.size()];
    }
    return true;
  }

private:
  shape sh_;
  mix_options m_;
  common_options o_;
  std::mt19937_64 rng_;
  std::vector<std::string> live_;
  std::unordered_map<std::string, std::size_t> where_;
  double cum_[5] = {};
  uint64_t seq_ = 0;
  double t_ = 0;
};

} // namespace

double unit(std::mt19937_64& rng) {
  return double(rng() >> 11) * 0x1.0p-53;
}

double exp_gap_us(std::mt19937_64& rng, double rate_per_s) {
  return -std::log1p(-unit(rng)) / rate_per_s * 1e6;
}

zipf_sampler::zipf_sampler(std::size_t n, double s) : cdf_(n) {
  if (n == 0)
    throw std::invalid_argument("zipf: n must be >= 1");
  double acc = 0;
  for (std::size_t k = 0; k < n; ++k)
    cdf_[k] = (acc += std::pow(double(k + 1), -s));
  for (auto& c : cdf_)
    c /= acc;
  cdf_.back() = 1.0;
}

std::size_t zipf_sampler::operator()(std::mt19937_64& rng) const {
  double u = unit(rng);
  return static_cast<std::size_t>(
      std::upper_bound(cdf_.begin(), cdf_.end(), u) - cdf_.begin());
}

double zipf_sampler::probability(std::size_t k) const {
  return k == 0 ? cdf_[0] : cdf_[k] - cdf_[k - 1];
}

double diurnal_rate(const diurnal_options& d, std::size_t dir, double t_s) {
  double phase = 2 * pi * double(dir) / double(d.dirs);
  return d.base_rate *
         (1 + d.amplitude * std::sin(2 * pi * t_s / d.period_s + phase));
}

double flash_rate(const flash_options& f, double t_s) {
  double x = t_s - f.ramp_start_s;
  if (x < 0)
    return 0;
  if (x < f.ramp_s)
    return f.peak_rate * x / f.ramp_s;
  if (x < f.ramp_s + f.peak_s)
    return f.peak_rate;
  return 0;
}

std::unique_ptr<generator> make_lookups(shape sh, double rate, double zipf_s,
                                        common_options o) {
  return std::make_unique<lookups>(std::move(sh), rate, zipf_s, o);
}
std::unique_ptr<generator> make_create_storm(std::string dir, double rate,
                                             common_options o) {
  return std::make_unique<create_storm>(std::move(dir), rate, o);
}
std::unique_ptr<generator> make_diurnal(diurnal_options d, common_options o) {
  return std::make_unique<diurnal>(d, o);
}
std::unique_ptr<generator> make_flash_crowd(flash_options f, common_options o) {
  return std::make_unique<flash_crowd>(f, o);
}
std::pair<std::size_t, double> burst_of(const daily_burst_options& b,
                                        uint64_t seed, uint64_t day) {
  if (!b.unannounced)
    return {b.hot_dir, b.start_s};
  // Drawn from the seed and the day alone: every replay sees the same days.
  std::mt19937_64 rng{seed * 0x9E3779B97F4A7C15ull + day + 1};
  auto dir = static_cast<std::size_t>(rng() % b.dirs);
  // Away from the day's edges, so that a burst never spans two days.
  double start = b.length_s + unit(rng) * (b.period_s - 3 * b.length_s);
  return {dir, start};
}
std::unique_ptr<generator> make_daily_bursts(daily_burst_options b,
                                             common_options o) {
  return std::make_unique<daily_bursts>(b, o);
}
std::unique_ptr<generator> make_mixed(shape sh, mix_options m,
                                      common_options o) {
  return std::make_unique<mixed>(std::move(sh), m, o);
}

} // namespace ds::workload
