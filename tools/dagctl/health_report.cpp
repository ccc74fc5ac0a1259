#include "tools/dagctl/health_report.hpp"

#include <iomanip>
#include <ostream>

#include <nlohmann/json.hpp>

namespace ds::dagctl {

void print_health(const std::vector<member_health>& xs, std::ostream& out) {
  out << std::left << std::setw(14) << "node" << std::setw(24) << "address"
      << std::setw(10) << "ready"
      << "health\n";
  for (auto& m : xs) {
    out << std::left << std::setw(14) << m.id << std::setw(24) << m.address;
    if (!m.reachable) {
      out << std::setw(10) << "-"
          << "UNREACHABLE: " << m.why_unreachable << "\n";
      continue;
    }
    out << std::setw(10) << (m.health.ready ? "ready" : "starting")
        << (m.health.healthy ? "healthy" : "UNHEALTHY: " + m.health.reason)
        << "\n";
  }
}

nlohmann::json health_json(const std::vector<member_health>& xs) {
  auto arr = nlohmann::json::array();
  for (auto& m : xs)
    arr.push_back(
        {{"id", m.id},
         {"address", m.address},
         {"reachable", m.reachable},
         {"healthy", m.reachable && m.health.healthy},
         {"ready", m.reachable && m.health.ready},
         {"reason", m.reachable ? m.health.reason
                                : "unreachable: " + m.why_unreachable}});
  return nlohmann::json{{"nodes", arr}};
}

int health_exit_status(const std::vector<member_health>& xs) {
  for (auto& m : xs)
    if (!m.reachable || !m.health.healthy || !m.health.ready)
      return 1;
  return 0;
}

} // namespace ds::dagctl
