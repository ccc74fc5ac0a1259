#include "model/meta/cluster_map.hpp"

#include <algorithm>

#include "model/meta/placement.hpp"

namespace ds {

bool valid_node_id(const std::string& id) {
  if (id.empty() || id.size() > 32)
    return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

std::string parse_member(const std::string& text, member& out) {
  auto at = text.find('@');
  auto colon = text.rfind(':');
  if (at == std::string::npos || colon == std::string::npos || colon < at)
    return "'" + text + "' is not of the form id@host:port";
  out.id = text.substr(0, at);
  out.host = text.substr(at + 1, colon - at - 1);
  auto port = text.substr(colon + 1);
  if (!valid_node_id(out.id))
    return "'" + out.id + "' is not a node id (1..32 of A-Z a-z 0-9 _ -)";
  if (out.host.empty())
    return "'" + text + "' has no host";
  if (port.empty() || port.size() > 5 ||
      port.find_first_not_of("0123456789") != std::string::npos ||
      std::stoul(port) == 0 || std::stoul(port) > 65535)
    return "'" + text + "' has no valid port (1..65535)";
  out.port = static_cast<uint16_t>(std::stoul(port));
  return {};
}

std::string cluster_map::make(member self, std::vector<member> peers,
                              uint32_t shards_per_node, cluster_map& out,
                              uint32_t replicas) {
  out = cluster_map{};
  if (!valid_node_id(self.id))
    return "'" + self.id + "' is not a node id";
  if (shards_per_node == 0)
    return "a node needs at least one shard";
  auto self_id = self.id;
  peers.push_back(std::move(self));
  std::sort(peers.begin(), peers.end(),
            [](const member& x, const member& y) { return x.id < y.id; });
  for (size_t i = 1; i < peers.size(); ++i)
    if (peers[i].id == peers[i - 1].id)
      return "node id '" + peers[i].id + "' appears twice";
  if (replicas == 0 || replicas > peers.size())
    return "replicas must be between 1 and the number of members (" +
           std::to_string(peers.size()) + "), not " + std::to_string(replicas);
  out.members_ = std::move(peers);
  out.per_node_ = shards_per_node;
  out.replicas_ = replicas;
  for (size_t i = 0; i < out.members_.size(); ++i)
    if (out.members_[i].id == self_id)
      out.self_ = static_cast<uint32_t>(i);
  return {};
}

std::vector<uint32_t> cluster_map::replicas_of(uint32_t shard) const {
  std::vector<uint32_t> out;
  auto n = static_cast<uint32_t>(members_.size());
  for (uint32_t k = 0; k < replicas_; ++k)
    out.push_back((node_of(shard) + k) % n);
  return out;
}

std::vector<uint32_t> cluster_map::hosted_by(uint32_t node) const {
  std::vector<uint32_t> out;
  for (uint32_t s = 0; s < total_shards(); ++s) {
    auto rs = replicas_of(s);
    if (std::find(rs.begin(), rs.end(), node) != rs.end())
      out.push_back(s);
  }
  return out;
}

uint64_t cluster_map::fingerprint() const {
  uint64_t h = key_hash(per_node_);
  // R = 1 leaves the digest as it was before replication, so that the files
  // of an unreplicated cluster stay its own.
  if (replicas_ > 1)
    h = key_hash(h ^ (uint64_t{replicas_} << 32));
  for (auto& m : members_)
    for (char c : m.id + "@" + m.address())
      h = key_hash(h ^ static_cast<unsigned char>(c));
  return h;
}

} // namespace ds
