#include "messages/health.hpp"

namespace ds {

health_verdict judge_health(const node_info& node, const raft_status* replica,
                            const std::vector<shard_info>& shards) {
  if (!node.reachable)
    return {false,
            "unreachable" + (node.detail.empty() ? "" : ": " + node.detail)};
  if (!replica || !replica->reachable)
    return {false, "metadata replica does not answer"};
  if (replica->leader == 0)
    return {false, "metadata group has no leader (replica is " + replica->role +
                       " in term " + std::to_string(replica->term) + ")"};
  for (auto& s : shards)
    if (s.node == node.id && !s.reachable)
      return {false, "shard " + std::to_string(s.shard) + " does not answer"};
  return {};
}

} // namespace ds
