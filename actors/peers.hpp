// The peer manager: keeps this node connected to every other member of the
// cluster. Connects through the middleman actor (never blocking a scheduler
// thread), greets each peer, checks that it agrees on the cluster (same
// members and shard count), monitors it, and reconnects with back-off after
// it goes away. The router learns each peer's shards, or their loss.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "messages/ns.hpp"
#include "model/meta/cluster_map.hpp"

namespace ds {

struct peer_link {
  member who;
  gateway_actor gateway; ///< empty while not connected
  bool connecting = false;
  std::chrono::milliseconds backoff{100};
  std::string detail = "not connected yet";
  bool tried = false; ///< a first attempt has ended, either way
};

struct peers_state {
  peers_actor::pointer self = nullptr;
  cluster_map cluster;
  router_actor router;
  bool tls = false;             ///< connect through CAF's OpenSSL module
  std::vector<peer_link> links; ///< indexed like cluster.members()

  void connect(uint32_t i);
  void greet(uint32_t i, gateway_actor gw);
  void lost(uint32_t i, std::string why);
  std::vector<node_info> nodes() const;

  /// Most time between two attempts to reach a member that is down.
  static constexpr std::chrono::milliseconds min_backoff{100};
  static constexpr std::chrono::milliseconds max_backoff{2000};
  static inline const char* name = "dagshard.peers";
};

peers_actor::behavior_type
peers_behavior(peers_actor::stateful_pointer<peers_state> self,
               cluster_map cluster, router_actor router, bool tls);

} // namespace ds
