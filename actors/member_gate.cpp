#include "actors/member_gate.hpp"

#include <utility>

#include <caf/all.hpp>

#include "actors/log.hpp"

namespace ds {

namespace {

/// The gates of the actor systems of this process (one per node; tests
/// may run several systems).
struct gate_table {
  std::mutex mtx;
  std::map<const caf::actor_system*, std::shared_ptr<member_gate>> gates;
};

gate_table& table() {
  static gate_table t;
  return t;
}

/// The message's leading atom, if any: enough to name an operation
/// without printing (or paying for) what a stranger sent.
std::string describe(const caf::type_erased_tuple& xs) {
  if (xs.size() > 0 && xs.match_element<caf::atom_value>(0))
    return caf::to_string(xs.get_as<caf::atom_value>(0));
  if (xs.size() == 1 && xs.match_element<caf::exit_msg>(0))
    return "exit_msg";
  if (xs.size() == 1 && xs.match_element<caf::down_msg>(0))
    return "down_msg";
  return "a message of " + std::to_string(xs.size()) + " elements";
}

} // namespace

bool member_gate::log_limit::due() {
  auto now = std::chrono::steady_clock::now();
  if (last != std::chrono::steady_clock::time_point{} &&
      now - last < log_every) {
    ++quiet;
    return false;
  }
  last = now;
  return true;
}

bool member_gate::admit(uint32_t index, const caf::node_id& id) {
  std::lock_guard<std::mutex> guard{mtx_};
  if (certified_) {
    auto b = bound_.find(id);
    if (b == bound_.end() || index >= ids_.size() ||
        b->second.member != ids_[index])
      return false;
  }
  members_[index] = id;
  return true;
}

void member_gate::require_certificates(std::vector<std::string> ids) {
  std::lock_guard<std::mutex> guard{mtx_};
  certified_ = true;
  ids_ = std::move(ids);
}

std::optional<uint32_t> member_gate::index_of(const std::string& member) const {
  for (uint32_t i = 0; i < ids_.size(); ++i)
    if (ids_[i] == member)
      return i;
  return std::nullopt;
}

bool member_gate::bind(const caf::node_id& id, const std::string& member) {
  std::lock_guard<std::mutex> guard{mtx_};
  std::optional<uint32_t> index;
  if (!member.empty() && !(index = index_of(member)))
    return false;
  auto [b, fresh] = bound_.try_emplace(id);
  if (!fresh && b->second.member != member)
    return false;
  b->second.member = member;
  ++b->second.connections;
  // A node id whose connections all closed may still name a member (its
  // last messages, the down messages of its actors, are being delivered);
  // bound under another certificate now, it no longer does.
  for (auto m = members_.begin(); m != members_.end();)
    if (m->second == id && (!index || m->first != *index))
      m = members_.erase(m);
    else
      ++m;
  if (index)
    members_[*index] = id;
  return true;
}

void member_gate::unbind(const caf::node_id& id) {
  std::lock_guard<std::mutex> guard{mtx_};
  auto b = bound_.find(id);
  if (b == bound_.end() || --b->second.connections > 0)
    return;
  // Its last connection is gone: the node id is free to bind again. It
  // still passes as its member's until then (or until the member's next
  // node id replaces it): CAF delivers the down messages of its actors
  // after the connection closed, and the member's peers must see them.
  bound_.erase(b);
}

void member_gate::forget(uint32_t index) {
  std::lock_guard<std::mutex> guard{mtx_};
  members_.erase(index);
}

std::optional<uint32_t> member_gate::member_of(const caf::node_id& id) const {
  std::lock_guard<std::mutex> guard{mtx_};
  for (auto& [i, n] : members_)
    if (n == id)
      return i;
  return std::nullopt;
}

std::optional<uint64_t> member_gate::count(std::atomic<uint64_t>& n,
                                           log_limit& l) {
  n.fetch_add(1, std::memory_order_relaxed);
  std::lock_guard<std::mutex> guard{mtx_};
  if (!l.due())
    return std::nullopt;
  return std::exchange(l.quiet, 0);
}

void member_gate::count_refused(const std::string& to, const std::string& from,
                                const std::string& what) {
  if (auto quiet = count(refused_, refused_log_))
    log_event(log_level::warn, "node", "message from a non-member refused",
              {{"to", to},
               {"from", from},
               {"message", what},
               {"refused_since_last_line", *quiet}});
}

void member_gate::count_undecodable(const std::string& to,
                                    const std::string& why) {
  if (auto quiet = count(undecodable_, undecodable_log_))
    log_event(
        log_level::warn, "node", "undecodable message dropped",
        {{"to", to}, {"error", why}, {"dropped_since_last_line", *quiet}});
}

std::shared_ptr<member_gate> gate_of(const caf::actor_system& sys) {
  auto& t = table();
  std::lock_guard<std::mutex> guard{t.mtx};
  auto i = t.gates.find(&sys);
  return i == t.gates.end() ? nullptr : i->second;
}

void set_gate(const caf::actor_system& sys, std::shared_ptr<member_gate> g) {
  auto& t = table();
  std::lock_guard<std::mutex> guard{t.mtx};
  if (g)
    t.gates[&sys] = std::move(g);
  else
    t.gates.erase(&sys);
}

namespace {

/// Drops `x` from a stranger: counts and logs it, answers a request EINVAL.
void refuse(caf::scheduled_actor& self, caf::mailbox_element& x,
            member_gate* gate) {
  if (gate)
    gate->count_refused(self.name(), caf::to_string(x.sender->node()),
                        describe(x.content()));
  if (x.mid.is_request())
    // Answered anonymously: the refusal names no actor of this node.
    x.sender->enqueue(nullptr, x.mid.response_id(),
                      caf::make_message(caf::make_error(
                          caf::sec::invalid_argument,
                          "EINVAL: internal operation refused: the sender is "
                          "not a member of this cluster")),
                      self.context());
}

} // namespace

bool admit_client_message(caf::scheduled_actor& self, caf::mailbox_element& x) {
  if (!x.sender || x.sender->node() == self.node())
    return true;
  auto& xs = x.content();
  if (!x.mid.is_response() && xs.size() > 0 &&
      xs.match_element<caf::atom_value>(0) &&
      xs.get_as<caf::atom_value>(0) != caf::sys_atom::value)
    return true;
  refuse(self, x, gate_of(self.home_system()).get());
  return false;
}

bool admit_message(caf::scheduled_actor& self, caf::mailbox_element& x) {
  // No sender: this node's anonymous sends and timers. A message from a
  // directly connected node always arrives with a proxy of its sender
  // (actor id 0 for an anonymous send); only a routed one can lack it.
  if (!x.sender || x.sender->node() == self.node())
    return true;
  auto gate = gate_of(self.home_system());
  if (gate && gate->member_of(x.sender->node()))
    return true;
  refuse(self, x, gate.get());
  return false;
}

} // namespace ds
