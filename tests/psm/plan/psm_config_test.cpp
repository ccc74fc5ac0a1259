// The psm.* settings parsed into the policy and the planner's settings:
// what is set is taken, defaults elsewhere.
#include <doctest/doctest.h>

#include <map>
#include <string>

#include "psm/plan/psm_config.hpp"

using ds::plan::read_config;
using ds::psm_policy::lookup_fn;
using ds::psm_policy::policy_kind;

namespace {

lookup_fn from(const std::map<std::string, std::string>& m) {
  return [m](const std::string& k) -> std::optional<std::string> {
    auto i = m.find(k);
    if (i == m.end())
      return std::nullopt;
    return i->second;
  };
}

} // namespace

TEST_CASE("the parsed settings follow what is set, defaults elsewhere") {
  auto s = read_config(from({}), policy_kind::predictive);
  CHECK(s.policy == policy_kind::predictive);
  CHECK(s.plan.threshold == 1000);
  CHECK(s.plan.exit_threshold == 500);
  CHECK(s.plan.max_moves == 8);
  CHECK(s.quiet_seconds == 600);
  CHECK(s.plan.shard_target == 0);
  s = read_config(from({{"psm.policy", "static"},
                        {"psm.shard-target", "800"},
                        {"psm.threshold", "50"},
                        {"psm.max-moves", "2"},
                        {"psm.static-parts", "16"},
                        {"psm.quiet-time", "30"}}),
                  policy_kind::predictive);
  CHECK(s.policy == policy_kind::fixed);
  CHECK(s.plan.threshold == 50);
  CHECK(s.plan.exit_threshold == 25);
  CHECK(s.plan.max_moves == 2);
  CHECK(s.static_parts == 16);
  CHECK(s.quiet_seconds == 30);
  CHECK(s.plan.shard_target == 800);
}

TEST_CASE("an exit threshold at or above the threshold reads as its half") {
  // Not possible through check_set; read_config keeps the order anyway.
  auto s = read_config(
      from({{"psm.threshold", "100"}, {"psm.exit-threshold", "300"}}),
      policy_kind::off);
  CHECK(s.plan.threshold == 100);
  CHECK(s.plan.exit_threshold == 50);
}
