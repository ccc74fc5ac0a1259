// The tally of a run's decisions, and what counts as a move undone.
#include <doctest/doctest.h>

#include "psm/plan/churn.hpp"

using namespace ds;
using namespace ds::plan;

namespace {

decision make(decision_kind k, int64_t at, uint64_t dir, hash_range r,
              uint32_t from, uint32_t to, uint64_t entries = 0) {
  decision d;
  d.kind = k;
  d.at = at;
  d.part = {dir, r};
  d.from = from;
  d.to = to;
  d.entries = entries;
  return d;
}

constexpr hash_range whole{0, ~0ull};
constexpr hash_range low{0, (1ull << 63) - 1};
constexpr hash_range high{1ull << 63, ~0ull};

} // namespace

TEST_CASE("a tally counts each kind and the entries moved") {
  std::vector<decision> ds{
      make(decision_kind::split, 10, 7, whole, 0, 0),
      make(decision_kind::move, 10, 7, high, 0, 2, 300),
      make(decision_kind::skip_budget, 10, 7, low, 0, 3),
      make(decision_kind::skip_hysteresis, 20, 8, whole, 1, 1),
      make(decision_kind::skip_quiet, 30, 7, high, 2, 0),
      make(decision_kind::consolidate, 90, 9, whole, 3, 1, 40),
  };
  auto c = tally(ds, 60);
  CHECK(c.splits == 1);
  CHECK(c.moves == 1);
  CHECK(c.consolidations == 1);
  CHECK(c.skipped_budget == 1);
  CHECK(c.skipped_hysteresis == 1);
  CHECK(c.skipped_quiet == 1);
  CHECK(c.entries_moved == 340);
  CHECK(c.moves_undone == 0);
}

TEST_CASE("a part brought back to the shard it left within the quiet time "
          "is a move undone") {
  std::vector<decision> ds{
      make(decision_kind::move, 10, 7, high, 0, 2, 300),
      make(decision_kind::move, 40, 7, high, 2, 0, 300),
  };
  CHECK(tally(ds, 60).moves_undone == 1);
  CHECK(tally(ds, 29).moves_undone == 0); // after the quiet time: allowed
  // The planner's quiet time holds a part for the `quiet` slots after its
  // move (planner_rules_test): 30 slots later it may move again.
  CHECK(tally(ds, 30).moves_undone == 0);
  CHECK(tally(ds, 31).moves_undone == 1);
}

TEST_CASE("a consolidation home within the quiet time undoes the moves it "
          "reverses") {
  std::vector<decision> ds{
      make(decision_kind::move, 10, 7, high, 0, 2, 300),
      make(decision_kind::consolidate, 20, 7, whole, 0, 0, 300),
  };
  CHECK(tally(ds, 60).moves_undone == 1);
}

TEST_CASE("moving on, or moving another directory or range, undoes nothing") {
  std::vector<decision> ds{
      make(decision_kind::move, 10, 7, high, 0, 2, 300),
      make(decision_kind::move, 20, 7, high, 2, 3, 300), // onwards
      make(decision_kind::move, 20, 8, high, 2, 0, 300), // another dir
      make(decision_kind::move, 20, 7, low, 1, 0, 300),  // another range
  };
  CHECK(tally(ds, 60).moves_undone == 0);
}
