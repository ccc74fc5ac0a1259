// The node's peer face: which CAF nodes count as members of the cluster, and
// the mailbox gate of every internal actor (shards, router, metadata
// replica, peer manager, PSM forecaster and planner).
//
// CAF 0.17 puts every local actor whose handle was serialized to another
// node, or that sent a message to one, into the actor registry, and any
// connection of the middleman may address a registered actor by its (small,
// sequential) id. Keeping internal handles out of what clients receive is
// therefore not enough: an internal actor must also look at who sent each
// message. A guarded actor admits a message only from this node, from a
// member's node, or without a sender; anything else is dropped before a
// handler sees it (a request gets EINVAL), counted and logged, at most once
// per 10 s per kind.
//
// Members' node ids are learnt by the peer manager: the node id of whoever
// answers a connect to a member's configured address. CAF's handshake does
// not prove a node id (a peer states its own), so the gate stops a stock
// CAF client and anyone who follows CAF's protocol, not a forger of raw
// BASP frames; see "The node's two faces" in docs/ARCHITECTURE.md.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/invoke_message_result.hpp>
#include <caf/mailbox_element.hpp>
#include <caf/node_id.hpp>
#include <caf/stateful_actor.hpp>

namespace ds {

class member_gate {
public:
  /// Member `index` (its place in the cluster map) answers as node `id`
  /// (a restarted member: its new id replaces the old one). With
  /// certificates required, only a node bound to that member's certificate
  /// is admitted; returns whether `id` was.
  bool admit(uint32_t index, const caf::node_id& id);

  /// Mutual TLS: members are known by their certificates (`ids`: the
  /// members' node ids, by index), no longer by who answers at an address.
  void require_certificates(std::vector<std::string> ids);
  /// A TLS connection of node `id` presents a certificate naming member
  /// `member` (empty: a console's). False if `id` is bound to another
  /// certificate on another connection, or `member` is no member of this
  /// cluster; otherwise the binding lasts until unbind() of each bind(),
  /// and a member's node is admitted at once. A node id unbound since
  /// passes as its member's until it is bound under another certificate.
  bool bind(const caf::node_id& id, const std::string& member);
  void unbind(const caf::node_id& id);
  /// Member `index` is no longer known by any node id.
  void forget(uint32_t index);
  /// The member index of node `id`, if it is a member's.
  std::optional<uint32_t> member_of(const caf::node_id& id) const;

  /// A message from `from` (not a member) to `to` was dropped.
  void count_refused(const std::string& to, const std::string& from,
                     const std::string& what);
  /// A message to `to` did not decode (or names the wrong sender).
  void count_undecodable(const std::string& to, const std::string& why);

  uint64_t refused() const { return refused_.load(std::memory_order_relaxed); }
  uint64_t undecodable() const {
    return undecodable_.load(std::memory_order_relaxed);
  }

  /// Least time between two log lines of one kind; the lines in between
  /// are counted and the next line says how many.
  static constexpr std::chrono::seconds log_every{10};

private:
  struct log_limit {
    std::chrono::steady_clock::time_point last{};
    uint64_t quiet = 0; ///< events not logged since the last line
    bool due();
  };
  /// Counts one event in `n`; if `l` lets a line out now, the events it
  /// held back since the last one (else nullopt).
  std::optional<uint64_t> count(std::atomic<uint64_t>& n, log_limit& l);

  struct binding {
    std::string member; ///< empty: a console
    uint32_t connections = 0;
  };
  std::optional<uint32_t> index_of(const std::string& member) const;

  mutable std::mutex mtx_;
  std::map<uint32_t, caf::node_id> members_;
  bool certified_ = false;       ///< certificates required
  std::vector<std::string> ids_; ///< member ids by index (certified)
  std::map<caf::node_id, binding> bound_;
  log_limit refused_log_;
  log_limit undecodable_log_;
  std::atomic<uint64_t> refused_{0};
  std::atomic<uint64_t> undecodable_{0};
};

/// The gate of the node that runs in `sys` (start_node sets it before any
/// actor is spawned and clears it in stop_node); null if none.
std::shared_ptr<member_gate> gate_of(const caf::actor_system& sys);
void set_gate(const caf::actor_system& sys, std::shared_ptr<member_gate> g);

/// Whether `self` may handle `x`: its sender is absent, on this node, or on
/// a member's node. Otherwise the message is counted, logged, and a request
/// answered with EINVAL. Without a gate for the system, only this node's
/// messages are admitted.
bool admit_message(caf::scheduled_actor& self, caf::mailbox_element& x);

/// An actor whose mailbox passes every element through `Admit` before its
/// behavior sees anything: messages, responses, exit and down messages.
template <class Base,
          bool (*Admit)(caf::scheduled_actor&, caf::mailbox_element&)>
class admitting_actor : public Base {
public:
  using Base::Base;
  using Base::consume;

  caf::invoke_message_result consume(caf::mailbox_element& x) override {
    if (!Admit(*this, x))
      return caf::invoke_message_result::dropped;
    return Base::consume(x);
  }
};

/// The self pointer of a guarded stateful actor of interface `Handle`
/// (admit_message): a behavior function taking it is spawned guarded.
template <class Handle, class State>
using guarded_pointer =
    caf::stateful_actor<State,
                        admitting_actor<typename Handle::base, admit_message>>*;

/// Whether the gateway, the node's client face, may handle `x`. From this
/// node, or without a sender: anything. From any other node: only what
/// its interface is made of, messages and requests that start with an
/// atom; no response (the gateway asks this node's actors only), no exit
/// or down message. Otherwise as admit_message.
bool admit_client_message(caf::scheduled_actor& self, caf::mailbox_element& x);

/// The self pointer of a stateful client face of interface `Handle`
/// (admit_client_message).
template <class Handle, class State>
using client_face_pointer = caf::stateful_actor<
    State, admitting_actor<typename Handle::base, admit_client_message>>*;

} // namespace ds
