// The table of [dagshard] options that node_config, its checks and
// dagshardd's help and man page are driven by: each option declared once.
// Internal to actors/ (node_config.cpp, node_help.cpp).
#pragma once

#include <string>
#include <variant>
#include <vector>

#include <caf/config_value.hpp>
#include <caf/timespan.hpp>

#include "actors/node_config.hpp"

namespace ds {

// The kind of a value follows from the type of its member: the order of
// `member_ptr`'s alternatives is the order of `kind`.
enum class kind { integer, string, boolean, duration, real, string_list };

using member_ptr =
    std::variant<int64_t raw_options::*, std::string raw_options::*,
                 bool raw_options::*, caf::timespan raw_options::*,
                 double raw_options::*,
                 std::vector<std::string> raw_options::*>;

/// One [dagshard] option: its key, where CAF stores it, its range (bytes
/// for strings, ms for durations), its help, how the checked value goes into
/// node_options, and a check beyond type and range ("" or the message).
struct option_def {
  const char* key;
  member_ptr member;
  int64_t min;
  int64_t max;
  const char* help;
  void (*copy)(const raw_options&, node_options&);
  std::string (*check)(const caf::config_value&) = nullptr;
};

/// Every [dagshard] option, in the order --help shows them.
const std::vector<option_def>& option_table();

inline kind kind_of(const option_def& d) {
  return static_cast<kind>(d.member.index());
}

/// "an integer", "a quoted string", ...
const char* type_text(kind k);

} // namespace ds
