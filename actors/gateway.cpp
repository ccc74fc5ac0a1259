#include "actors/gateway.hpp"

#include "actors/member_gate.hpp"

#include "messages/health.hpp"
#include "model/namespace/client_check.hpp"

#include <caf/all.hpp>

#include <algorithm>
#include <optional>

namespace ds {

namespace {

/// The answers a health check waits for; the verdict goes out when the
/// last one has arrived (or timed out).
struct health_check {
  node_info self;
  std::vector<shard_info> shards;
  std::vector<uint32_t> silent; ///< local shards that did not answer
  std::optional<raft_status> replica;
  bool ready = true;
  size_t left = 0;
  caf::typed_response_promise<node_health> rp;

  void part_done() {
    if (--left != 0)
      return;
    node_health out;
    out.id = self.id;
    out.ready = ready;
    if (!silent.empty()) {
      // The lowest, whichever timed out first.
      auto i = *std::min_element(silent.begin(), silent.end());
      out.reason = "shard " + std::to_string(i) + " does not answer";
    } else {
      auto v = judge_health(self, replica ? &*replica : nullptr, shards);
      out.healthy = v.ok;
      out.reason = v.reason;
    }
    rp.deliver(std::move(out));
  }
};

constexpr auto health_deadline = std::chrono::seconds(1);

/// Hands a client's request to one of this node's actors and its answer
/// back to the client. Not a delegation: the internal actor must see the
/// gateway as the sender, for it takes messages only from this node and
/// the members' (member_gate), and it never answers a client itself.
/// Without a deadline: local, and the router answers every request.
/// This one counts nothing (the members' view: one small answer).
template <class Reply, class Handle, class... Ts>
caf::result<Reply> relay_uncounted(gateway_actor::pointer self,
                                   const Handle& dst, Ts&&... xs) {
  auto rp = self->make_response_promise<Reply>();
  self->request(dst, caf::infinite, std::forward<Ts>(xs)...)
      .then([rp](Reply& r) mutable { rp.deliver(std::move(r)); },
            [rp](caf::error& e) mutable { rp.deliver(std::move(e)); });
  return rp;
}

using gateway_self = client_face_pointer<gateway_actor, gateway_state>;

/// relay_uncounted of a remote client's request that counts `cost` against
/// its cap of pending work until its answer has gone (the caller has
/// checked the cap: take()).
template <class Reply, class Handle, class... Ts>
caf::result<Reply> relay_taken(gateway_self self, caf::node_id who,
                               uint64_t cost, const Handle& dst, Ts&&... xs) {
  auto rp = self->make_response_promise<Reply>();
  auto done = [self, who, cost] { self->state.release(who, cost); };
  self->request(dst, caf::infinite, std::forward<Ts>(xs)...)
      .then(
          [rp, done](Reply& r) mutable {
            done();
            rp.deliver(std::move(r));
          },
          [rp, done](caf::error& e) mutable {
            done();
            rp.deliver(std::move(e));
          });
  return rp;
}

/// relay_taken of a request of other_request_cost, refused with EBUSY
/// (an invalid_argument error) over the sender's cap.
template <class Reply, class Handle, class... Ts>
caf::result<Reply> relay(gateway_self self, const Handle& dst, Ts&&... xs) {
  caf::node_id who;
  if (!self->state.take(self, other_request_cost, who))
    return caf::make_error(caf::sec::invalid_argument,
                           self->state.busy_message());
  return relay_taken<Reply>(self, who, other_request_cost, dst,
                            std::forward<Ts>(xs)...);
}

constexpr uint64_t request_overhead = 64;

/// What a readdir's answer may hold: its page of entries, each a name of
/// up to 255 bytes with its attributes.
uint64_t readdir_answer(uint32_t max_entries) {
  constexpr uint64_t entry_bytes = 320;
  uint64_t page = max_entries == 0 ? 1024 : max_entries;
  return std::min<uint64_t>(page, max_readdir_page) * entry_bytes;
}

} // namespace

uint64_t request_cost(const std::vector<ns_request>& reqs) {
  uint64_t n = 0;
  for (auto& r : reqs) {
    n += request_overhead + r.name.size() + r.cookie.size();
    if (r.op == ns_op::readdir)
      n += readdir_answer(r.max_entries);
  }
  return n;
}

uint64_t request_cost(const std::vector<psm_access>& xs) {
  uint64_t n = 0;
  for (auto& x : xs)
    n += request_overhead + x.name.size();
  return n;
}

uint64_t request_cost(const path_request& req) {
  auto n = request_overhead + req.path.size() + req.cookie.size();
  if (req.op == path_op::readdir)
    n += readdir_answer(req.max_entries);
  return n;
}

bool gateway_state::take(gateway_actor::pointer self, uint64_t cost,
                         caf::node_id& who) {
  auto sender = self->current_sender();
  if (!sender || sender->node() == self->node() || max_pending == 0)
    return true;
  auto& n = pending[sender->node()];
  if (n + cost > max_pending) {
    if (n == 0)
      pending.erase(sender->node());
    return false;
  }
  n += cost;
  who = sender->node();
  return true;
}

void gateway_state::release(const caf::node_id& who, uint64_t cost) {
  if (!who)
    return;
  auto i = pending.find(who);
  if (i == pending.end())
    return;
  i->second -= std::min(i->second, cost);
  if (i->second == 0)
    pending.erase(i);
}

std::string gateway_state::busy_message() const {
  return "EBUSY: this connection has too much work waiting for answers "
         "(dagshard.max-pending-bytes = " +
         std::to_string(max_pending) +
         "); wait for answers before sending more";
}

caf::result<node_health> gateway_state::health(gateway_actor::pointer self) {
  auto c = std::make_shared<health_check>();
  auto& m = cluster.members()[cluster.self_index()];
  c->self = node_info{m.id, address, true, true, {}, true};
  c->rp = self->make_response_promise<node_health>();
  c->left = local_shards.size() + 1 + (peers ? 1 : 0);
  for (uint32_t i = 0; i < local_shards.size(); ++i)
    self->request(local_shards[i], health_deadline, shards_atom::value)
        .then(
            [c](shard_info& x) {
              c->shards.push_back(std::move(x));
              c->part_done();
            },
            [c, i](caf::error&) {
              c->silent.push_back(i);
              c->part_done();
            });
  if (metadata)
    self->request(metadata, health_deadline, raft_status_atom::value)
        .then(
            [c](raft_status& r) {
              c->replica = std::move(r);
              c->part_done();
            },
            [c](caf::error&) { c->part_done(); });
  else
    c->part_done();
  if (peers)
    self->request(peers, health_deadline, nodes_atom::value)
        .then(
            [c](std::vector<node_info>& xs) {
              for (auto& x : xs)
                c->ready = c->ready && x.tried;
              c->part_done();
            },
            [c](caf::error&) {
              c->ready = false;
              c->part_done();
            });
  return c->rp;
}

caf::result<std::vector<node_info>>
gateway_state::nodes(gateway_actor::pointer self) {
  if (peers)
    return relay_uncounted<std::vector<node_info>>(self, peers,
                                                   nodes_atom::value);
  auto& m = cluster.members()[cluster.self_index()];
  return std::vector<node_info>{node_info{m.id, address, true, true, {}, true}};
}

caf::result<node_hello> gateway_state::hello(gateway_actor::pointer self) {
  // The greeting carries the internal handles: members only. A client, or
  // a member this node has not reached yet (it asks again), gets none.
  auto sender = self->current_sender();
  bool member = sender && sender->node() == self->node();
  if (!member && sender)
    if (auto g = gate_of(self->home_system()))
      member = g->member_of(sender->node()).has_value();
  // A greeting comes from a node that has just reached this one: perhaps a
  // member that restarted, which this node has not reached again yet (with
  // TLS its certificate already makes it a member), or one it never
  // reached. Either way its peers try the members they lack now, instead
  // of at the end of their back-off: until they reach it, this node takes
  // none of its group messages.
  if (peers && sender && sender->node() != self->node())
    self->send(peers, hello_atom::value);
  if (!member) {
    return caf::make_error(caf::sec::invalid_argument,
                           "EINVAL: hello is for members of the cluster");
  }
  return node_hello{cluster.members()[cluster.self_index()].id,
                    cluster.fingerprint(),
                    local_shards,
                    metadata,
                    forecaster,
                    groups,
                    replicas};
}

gateway_actor::behavior_type
gateway_behavior(client_face_pointer<gateway_actor, gateway_state> self,
                 router_actor router, peers_actor peers, cluster_map cluster,
                 std::vector<shard_actor> local_shards, metadata_actor metadata,
                 std::string address, psm_planner_actor planner,
                 psm_forecaster_actor forecaster, uint64_t max_pending) {
  auto& st = self->state;
  st.router = std::move(router);
  st.peers = std::move(peers);
  st.cluster = std::move(cluster);
  st.local_shards = std::move(local_shards);
  st.metadata = std::move(metadata);
  st.address = std::move(address);
  st.planner = std::move(planner);
  st.forecaster = std::move(forecaster);
  st.max_pending = max_pending;
  return {
      [self](ns_atom a, std::vector<ns_request>& reqs)
          -> caf::result<std::vector<ns_reply>> {
        if (reqs.size() > max_batch)
          return caf::make_error(caf::sec::invalid_argument,
                                 "batch of " + std::to_string(reqs.size()) +
                                     " requests exceeds " +
                                     std::to_string(max_batch));
        if (auto why = check_client_batch(reqs); !why.empty())
          return caf::make_error(caf::sec::invalid_argument, why);
        auto cost = request_cost(reqs);
        caf::node_id who;
        if (!self->state.take(self, cost, who)) {
          ns_reply busy;
          busy.code = errc::ebusy;
          return std::vector<ns_reply>(reqs.size(), busy);
        }
        return relay_taken<std::vector<ns_reply>>(
            self, who, cost, self->state.router, a, std::move(reqs));
      },
      [self](path_atom a, path_request& req) -> caf::result<ns_reply> {
        auto cost = request_cost(req);
        caf::node_id who;
        if (!self->state.take(self, cost, who)) {
          ns_reply busy;
          busy.code = errc::ebusy;
          return busy;
        }
        return relay_taken<ns_reply>(self, who, cost, self->state.router, a,
                                     std::move(req));
      },
      [self](locate_atom a, std::string& path) -> caf::result<placement_info> {
        return relay<placement_info>(self, self->state.router, a,
                                     std::move(path));
      },
      [self](shards_atom a) -> caf::result<std::vector<shard_info>> {
        return relay<std::vector<shard_info>>(self, self->state.router, a);
      },
      [self](meta_atom a, meta_command& cmd) -> caf::result<meta_result> {
        // Clients change settings only; placement is the cluster's business.
        if (!std::holds_alternative<config_set>(cmd))
          return meta_result{errc::einval, 0, 0};
        return relay<meta_result>(self, self->state.router, a, std::move(cmd));
      },
      [self](meta_batch_atom a,
             std::vector<meta_command>& cmds) -> caf::result<meta_batch_reply> {
        if (cmds.empty() || cmds.size() > max_meta_batch)
          return caf::make_error(caf::sec::invalid_argument,
                                 "a batch of settings holds 1 to 1024 sets");
        for (auto& c : cmds)
          if (!std::holds_alternative<config_set>(c))
            return caf::make_error(caf::sec::invalid_argument,
                                   "a batch of settings holds sets only");
        return relay<meta_batch_reply>(self, self->state.router, a,
                                       std::move(cmds));
      },
      [self](move_atom a, move_request& m) -> caf::result<meta_result> {
        return relay<meta_result>(self, self->state.router, a, std::move(m));
      },
      [self](router_stats_atom a) -> caf::result<router_stats> {
        return relay<router_stats>(self, self->state.router, a);
      },
      [self](migrations_atom a) -> caf::result<std::vector<migration_record>> {
        return relay<std::vector<migration_record>>(self, self->state.router,
                                                    a);
      },
      [self](migrations_atom a,
             migration_query& q) -> caf::result<migration_page> {
        return relay<migration_page>(self, self->state.router, a, std::move(q));
      },
      [self](psm_plannings_atom a,
             int64_t since) -> caf::result<std::vector<psm_planning>> {
        return relay<std::vector<psm_planning>>(self, self->state.router, a,
                                                since);
      },
      [self](psm_plan_atom a) -> caf::result<psm_planning> {
        if (!self->state.planner)
          return caf::make_error(caf::sec::request_receiver_down,
                                 "this node runs no PSM planner");
        return relay<psm_planning>(self, self->state.planner, a);
      },
      [self](psm_status_atom a) -> caf::result<psm_status> {
        if (!self->state.planner)
          return caf::make_error(caf::sec::request_receiver_down,
                                 "this node runs no PSM planner");
        return relay<psm_status>(self, self->state.planner, a);
      },
      [self](psm_import_atom a,
             std::vector<psm_access>& xs) -> caf::result<psm_import_result> {
        // All or nothing: one malformed access refuses the whole message.
        if (xs.size() > max_psm_import)
          return caf::make_error(caf::sec::invalid_argument,
                                 "an import holds at most " +
                                     std::to_string(max_psm_import) +
                                     " accesses");
        for (size_t i = 0; i < xs.size(); ++i)
          if (auto why = access::check_event(xs[i]); !why.empty())
            return caf::make_error(caf::sec::invalid_argument,
                                   "access " + std::to_string(i) + ": " + why);
        auto cost = request_cost(xs);
        caf::node_id who;
        if (!self->state.take(self, cost, who))
          return caf::make_error(caf::sec::invalid_argument,
                                 self->state.busy_message());
        return relay_taken<psm_import_result>(
            self, who, cost, self->state.router, a, std::move(xs));
      },
      [self](psm_series_atom a,
             std::string& path) -> caf::result<psm_series_view> {
        return relay<psm_series_view>(self, self->state.router, a,
                                      std::move(path));
      },
      [self](cfg_get_many_atom a, std::vector<std::string>& keys)
          -> caf::result<std::vector<config_entry>> {
        if (keys.empty() || keys.size() > max_meta_batch)
          return caf::make_error(caf::sec::invalid_argument,
                                 "a read of settings names 1 to 1024 keys");
        return relay<std::vector<config_entry>>(self, self->state.router, a,
                                                std::move(keys));
      },
      [self](cfg_get_atom a, std::string& key) -> caf::result<config_entry> {
        return relay<config_entry>(self, self->state.router, a, std::move(key));
      },
      [self](cfg_list_atom a) -> caf::result<std::vector<config_entry>> {
        return relay<std::vector<config_entry>>(self, self->state.router, a);
      },
      [self](raft_status_atom a) -> caf::result<std::vector<raft_status>> {
        return relay<std::vector<raft_status>>(self, self->state.router, a);
      },
      [self](group_status_atom a) -> caf::result<std::vector<node_groups>> {
        return relay<std::vector<node_groups>>(self, self->state.router, a);
      },
      [self](node_atom) -> caf::result<std::string, uint32_t> {
        return {self->state.address, self->state.cluster.shards_per_node()};
      },
      [self](node_atom, std::string& address) {
        auto sender = self->current_sender();
        if (sender && sender->node() == self->node())
          self->state.address = std::move(address);
      },
      [self](group_local_atom, replica_host_actor& host,
             std::vector<shard_actor>& replicas) {
        auto sender = self->current_sender();
        if (sender && sender->node() == self->node()) {
          self->state.groups = std::move(host);
          self->state.replicas = std::move(replicas);
        }
      },
      [self](hello_atom) -> caf::result<node_hello> {
        return self->state.hello(self);
      },
      [self](nodes_atom) { return self->state.nodes(self); },
      [self](health_atom) { return self->state.health(self); },
  };
}

} // namespace ds
