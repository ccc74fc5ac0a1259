// The psm.* settings: every bad value is refused by name, the thresholds
// keep their order, and a numeric setting reads as set or falls back.
#include <doctest/doctest.h>

#include <map>

#include "psm/policy/psm_settings.hpp"

using namespace ds::psm_policy;

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

TEST_CASE("each psm setting refuses bad values, naming itself") {
  struct bad {
    const char* key;
    const char* value;
  };
  for (auto [k, v] : std::vector<bad>{{"psm.policy", "predictve"},
                                      {"psm.policy", ""},
                                      {"psm.threshold", "0"},
                                      {"psm.threshold", "-5"},
                                      {"psm.threshold", "nan"},
                                      {"psm.threshold", "inf"},
                                      {"psm.threshold", "10 ops"},
                                      {"psm.exit-threshold", "-1"},
                                      {"psm.split-fill", "1.5"},
                                      {"psm.split-fill", "0"},
                                      {"psm.max-moves", "-1"},
                                      {"psm.max-moves", "2.5"},
                                      {"psm.max-moves", "99999999999999999999"},
                                      {"psm.quiet-time", "-1"},
                                      {"psm.cold-periods", "0"},
                                      {"psm.capacity-factor", "0.9"},
                                      {"psm.shard-target", "-1"},
                                      {"psm.shard-target", "nan"},
                                      {"psm.shard-target", "fast"},
                                      {"psm.cluster-distance", "3"},
                                      {"psm.max-split", "6"},
                                      {"psm.max-split", "2048"},
                                      {"psm.static-parts", "0"},
                                      {"psm.decisions-kept", "0"},
                                      {"psm.trust-mase", "0"},
                                      {"psm.trust-mase", "-1"},
                                      {"psm.trust-mase", "nan"},
                                      {"psm.thresold", "10"}}) {
    CAPTURE(k);
    CAPTURE(v);
    auto err = check_value(k, v);
    CHECK(err.rfind(std::string{k} + ":", 0) == 0);
  }
  for (auto& s : settings_table())
    if (*s.fallback)
      CHECK(check_value(s.key, s.fallback) == "");
  CHECK(check_value("psm.policy", "reactive-load") == "");
  CHECK(check_value("psm.quiet-time", "0.5") == "");
  CHECK(check_value("other.key", "anything") == ""); // not ours
}

TEST_CASE("the exit threshold stays below the threshold, whichever is set") {
  std::map<std::string, std::string> cur{{"psm.exit-threshold", "400"}};
  CHECK(check_set("psm.threshold", "500", from(cur)) == "");
  auto err = check_set("psm.threshold", "300", from(cur));
  CHECK(err.rfind("psm.threshold: must be above psm.exit-threshold", 0) == 0);
  cur = {{"psm.threshold", "100"}};
  CHECK(check_set("psm.exit-threshold", "99", from(cur)) == "");
  err = check_set("psm.exit-threshold", "100", from(cur));
  CHECK(err.rfind("psm.exit-threshold: must be below", 0) == 0);
  // Unset, the exit threshold is half the threshold: any threshold is fine.
  CHECK(check_set("psm.threshold", "1", from({})) == "");
}

TEST_CASE("a numeric setting reads as set, the fallback when unset or bad") {
  auto cur = from({{"psm.threshold", "250"}, {"psm.split-fill", "2"}});
  CHECK(read_number(cur, "psm.threshold", 1000) == 250);
  CHECK(read_number(cur, "psm.max-moves", 8) == 8);      // unset
  CHECK(read_number(cur, "psm.split-fill", 0.8) == 0.8); // out of (0, 1]
}

TEST_CASE("each policy name parses back to itself") {
  policy_kind k;
  for (auto name :
       {"predictive", "reactive-capacity", "reactive-load", "static", "off"}) {
    REQUIRE(parse_policy(name, k));
    CHECK(std::string{to_string(k)} == name);
  }
  CHECK_FALSE(parse_policy("Predictive", k));
}
