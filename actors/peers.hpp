// The peer manager: keeps this node connected to every other member of the
// cluster. Connects through the middleman actor (never blocking a scheduler
// thread), greets each peer, checks that it agrees on the cluster (same
// members and shard count), monitors it, and reconnects with back-off after
// it goes away. The router learns each peer's shards, or their loss; the
// node's member gate learns each member's node id (actors/member_gate.hpp).
#pragma once

#include <caf/actor_clock.hpp>
#include <caf/io/middleman_actor.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "actors/member_gate.hpp"
#include "messages/ns.hpp"
#include "model/meta/cluster_map.hpp"

namespace ds {

struct peer_link {
  member who;
  gateway_actor gateway; ///< empty while not connected
  bool connecting = false;
  std::chrono::milliseconds backoff{100};
  std::string detail = "not connected yet";
  bool tried = false;     ///< a first attempt has ended, either way
  bool retry_due = false; ///< a retry is scheduled (one at a time)
};

struct peers_state {
  peers_actor::pointer self = nullptr;
  cluster_map cluster;
  router_actor router;
  /// Connects through this middleman actor (the node's guard, which adds
  /// TLS when the node has it); CAF's own when null.
  caf::io::middleman_actor mm;
  std::vector<peer_link> links; ///< indexed like cluster.members()
  /// The node's member gate (none in tests without one): told the node id
  /// of each member reached, and of each that turned out not to be one.
  std::shared_ptr<member_gate> gate;

  void connect(uint32_t i);
  void greet(uint32_t i, gateway_actor gw);
  void lost(uint32_t i, std::string why);
  /// Member `i`'s node id no longer passes the gates.
  void forget(uint32_t i);
  /// A node greeted this one (a member that just started, maybe): tries
  /// every unreached member now, at most once per min_backoff (one asked
  /// sooner runs when that has passed), instead of at the end of its
  /// back-off.
  void hurry();
  caf::actor_clock::time_point last_hurry{};
  bool hurry_due = false; ///< a hurry asked too soon is scheduled
  std::vector<node_info> nodes() const;

  /// Most time between two attempts to reach a member that is down.
  static constexpr std::chrono::milliseconds min_backoff{100};
  static constexpr std::chrono::milliseconds max_backoff{2000};
  static inline const char* name = "dagshard.peers";
};

peers_actor::behavior_type
peers_behavior(guarded_pointer<peers_actor, peers_state> self,
               cluster_map cluster, router_actor router,
               caf::io::middleman_actor mm);

} // namespace ds
