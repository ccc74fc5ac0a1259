// dagctl and replicated shards: each shard group's replicas (the end of
// `dagctl shards`) and one group in detail (`dagctl raft status --shard N`).
#include <iomanip>
#include <map>
#include <ostream>

#include <nlohmann/json.hpp>

#include "client/reply_json.hpp"
#include "tools/dagctl/commands.hpp"

namespace ds::dagctl {

namespace {

using json = nlohmann::json;

/// A group's replicas, with the member each is on.
using replica_row = std::pair<std::string, group_state_info>;

std::map<uint32_t, std::vector<replica_row>>
by_group(const std::vector<node_groups>& xs) {
  std::map<uint32_t, std::vector<replica_row>> out;
  for (auto& n : xs)
    for (auto& g : n.groups)
      out[g.group].emplace_back(n.node, g);
  return out;
}

/// How far each follower is behind the leader's last index, as the leader
/// reports it ("voter:lag" each), or "-" without a leader among the rows.
std::string lags(const std::vector<replica_row>& rows) {
  for (auto& [node, g] : rows) {
    if (g.role != "leader" || g.match.size() != g.voters.size())
      continue;
    std::string s;
    for (size_t k = 0; k < g.voters.size(); ++k) {
      if (g.voters[k] == g.leader)
        continue;
      if (!s.empty())
        s += ",";
      s += std::to_string(g.voters[k]) + ":" +
           std::to_string(g.last >= g.match[k] ? g.last - g.match[k] : 0);
    }
    return s;
  }
  return "-";
}

json rows_json(const std::vector<replica_row>& rows, json arr) {
  for (auto& [node, x] : rows)
    arr.push_back(to_json(node, x));
  return arr;
}

json all_rows_json(const std::map<uint32_t, std::vector<replica_row>>& gs) {
  json arr = json::array();
  for (auto& [g, rows] : gs)
    arr = rows_json(rows, std::move(arr));
  return arr;
}

void print_rows(const std::vector<replica_row>& rows, std::ostream& out) {
  for (auto& [node, g] : rows)
    out << std::left << std::setw(7) << g.group << std::setw(14) << node
        << std::setw(11) << (g.quiescent ? g.role + "*" : g.role) << std::right
        << std::setw(7) << g.term << std::setw(8) << g.leader << std::setw(10)
        << g.last << std::setw(10) << g.committed << std::setw(10) << g.applied
        << std::setw(10) << g.snapshot << "\n";
}

void print_header(std::ostream& out) {
  out << std::left << std::setw(7) << "shard" << std::setw(14) << "node"
      << std::setw(11) << "role" << std::right << std::setw(7) << "term"
      << std::setw(8) << "leader" << std::setw(10) << "last" << std::setw(10)
      << "commit" << std::setw(10) << "applied" << std::setw(10) << "snapshot"
      << "\n";
}

} // namespace

void add_replicas_json(client& cl, nlohmann::json& j) {
  errc code = errc::ok;
  auto groups = by_group(cl.groups(code));
  if (code != errc::ok || groups.empty())
    return;
  j["replicas"] = all_rows_json(groups);
}

int show_groups(client& cl, const invocation& inv, std::ostream& out,
                std::ostream& err) {
  errc code = errc::ok;
  auto xs = cl.groups(code);
  if (code != errc::ok) {
    err << "EUNAVAILABLE: the node did not answer" << std::endl;
    return 2;
  }
  auto groups = by_group(xs);
  if (groups.empty())
    return 0; // unreplicated shards
  if (inv.json) {
    out << json{{"replicas", all_rows_json(groups)}}.dump() << std::endl;
    return 0;
  }
  out << "\nreplicas (role* quiescent; snapshot: the log is compacted up "
         "to there; lag: voter:entries behind the leader)\n";
  print_header(out);
  for (auto& [g, rows] : groups) {
    print_rows(rows, out);
    out << std::left << std::setw(7) << ""
        << "lag " << lags(rows) << "\n";
  }
  for (auto& n : xs)
    if (!n.reachable)
      out << n.node << ": UNREACHABLE\n";
  return 0;
}

int show_group(client& cl, const invocation& inv, std::ostream& out,
               std::ostream& err) {
  errc code = errc::ok;
  auto xs = cl.groups(code);
  if (code != errc::ok) {
    err << "EUNAVAILABLE: the node did not answer" << std::endl;
    return 2;
  }
  auto groups = by_group(xs);
  auto it = groups.find(*inv.shard);
  if (it == groups.end()) {
    err << "EINVAL: no reachable member holds a replica of shard " << *inv.shard
        << " (shards are replicated with dagshard.replicas > 1)" << std::endl;
    return 1;
  }
  if (inv.json) {
    out << json{{"shard", *inv.shard},
                {"replicas", rows_json(it->second, json::array())}}
               .dump()
        << std::endl;
    return 0;
  }
  print_header(out);
  print_rows(it->second, out);
  out << "voters ";
  for (auto v : it->second.front().second.voters)
    out << v << " ";
  out << "\nlag    " << lags(it->second) << "\n";
  for (auto& n : xs)
    if (!n.reachable)
      out << n.node << ": UNREACHABLE\n";
  return 0;
}

} // namespace ds::dagctl
