// A node's health, judged from the status messages it answers: the rule
// that /health on the metrics port and `dagctl health` share.
#pragma once

#include <string>
#include <vector>

#include "messages/meta.hpp"
#include "messages/ns.hpp"

namespace ds {

struct health_verdict {
  bool ok = true;
  std::string reason; ///< why not, when !ok
};

/// Healthy when the node answers, its metadata replica knows a leader and
/// every shard it hosts answers. `replica` is null when the replica did
/// not answer; `shards` may hold other nodes' shards (they are skipped).
health_verdict judge_health(const node_info& node, const raft_status* replica,
                            const std::vector<shard_info>& shards);

} // namespace ds
