// Cluster membership as configured: the members, sorted by id, and the
// numbering of every shard in the cluster. Identical on every node that has
// the same member list and shard count.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ds {

struct member {
  std::string id; ///< 1..32 characters of [A-Za-z0-9_-]
  std::string host;
  uint16_t port = 0;

  std::string address() const { return host + ":" + std::to_string(port); }
};

/// Parses "id@host:port"; returns an error message or "".
std::string parse_member(const std::string& text, member& out);

/// Checks a node id: 1..32 characters of [A-Za-z0-9_-].
bool valid_node_id(const std::string& id);

class cluster_map {
public:
  cluster_map() = default;

  /// `self` plus `peers`; every node has `shards_per_node` shards, each
  /// replicated on `replicas` distinct members. Returns an error message
  /// (duplicate ids, a peer named like this node, more replicas than
  /// members) or "".
  static std::string make(member self, std::vector<member> peers,
                          uint32_t shards_per_node, cluster_map& out,
                          uint32_t replicas = 1);

  const std::vector<member>& members() const { return members_; }
  uint32_t self_index() const { return self_; }
  uint32_t shards_per_node() const { return per_node_; }
  uint32_t total_shards() const {
    return per_node_ * static_cast<uint32_t>(members_.size());
  }
  /// Member index that hosts global shard `shard`.
  uint32_t node_of(uint32_t shard) const { return shard / per_node_; }
  /// Global id of local shard `local` of member `node`.
  uint32_t global_shard(uint32_t node, uint32_t local) const {
    return node * per_node_ + local;
  }
  /// Replicas of every shard (R).
  uint32_t replicas() const { return replicas_; }
  /// The members holding a replica of global shard `shard`: R distinct
  /// members, its home member first (the preferred leader), then the next
  /// ones in member order, wrapping. Every member is home to as many shards
  /// and holds as many replicas as every other, so leaders spread evenly.
  std::vector<uint32_t> replicas_of(uint32_t shard) const;
  /// The global shards of which member `node` holds a replica, ascending.
  std::vector<uint32_t> hosted_by(uint32_t node) const;
  /// A digest of the member list, shard count and replica count: nodes that
  /// disagree on it must not route to each other.
  uint64_t fingerprint() const;

private:
  std::vector<member> members_;
  uint32_t self_ = 0;
  uint32_t per_node_ = 1;
  uint32_t replicas_ = 1;
};

} // namespace ds
