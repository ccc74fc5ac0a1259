#include "model/meta_state.hpp"

namespace ds {

errc validate_config_key(const std::string& key) {
  if (key.empty() || key.size() > max_config_key)
    return errc::einval;
  for (char c : key)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
          (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
      return errc::einval;
  return errc::ok;
}

meta_result meta_state::apply(const meta_command& cmd) {
  meta_result r;
  switch (cmd.kind) {
  case meta_command::config_set: {
    if (validate_config_key(cmd.key) != errc::ok ||
        cmd.value.size() > max_config_value) {
      r.code = errc::einval;
      break;
    }
    auto i = config_.find(cmd.key);
    uint64_t current = i == config_.end() ? 0 : i->second.version;
    if (cmd.conditional && cmd.if_version != current) {
      r.code = errc::econflict;
      r.version = current;
      break;
    }
    auto& e = config_[cmd.key];
    e.key = cmd.key;
    e.value = cmd.value;
    e.version = current + 1;
    r.version = e.version;
    break;
  }
  case meta_command::placement_set:
    moved_[{cmd.dir, cmd.node}] = cmd.shard;
    ++epoch_;
    break;
  case meta_command::placement_clear:
    if (moved_.erase({cmd.dir, cmd.node}) == 0) {
      r.code = errc::enoent;
      break;
    }
    ++epoch_;
    break;
  default:
    r.code = errc::einval;
  }
  r.epoch = epoch_;
  return r;
}

std::optional<config_entry> meta_state::config(const std::string& key) const {
  auto i = config_.find(key);
  if (i == config_.end())
    return std::nullopt;
  return i->second;
}

std::vector<config_entry> meta_state::config_list() const {
  std::vector<config_entry> out;
  for (auto& [k, e] : config_)
    out.push_back(e);
  return out;
}

std::optional<uint32_t> meta_state::placement(inode_id dir,
                                              node_id node) const {
  auto i = moved_.find({dir, node});
  if (i == moved_.end())
    return std::nullopt;
  return i->second;
}

void meta_state::restore(std::vector<config_entry> config,
                         std::map<std::pair<inode_id, node_id>, uint32_t> moved,
                         uint64_t epoch) {
  config_.clear();
  for (auto& e : config)
    config_[e.key] = std::move(e);
  moved_ = std::move(moved);
  epoch_ = epoch;
}

} // namespace ds
