#include "tools/dagbench/workload/hdr_histogram.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <stdexcept>

namespace ds::workload {

namespace {

int floor_log2(uint64_t v) {
  return 63 - __builtin_clzll(v);
}

} // namespace

hdr_histogram::hdr_histogram(int64_t lowest, int64_t highest, int digits)
    : lowest_(lowest), highest_(highest), digits_(digits) {
  if (lowest < 1 || highest < 2 * lowest || digits < 1 || digits > 5)
    throw std::invalid_argument("hdr_histogram: bad range or precision");
  // Enough sub-buckets to resolve 1 part in 10^digits, in powers of two.
  int64_t resolution = 2;
  for (int i = 0; i < digits; ++i)
    resolution *= 10;
  int sub_magnitude =
      static_cast<int>(std::ceil(std::log2(double(resolution))));
  sub_bucket_half_magnitude_ = sub_magnitude - 1;
  sub_bucket_count_ = int64_t{1} << sub_magnitude;
  sub_bucket_half_ = sub_bucket_count_ / 2;
  unit_magnitude_ = floor_log2(static_cast<uint64_t>(lowest));
  sub_bucket_mask_ = (sub_bucket_count_ - 1) << unit_magnitude_;
  // Buckets until the range covers `highest`.
  int64_t reach = sub_bucket_count_ << unit_magnitude_;
  bucket_count_ = 1;
  while (reach <= highest) {
    if (reach > INT64_MAX / 2) {
      ++bucket_count_;
      break;
    }
    reach <<= 1;
    ++bucket_count_;
  }
  counts_.assign(
      static_cast<std::size_t>((bucket_count_ + 1) * sub_bucket_half_), 0);
}

std::size_t hdr_histogram::index_of(int64_t v) const {
  int bucket = floor_log2(static_cast<uint64_t>(v | sub_bucket_mask_)) -
               unit_magnitude_ - sub_bucket_half_magnitude_;
  int64_t sub = v >> (bucket + unit_magnitude_);
  return static_cast<std::size_t>(
      ((int64_t(bucket) + 1) << sub_bucket_half_magnitude_) +
      (sub - sub_bucket_half_));
}

int64_t hdr_histogram::lowest_at(std::size_t index) const {
  int64_t i = static_cast<int64_t>(index);
  int bucket = static_cast<int>(i >> sub_bucket_half_magnitude_) - 1;
  int64_t sub = (i & (sub_bucket_half_ - 1)) + sub_bucket_half_;
  if (bucket < 0) {
    sub -= sub_bucket_half_;
    bucket = 0;
  }
  return sub << (bucket + unit_magnitude_);
}

int64_t hdr_histogram::highest_at(std::size_t index) const {
  int64_t i = static_cast<int64_t>(index);
  int bucket =
      std::max(0, static_cast<int>(i >> sub_bucket_half_magnitude_) - 1);
  return lowest_at(index) + (int64_t{1} << (bucket + unit_magnitude_)) - 1;
}

void hdr_histogram::record(int64_t value, uint64_t count) {
  if (count == 0)
    return;
  if (value < lowest_ || value > highest_) {
    clamped_ += count;
    value = std::clamp(value, lowest_, highest_);
  }
  counts_[index_of(value)] += count;
  total_ += count;
  min_ = std::min(min_, value);
  max_ = std::max(max_, value);
  sum_ += static_cast<long double>(value) * count;
}

bool hdr_histogram::merge(const hdr_histogram& o) {
  if (o.lowest_ != lowest_ || o.highest_ != highest_ || o.digits_ != digits_)
    return false;
  for (std::size_t i = 0; i < counts_.size(); ++i)
    counts_[i] += o.counts_[i];
  total_ += o.total_;
  clamped_ += o.clamped_;
  min_ = std::min(min_, o.min_);
  max_ = std::max(max_, o.max_);
  sum_ += o.sum_;
  return true;
}

void hdr_histogram::reset() {
  std::fill(counts_.begin(), counts_.end(), 0);
  total_ = clamped_ = 0;
  min_ = INT64_MAX;
  max_ = 0;
  sum_ = 0;
}

int64_t hdr_histogram::min() const {
  return total_ ? min_ : 0;
}
int64_t hdr_histogram::max() const {
  return total_ ? max_ : 0;
}
double hdr_histogram::mean() const {
  return total_ ? static_cast<double>(sum_ / total_) : 0.0;
}
double hdr_histogram::precision() const {
  return 1.0 / double(sub_bucket_half_);
}

int64_t hdr_histogram::percentile(double q) const {
  if (total_ == 0)
    return 0;
  q = std::clamp(q, 0.0, 100.0);
  auto target = static_cast<uint64_t>(std::ceil(q / 100.0 * double(total_)));
  target = std::max<uint64_t>(1, target);
  uint64_t seen = 0;
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= target)
      return std::min(highest_at(i), max_);
  }
  return max_;
}

std::string hdr_histogram::encode() const {
  std::ostringstream out;
  out << "hdr1 " << lowest_ << ' ' << highest_ << ' ' << digits_ << ' ' << min()
      << ' ' << max() << ' ' << clamped_;
  for (std::size_t i = 0; i < counts_.size(); ++i)
    if (counts_[i])
      out << ' ' << i << ':' << counts_[i];
  return out.str();
}

bool hdr_histogram::decode(const std::string& text, hdr_histogram& out) {
  std::istringstream in(text);
  std::string tag;
  int64_t lo, hi, mn, mx;
  int digits;
  uint64_t clamped;
  if (!(in >> tag >> lo >> hi >> digits >> mn >> mx >> clamped) ||
      tag != "hdr1")
    return false;
  try {
    hdr_histogram h(lo, hi, digits);
    std::string item;
    while (in >> item) {
      auto colon = item.find(':');
      if (colon == std::string::npos)
        return false;
      std::size_t i = std::stoull(item.substr(0, colon));
      uint64_t c = std::stoull(item.substr(colon + 1));
      if (i >= h.counts_.size())
        return false;
      h.counts_[i] += c;
      h.total_ += c;
      h.sum_ += static_cast<long double>(h.lowest_at(i)) * c;
    }
    h.clamped_ = clamped;
    if (h.total_) {
      h.min_ = mn;
      h.max_ = mx;
    }
    out = std::move(h);
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

} // namespace ds::workload
