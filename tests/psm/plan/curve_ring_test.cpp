// The bound of curve_ring: c times the peak of the mean curve, lowered to a
// shard target when one is set, never below the mean curve's peak.
#include "psm/plan/curve_ring.hpp"

#include <doctest/doctest.h>

using ds::plan::curve_ring;

namespace {

std::vector<std::vector<double>> idle(std::size_t shards, std::size_t h) {
  return std::vector<std::vector<double>>(shards, std::vector<double>(h, 0));
}

} // namespace

TEST_CASE("the bound is c times the peak of the mean curve") {
  // 4 shards, 2,800 ops/s to place at the busiest slot: 700 on average.
  curve_ring r{idle(4, 3), {2000, 2800, 2400}, 1.25};
  CHECK(r.bound() == doctest::Approx(875));
}

TEST_CASE("a shard target lowers the bound, never below the mean's peak") {
  CHECK(curve_ring{idle(4, 3), {2000, 2800, 2400}, 1.25, 800}.bound() ==
        doctest::Approx(800));
  // A target above c times the mean changes nothing.
  CHECK(curve_ring{idle(4, 3), {2000, 2800, 2400}, 1.25, 5000}.bound() ==
        doctest::Approx(875));
  // One the total cannot meet: the mean's peak, the least any placement
  // reaches, instead of a bound no shard could keep.
  CHECK(curve_ring{idle(4, 3), {2000, 2800, 2400}, 1.25, 500}.bound() ==
        doctest::Approx(700));
  // 0 is no target.
  CHECK(curve_ring{idle(4, 3), {2000, 2800, 2400}, 1.25, 0}.bound() ==
        doctest::Approx(875));
}

TEST_CASE("with a target, a part goes past a shard that the target fills") {
  // Shard 0 carries 700, shard 1 nothing; 800 more to place in all. The
  // bound without a target is 1.25 * 750 = 937.5, so a part of 200 fits on
  // shard 0 (900); with a target of 800 it does not, and goes to shard 1.
  std::vector<std::vector<double>> base{{700, 700}, {0, 0}};
  std::vector<double> part{200, 200};
  curve_ring loose{base, {800, 800}, 1.25};
  CHECK(loose.choose(42, part, 0, nullptr) == 0);
  curve_ring tight{base, {800, 800}, 1.25, 800};
  CHECK(tight.choose(42, part, 0, nullptr) == 1);
}
