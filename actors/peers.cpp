#include "actors/peers.hpp"

#include <algorithm>

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include "actors/log.hpp"

namespace ds {

void peers_state::connect(uint32_t i) {
  auto& l = links[i];
  if (l.connecting || l.gateway || i == cluster.self_index())
    return;
  l.connecting = true;
  auto via = mm ? mm : self->system().middleman().actor_handle();
  self->request(via, std::chrono::seconds(5), caf::connect_atom::value,
                l.who.host, l.who.port)
      .then(
          [this, i](const caf::node_id& nid, caf::strong_actor_ptr& p,
                    const std::set<std::string>& ifs) {
            links[i].connecting = false;
            if (!p || !self->system().assignable<gateway_actor>(ifs)) {
              forget(i);
              return lost(i,
                          "no dagshard gateway at " + links[i].who.address());
            }
            // Whoever answers at a member's configured address speaks for
            // that member (until its greeting says otherwise): its node's
            // messages pass the internal actors' gates from now on. With
            // TLS, only if its certificate names that member.
            if (gate && !gate->admit(i, nid))
              return lost(i, "the node at " + links[i].who.address() +
                                 " does not present the certificate of '" +
                                 links[i].who.id + "'");
            greet(i, caf::actor_cast<gateway_actor>(std::move(p)));
          },
          [this, i](caf::error& err) {
            links[i].connecting = false;
            lost(i, self->system().render(err));
          });
}

void peers_state::greet(uint32_t i, gateway_actor gw) {
  self->request(gw, std::chrono::seconds(2), hello_atom::value)
      .then(
          [this, i, gw](node_hello& h) {
            auto& l = links[i];
            if (h.id != l.who.id) {
              forget(i);
              return lost(i, "the node at " + l.who.address() + " is '" + h.id +
                                 "', not '" + l.who.id + "'");
            }
            if (h.fingerprint != cluster.fingerprint()) {
              forget(i);
              return lost(i, "'" + h.id +
                                 "' has another member list or shard count");
            }
            self->monitor(gw);
            l.gateway = gw;
            l.tried = true;
            l.backoff = std::chrono::milliseconds{100};
            l.detail.clear();
            log_event(log_level::info, "peers", "peer up",
                      {{"peer", l.who.id}, {"address", l.who.address()}});
            self->send(router, peer_atom::value, i, std::move(h));
          },
          [this, i](caf::error& err) {
            // A member greets only the members it has reached itself.
            if (err == caf::sec::invalid_argument)
              return lost(i, "'" + links[i].who.id +
                                 "' has not reached this node yet");
            lost(i, self->system().render(err));
          });
}

void peers_state::forget(uint32_t i) {
  if (gate)
    gate->forget(i);
}

void peers_state::lost(uint32_t i, std::string why) {
  auto& l = links[i];
  // Transitions only: a peer that stays down is retried quietly.
  if (l.gateway || why != l.detail)
    log_event(
        l.gateway ? log_level::warn : log_level::info, "peers",
        l.gateway ? "peer down" : "peer unreachable",
        {{"peer", l.who.id}, {"address", l.who.address()}, {"reason", why}});
  l.gateway = nullptr;
  l.tried = true;
  l.detail = std::move(why);
  self->send(router, peer_atom::value, i, node_hello{});
  // Never retry at once: a refused connect returns in microseconds.
  l.backoff = std::clamp(l.backoff, min_backoff, max_backoff);
  if (!l.retry_due) {
    l.retry_due = true;
    self->delayed_send(self, l.backoff, retry_atom::value, i);
  }
  l.backoff = std::min(l.backoff * 2, max_backoff);
}

void peers_state::hurry() {
  auto now = self->clock().now();
  if (last_hurry != caf::actor_clock::time_point{} &&
      now - last_hurry < min_backoff) {
    // Too soon after the last: once more when the pause is over, so that a
    // member that greets just after another is not left to its back-off.
    if (!hurry_due) {
      hurry_due = true;
      self->delayed_send(self, last_hurry + min_backoff - now,
                         hello_atom::value);
    }
    return;
  }
  hurry_due = false;
  last_hurry = now;
  for (uint32_t i = 0; i < links.size(); ++i)
    if (!links[i].gateway && !links[i].connecting) {
      links[i].backoff = min_backoff;
      connect(i);
    }
}

std::vector<node_info> peers_state::nodes() const {
  std::vector<node_info> out;
  for (uint32_t i = 0; i < links.size(); ++i) {
    auto& l = links[i];
    bool me = i == cluster.self_index();
    out.push_back(node_info{l.who.id, l.who.address(), me,
                            me || static_cast<bool>(l.gateway), l.detail,
                            me || l.tried});
  }
  return out;
}

peers_actor::behavior_type
peers_behavior(guarded_pointer<peers_actor, peers_state> self,
               cluster_map cluster, router_actor router,
               caf::io::middleman_actor mm) {
  auto& st = self->state;
  st.self = self;
  st.router = std::move(router);
  st.mm = std::move(mm);
  st.gate = gate_of(self->system());
  for (auto& m : cluster.members()) {
    peer_link l; // keeps the member defaults (back-off 100 ms)
    l.who = m;
    st.links.push_back(std::move(l));
  }
  st.links[cluster.self_index()].detail.clear();
  st.cluster = std::move(cluster);
  self->set_down_handler([self](caf::down_msg& dm) {
    auto& links = self->state.links;
    for (uint32_t i = 0; i < links.size(); ++i)
      if (links[i].gateway && links[i].gateway.address() == dm.source)
        self->state.lost(i, "connection lost (" +
                                self->system().render(dm.reason) + ")");
  });
  for (uint32_t i = 0; i < st.links.size(); ++i)
    st.connect(i);
  return {
      [self](nodes_atom) { return self->state.nodes(); },
      [self](retry_atom, uint32_t i) {
        if (i < self->state.links.size()) {
          self->state.links[i].retry_due = false;
          self->state.connect(i);
        }
      },
      [self](hello_atom) { self->state.hurry(); },
  };
}

} // namespace ds
