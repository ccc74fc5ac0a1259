// The node's event log: one line per event with a time, a level, a
// component and key=value fields, on stderr (journald keeps it under
// systemd). dagshard.log-format=json writes each line as one JSON object for
// log shippers. Written through spdlog (thread-safe sink, level filter).
// Events are rare by design: start and stop, refused configuration, peers
// up or down, leader changes, migration steps, failed commits; serving a
// request logs nothing.
#pragma once

#include <initializer_list>
#include <string>

#include <nlohmann/json.hpp>

namespace ds {

enum class log_level { debug, info, warn, error };

struct log_field {
  const char* key;
  nlohmann::json value; ///< a string or a number
};

/// Sets the format ("text" or "json") and the least level logged ("debug",
/// "info", "warn", "error"). Until called: text, info.
void setup_logging(const std::string& format, const std::string& level);

/// Logs one event. `component`: node, config, peers, raft, shard, metrics.
void log_event(log_level level, const char* component, const std::string& msg,
               std::initializer_list<log_field> fields = {});

/// One event as a text line's tail ("peers: peer up id=n2 ...") or as the
/// JSON members of its line (without time and level); exposed for tests.
std::string format_event(bool json, const char* component,
                         const std::string& msg,
                         std::initializer_list<log_field> fields);

} // namespace ds
