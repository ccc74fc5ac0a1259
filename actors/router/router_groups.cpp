// The router and replicated shards: which replica of each shard group it
// sends to, and the consoles' view of every member's groups.
#include <algorithm>

#include <caf/all.hpp>

#include "actors/gather.hpp"
#include "actors/router/router.hpp"

namespace ds {

void router_state::set_local_groups(replica_host_actor host,
                                    std::vector<shard_actor> local) {
  size_t n = cluster.members().size();
  group_hosts.resize(n);
  group_hosts[cluster.self_index()] = std::move(host);
  self->send(group_hosts[cluster.self_index()], group_watch_atom::value,
             cluster.self_index());
  replica_shards.resize(cluster.total_shards());
  auto held = cluster.hosted_by(cluster.self_index());
  for (size_t k = 0; k < held.size() && k < local.size(); ++k) {
    auto& row = replica_shards[held[k]];
    row.resize(n);
    row[cluster.self_index()] = local[k];
  }
}

void router_state::set_peer_groups(uint32_t node, const node_hello& hello) {
  if (!replicated() || node >= cluster.members().size())
    return;
  size_t n = cluster.members().size();
  group_hosts.resize(n);
  group_hosts[node] = hello.groups;
  if (hello.groups)
    self->send(hello.groups, group_watch_atom::value, cluster.self_index());
  replica_shards.resize(cluster.total_shards());
  auto held = cluster.hosted_by(node);
  bool ok = hello.replicas.size() == held.size();
  for (size_t k = 0; k < held.size(); ++k) {
    uint32_t s = held[k];
    auto& row = replica_shards[s];
    row.resize(n);
    auto old = row[node];
    row[node] = ok ? hello.replicas[k] : shard_actor{};
    if (!shards[s] || (old && shards[s] == old))
      follow_leader(s, node, 0); // the home's if back, else another
  }
  if (!ok)
    fail_in_flight(node); // after the groups aimed elsewhere
}

void router_state::follow_leader(uint32_t s, uint32_t failed, uint64_t leader) {
  if (s >= replica_shards.size())
    return;
  auto& row = replica_shards[s];
  if (leader != 0 && leader <= row.size() && row[leader - 1]) {
    shards[s] = row[leader - 1];
    return;
  }
  // No leader named: the first reachable replica after the one that
  // failed, in placement order (the home first).
  auto replicas = cluster.replicas_of(s);
  size_t at = replicas.size() - 1;
  for (size_t k = 0; k < replicas.size(); ++k)
    if (replicas[k] == failed)
      at = k;
  for (size_t step = 1; step <= replicas.size(); ++step) {
    uint32_t m = replicas[(at + step) % replicas.size()];
    if (m < row.size() && row[m]) {
      shards[s] = row[m];
      return;
    }
  }
  shards[s] = nullptr; // no replica reachable
}

void router_state::leader_pushed(uint32_t s, uint64_t term, uint64_t leader) {
  if (!replicated() || s >= cluster.total_shards())
    return;
  pushed_terms.resize(cluster.total_shards());
  if (term <= pushed_terms[s] || s >= replica_shards.size() || leader == 0 ||
      leader > replica_shards[s].size() || !replica_shards[s][leader - 1])
    return;
  pushed_terms[s] = term;
  ++stats.leader_pushes;
  shards[s] = replica_shards[s][leader - 1];
}

uint32_t router_state::member_of(uint32_t s, const shard_actor& target) const {
  if (s < replica_shards.size())
    for (uint32_t m = 0; m < replica_shards[s].size(); ++m)
      if (target && replica_shards[s][m] == target)
        return m;
  return static_cast<uint32_t>(cluster.members().size());
}

void router_state::track_in_flight(
    uint32_t member, std::shared_ptr<bool> answered,
    std::function<void(std::vector<ns_reply>*)> f) {
  if (member >= cluster.members().size() || member == cluster.self_index())
    return; // this node's replicas go away only with the router
  in_flight.resize(cluster.members().size());
  auto& xs = in_flight[member];
  if (xs.size() >= 1024) // drop those answered since
    xs.erase(
        std::remove_if(xs.begin(), xs.end(),
                       [](const in_flight_part& x) { return *x.answered; }),
        xs.end());
  xs.push_back(in_flight_part{std::move(answered), std::move(f)});
}

void router_state::fail_in_flight(uint32_t member) {
  if (member >= in_flight.size())
    return;
  auto xs = std::move(in_flight[member]);
  in_flight[member].clear();
  for (auto& x : xs)
    if (!*x.answered)
      x.unanswered(nullptr);
}

caf::result<std::vector<node_groups>> router_state::collect_groups() {
  size_t n = cluster.members().size();
  group_hosts.resize(n);
  auto g = std::make_shared<gather<node_groups>>();
  g->out.resize(n);
  g->left = n;
  g->rp = self->make_response_promise<std::vector<node_groups>>();
  for (size_t i = 0; i < n; ++i) {
    auto done = [this, g, i](std::vector<group_state_info>* x) {
      auto& slot = g->out[i];
      slot.node = cluster.members()[i].id;
      slot.reachable = x != nullptr;
      if (x)
        slot.groups = std::move(*x);
      g->part_done();
    };
    if (!group_hosts[i]) {
      done(nullptr);
      continue;
    }
    self->request(group_hosts[i], timeout, group_status_atom::value)
        .then([done](std::vector<group_state_info>& x) mutable { done(&x); },
              [done](caf::error&) mutable { done(nullptr); });
  }
  return g->rp;
}

} // namespace ds
