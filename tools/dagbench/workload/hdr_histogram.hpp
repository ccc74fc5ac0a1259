// A latency histogram with HDR buckets: every value is kept to within
// 1 / 2^(sub-bucket bits) of itself (3 significant decimal digits: relative
// error below 0.1%) over a fixed range, in memory that grows with the log of
// the range. Recording is a shift and an increment; histograms of the same
// shape merge by adding counts.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ds::workload {

class hdr_histogram {
public:
  /// Values in [lowest, highest] (any unit, e.g. nanoseconds) with
  /// `digits` significant decimal digits (1..5). Values outside are clamped
  /// and counted in clamped(). REQUIRES 1 <= lowest, 2 * lowest <= highest.
  explicit hdr_histogram(int64_t lowest = 1,
                         int64_t highest = 3'600'000'000'000, int digits = 3);

  void record(int64_t value, uint64_t count = 1);
  /// Adds another histogram's counts; false (and nothing added) if the
  /// shapes differ.
  bool merge(const hdr_histogram& other);
  void reset();

  uint64_t count() const { return total_; }
  uint64_t clamped() const { return clamped_; }
  int64_t min() const;
  int64_t max() const;
  double mean() const;
  /// The smallest recorded value v (to the histogram's precision: the
  /// highest value equivalent to v's bucket, capped at max()) such that at
  /// least q percent of values are <= v. q in [0, 100]; 0 if empty.
  int64_t percentile(double q) const;
  /// Largest relative error of a recorded value (e.g. 1/2048).
  double precision() const;

  /// A compact text form ("hdr1 lowest highest digits idx:count ...").
  std::string encode() const;
  /// Parses encode(); false on malformed text (out unchanged).
  static bool decode(const std::string& text, hdr_histogram& out);

private:
  std::size_t index_of(int64_t v) const;
  int64_t lowest_at(std::size_t index) const;
  int64_t highest_at(std::size_t index) const;

  int64_t lowest_, highest_;
  int digits_;
  int unit_magnitude_;
  int sub_bucket_half_magnitude_;
  int64_t sub_bucket_count_;
  int64_t sub_bucket_half_;
  int64_t sub_bucket_mask_;
  int bucket_count_;
  std::vector<uint64_t> counts_;
  uint64_t total_ = 0;
  uint64_t clamped_ = 0;
  int64_t min_ = INT64_MAX;
  int64_t max_ = 0;
  long double sum_ = 0;
};

} // namespace ds::workload
