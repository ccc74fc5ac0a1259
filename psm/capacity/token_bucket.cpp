#include "psm/capacity/token_bucket.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace ds::capacity {

token_bucket::token_bucket(double rate, double burst)
    : rate_(rate), burst_(burst) {
  if (!std::isfinite(rate) || rate < 0)
    throw std::invalid_argument("token_bucket: rate must be a number >= 0");
  if (!std::isfinite(burst) || burst < 1)
    throw std::invalid_argument("token_bucket: burst must be >= 1");
  if (rate > 0) {
    interval_ = 1.0 / rate;
    tolerance_ = (burst - 1) * interval_;
  }
}

double token_bucket::next_service(double now) const {
  if (rate_ == 0 || !started_)
    return now;
  return std::max(now, tat_ - tolerance_);
}

double token_bucket::serve(double arrival) {
  if (!std::isfinite(arrival) || (started_ && arrival < last_arrival_))
    throw std::invalid_argument(
        "token_bucket: arrivals must be finite and in order");
  double at = next_service(arrival);
  // The next op's theoretical time: one interval after this one's, or
  // after its arrival if the bucket refilled meanwhile (capped at burst by
  // the tolerance).
  tat_ = (started_ ? std::max(tat_, at) : at) + interval_;
  last_arrival_ = arrival;
  started_ = true;
  return at;
}

} // namespace ds::capacity
