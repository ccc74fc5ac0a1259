// What `dagctl health` found of each member, and how it is shown: apart
// from the network so that tests can check the table, the JSON and the
// exit status.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "messages/ns.hpp"

namespace ds::dagctl {

struct member_health {
  std::string id;
  std::string address;
  bool reachable = false;      ///< it answered the health question itself
  std::string why_unreachable; ///< when !reachable
  node_health health;          ///< its own answer, when reachable
};

/// One line per member: node, address, ready, health (healthy, UNHEALTHY:
/// reason, or UNREACHABLE: reason).
void print_health(const std::vector<member_health>& xs, std::ostream& out);

/// {"nodes": [{id, address, reachable, healthy, ready, reason}...]}.
nlohmann::json health_json(const std::vector<member_health>& xs);

/// 0 when every member was reached and is healthy and ready, else 1.
int health_exit_status(const std::vector<member_health>& xs);

} // namespace ds::dagctl
