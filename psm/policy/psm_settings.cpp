#include "psm/policy/psm_settings.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>

#include "model/enum_names.hpp"

namespace ds::psm_policy {

namespace {

constexpr enum_names<policy_kind, 5> policy_names{
    {"predictive", "reactive-capacity", "reactive-load", "static", "off"}};

bool parse_double(std::string_view s, double& out) {
  if (s.empty() || s.size() > 64)
    return false;
  std::string str{s};
  char* end = nullptr;
  errno = 0;
  double v = std::strtod(str.c_str(), &end);
  if (errno != 0 || end != str.c_str() + str.size() || !std::isfinite(v))
    return false;
  out = v;
  return true;
}

bool parse_uint(std::string_view s, uint64_t max, uint64_t& out) {
  if (s.empty() || s.size() > 20)
    return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9')
      return false;
    if (v > (max - uint64_t(c - '0')) / 10)
      return false;
    v = v * 10 + uint64_t(c - '0');
  }
  out = v;
  return true;
}

bool power_of_two(uint64_t v) {
  return v != 0 && (v & (v - 1)) == 0;
}

// One rule per setting: does the text parse into an allowed value?
bool good(std::string_view key, std::string_view v) {
  double d = 0;
  uint64_t u = 0;
  if (key == "psm.policy") {
    policy_kind k;
    return parse_policy(v, k);
  }
  if (key == "psm.threshold")
    return parse_double(v, d) && d > 0;
  if (key == "psm.exit-threshold")
    return parse_double(v, d) && d >= 0;
  if (key == "psm.split-fill")
    return parse_double(v, d) && d > 0 && d <= 1;
  if (key == "psm.max-moves")
    return parse_uint(v, 100000, u);
  if (key == "psm.max-entries-moved")
    return parse_uint(v, uint64_t{1} << 40, u);
  if (key == "psm.quiet-time")
    return parse_double(v, d) && d >= 0 && d <= 365 * 86400.0;
  if (key == "psm.cold-periods")
    return parse_uint(v, 100000, u) && u >= 1;
  if (key == "psm.capacity-factor")
    return parse_double(v, d) && d >= 1 && d <= 16;
  if (key == "psm.shard-target")
    return parse_double(v, d) && d >= 0 && d <= 1e12;
  if (key == "psm.cluster-distance")
    return parse_double(v, d) && d >= 0 && d <= 2;
  if (key == "psm.max-split" || key == "psm.static-parts")
    return parse_uint(v, 1024, u) && power_of_two(u);
  if (key == "psm.trust-mase")
    return parse_double(v, d) && d > 0 && d <= 1e6;
  if (key == "psm.decisions-kept")
    return parse_uint(v, 1000000, u) && u >= 1;
  return false;
}

const setting_info* info_of(std::string_view key) {
  for (auto& s : settings_table())
    if (key == s.key)
      return &s;
  return nullptr;
}

double number(const lookup_fn& get, const char* key, double fallback) {
  double d = 0;
  auto v = get(key);
  return v && good(key, *v) && parse_double(*v, d) ? d : fallback;
}

} // namespace

const char* to_string(policy_kind k) {
  return policy_names(k);
}

bool parse_policy(std::string_view s, policy_kind& out) {
  return policy_names.parse(s, out);
}

const std::vector<setting_info>& settings_table() {
  static const std::vector<setting_info> t{
      {"psm.policy",
       "one of predictive, reactive-capacity, reactive-load, static, off", ""},
      {"psm.threshold", "a number of operations per second > 0", "1000"},
      {"psm.exit-threshold",
       "a number of operations per second >= 0, below psm.threshold", ""},
      {"psm.split-fill", "a number in (0, 1]", "0.8"},
      {"psm.max-moves", "a whole number of moves per period, 0 to 100000", "8"},
      {"psm.max-entries-moved", "a whole number of entries per period",
       "100000"},
      {"psm.quiet-time", "a number of seconds >= 0", "600"},
      {"psm.cold-periods", "a whole number of periods >= 1", "3"},
      {"psm.capacity-factor", "a number in [1, 16]", "1.25"},
      {"psm.shard-target",
       "a number of operations per second >= 0 (0: no target)", "0"},
      {"psm.cluster-distance", "a number in [0, 2]", "0.3"},
      {"psm.max-split", "a power of two from 1 to 1024", "64"},
      {"psm.static-parts", "a power of two from 1 to 1024", "8"},
      {"psm.decisions-kept", "a whole number from 1 to 1000000", "10000"},
      {"psm.trust-mase", "a number in (0, 1000000]", "2"},
  };
  return t;
}

bool is_psm_key(std::string_view key) {
  return key.substr(0, 4) == "psm.";
}

std::string check_value(std::string_view key, std::string_view value) {
  if (!is_psm_key(key))
    return {};
  auto info = info_of(key);
  if (!info)
    return std::string{key} + ": no such setting (psm settings: see " +
           "`dagctl psm settings`)";
  if (!good(key, value))
    return std::string{key} + ": must be " + info->must_be + ", not '" +
           std::string{value} + "'";
  return {};
}

std::string check_set(std::string_view key, std::string_view value,
                      const lookup_fn& current) {
  if (auto err = check_value(key, value); !err.empty())
    return err;
  if (key != "psm.threshold" && key != "psm.exit-threshold")
    return {};
  // The exit threshold must stay below the threshold (hysteresis).
  auto with = [&](const std::string& k) -> std::optional<std::string> {
    if (k == key)
      return std::string{value};
    return current(k);
  };
  double t = number(with, "psm.threshold", 1000);
  auto exit = with("psm.exit-threshold");
  if (!exit)
    return {}; // derived: half the threshold
  double e = number(with, "psm.exit-threshold", t / 2);
  if (e < t)
    return {};
  if (key == "psm.threshold")
    return "psm.threshold: must be above psm.exit-threshold (" + *exit +
           "), not '" + std::string{value} + "'";
  return "psm.exit-threshold: must be below psm.threshold (" +
         std::to_string(t) + "), not '" + std::string{value} + "'";
}

double read_number(const lookup_fn& current, const char* key, double fallback) {
  return number(current, key, fallback);
}

} // namespace ds::psm_policy
