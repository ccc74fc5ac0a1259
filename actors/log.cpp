#include "actors/log.hpp"

#include <memory>

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace ds {

namespace {

struct log_state {
  std::shared_ptr<spdlog::logger> logger;
  bool json = false;
};

log_state& state() {
  static log_state st = [] {
    log_state s;
    s.logger = spdlog::stderr_logger_mt("dagshard");
    s.logger->set_pattern("%Y-%m-%d %H:%M:%S.%e %l %v");
    s.logger->set_level(spdlog::level::info);
    // An event is rare and must not be lost in a crash right after it.
    s.logger->flush_on(spdlog::level::debug);
    return s;
  }();
  return st;
}

// A text value: bare when it is a number or a plain word, else quoted.
std::string text_value(const nlohmann::json& v) {
  if (!v.is_string())
    return v.dump();
  auto s = v.get<std::string>();
  bool plain = !s.empty();
  for (char c : s)
    plain = plain && c > ' ' && c != '"' && c != '=' && c != '\\';
  return plain ? s : v.dump();
}

spdlog::level::level_enum to_spdlog(log_level x) {
  switch (x) {
  case log_level::debug:
    return spdlog::level::debug;
  case log_level::info:
    return spdlog::level::info;
  case log_level::warn:
    return spdlog::level::warn;
  case log_level::error:
    return spdlog::level::err;
  }
  return spdlog::level::info;
}

} // namespace

void setup_logging(const std::string& format, const std::string& level) {
  auto& st = state();
  st.json = format == "json";
  // JSON: time and level from spdlog, the rest from format_event.
  st.logger->set_pattern(
      st.json ? R"({"time":"%Y-%m-%dT%H:%M:%S.%e%z","level":"%l",%v})"
              : "%Y-%m-%d %H:%M:%S.%e %l %v");
  st.logger->set_level(level == "debug"   ? spdlog::level::debug
                       : level == "warn"  ? spdlog::level::warn
                       : level == "error" ? spdlog::level::err
                                          : spdlog::level::info);
}

std::string format_event(bool json, const char* component,
                         const std::string& msg,
                         std::initializer_list<log_field> fields) {
  if (json) {
    auto j = nlohmann::json::object();
    j["component"] = component;
    j["msg"] = msg;
    for (auto& f : fields)
      j[f.key] = f.value;
    // Invalid UTF-8 in a name must not make the line unparsable.
    auto s = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return s.substr(1, s.size() - 2); // the members, inside spdlog's braces
  }
  std::string line = std::string{component} + ": " + msg;
  for (auto& f : fields)
    line += std::string{" "} + f.key + "=" + text_value(f.value);
  return line;
}

void log_event(log_level level, const char* component, const std::string& msg,
               std::initializer_list<log_field> fields) {
  auto& st = state();
  auto lv = to_spdlog(level);
  if (!st.logger->should_log(lv))
    return;
  st.logger->log(lv, "{}", format_event(st.json, component, msg, fields));
}

} // namespace ds
