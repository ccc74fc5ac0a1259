// `dagctl health`: every node's verdict by the rule of /health on the
// metrics port (messages/health.hpp), from what the node we talk to sees.
#include <iomanip>
#include <iostream>

#include <nlohmann/json.hpp>

#include "messages/health.hpp"
#include "tools/dagctl/commands.hpp"

namespace ds::dagctl {

int show_health(client& cl, const invocation& inv, std::ostream& out,
                std::ostream& err) {
  auto nodes = cl.nodes();
  errc code = errc::ok;
  auto replicas = cl.raft_state(code);
  if (nodes.empty() || code != errc::ok) {
    err << "EUNAVAILABLE: the node did not answer" << std::endl;
    return 2;
  }
  auto shards = cl.shards();
  auto arr = nlohmann::json::array();
  bool all_ok = true;
  if (!inv.json)
    out << std::left << std::setw(14) << "node" << std::setw(24) << "address"
        << "health\n";
  for (size_t i = 0; i < nodes.size(); ++i) {
    // Raft ids are member indexes + 1, in the members' order.
    const raft_status* replica = nullptr;
    for (auto& r : replicas)
      if (r.id == i + 1)
        replica = &r;
    auto v = judge_health(nodes[i], replica, shards);
    all_ok = all_ok && v.ok;
    if (inv.json)
      arr.push_back({{"id", nodes[i].id},
                     {"address", nodes[i].address},
                     {"healthy", v.ok},
                     {"reason", v.reason}});
    else
      out << std::left << std::setw(14) << nodes[i].id << std::setw(24)
          << nodes[i].address << (v.ok ? "healthy" : "UNHEALTHY: " + v.reason)
          << "\n";
  }
  if (inv.json)
    out << nlohmann::json{{"nodes", arr}}.dump() << std::endl;
  return all_ok ? 0 : 1;
}

} // namespace ds::dagctl
