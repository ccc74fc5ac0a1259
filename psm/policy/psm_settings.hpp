// The PSM's cluster settings (psm.*): their names, defaults and checks.
// Kept in the replicated settings, so a change reaches every node's planner
// and is checked where it is applied: the metadata state machine refuses a
// bad value (EINVAL) and changes nothing, and dagctl names the setting and
// says what it must be. Their parsed form, the planner's settings among
// them, is psm/plan/psm_config.hpp. Pure: no CAF, no I/O.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ds::psm_policy {

/// psm.policy: what the planner does each period.
enum class policy_kind {
  predictive,        ///< forecasts, clusters, splits and spreads ahead
  reactive_capacity, ///< lists split when full (the DAG's own rule) only
  reactive_load,     ///< observed load over the threshold for 2 periods
  fixed,             ///< "static": every directory hashed into fixed parts
  off,               ///< nothing
};

/// "predictive", "reactive-capacity", "reactive-load", "static", "off".
const char* to_string(policy_kind k);
bool parse_policy(std::string_view s, policy_kind& out);

/// One psm.* setting: its name, what it must be, its default.
struct setting_info {
  const char* key;
  const char* must_be;  ///< for people: "a number > 0"
  const char* fallback; ///< value when unset ("" for a derived default)
};

/// Every psm.* setting, in a stable order.
const std::vector<setting_info>& settings_table();

/// True for keys in the psm. namespace.
bool is_psm_key(std::string_view key);

/// "" if `value` is good for `key` on its own (or `key` is not a psm.*
/// key); else "psm.X: must be ..., not 'value'". An unknown psm.* key is
/// refused: a typo must not pass as a setting that does nothing.
std::string check_value(std::string_view key, std::string_view value);

/// Reads the current value of a setting (nullopt: unset).
using lookup_fn = std::function<std::optional<std::string>(const std::string&)>;

/// check_value, then the checks between settings, with `key` = `value` and
/// the others as `current` has them: "" if setting it keeps them
/// consistent (psm.exit-threshold below psm.threshold).
std::string check_set(std::string_view key, std::string_view value,
                      const lookup_fn& current);

/// The number that numeric setting `key` holds in `current`; `fallback`
/// when it is unset or not a good value for `key` (not possible through
/// check_set).
double read_number(const lookup_fn& current, const char* key, double fallback);

} // namespace ds::psm_policy
