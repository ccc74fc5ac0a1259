#include "model/raft/types.hpp"

namespace ds::raft {

const char* to_string(msg_type t) {
  switch (t) {
  case msg_type::vote:
    return "vote";
  case msg_type::vote_resp:
    return "vote_resp";
  case msg_type::prevote:
    return "prevote";
  case msg_type::prevote_resp:
    return "prevote_resp";
  case msg_type::append:
    return "append";
  case msg_type::append_resp:
    return "append_resp";
  case msg_type::snapshot:
    return "snapshot";
  case msg_type::heartbeat:
    return "heartbeat";
  case msg_type::heartbeat_resp:
    return "heartbeat_resp";
  case msg_type::read_index:
    return "read_index";
  case msg_type::read_index_resp:
    return "read_index_resp";
  }
  return "?";
}

std::string encode_voters(const std::vector<node_id>& voters) {
  std::string out;
  out.reserve(voters.size() * 8);
  for (node_id v : voters)
    for (int b = 0; b < 8; ++b)
      out.push_back(static_cast<char>((v >> (8 * b)) & 0xff));
  return out;
}

std::optional<std::vector<node_id>> decode_voters(const std::string& data) {
  if (data.empty() || data.size() % 8 != 0)
    return std::nullopt;
  std::vector<node_id> out;
  for (std::size_t i = 0; i < data.size(); i += 8) {
    node_id v = 0;
    for (int b = 0; b < 8; ++b)
      v |= static_cast<node_id>(static_cast<unsigned char>(data[i + b]))
           << (8 * b);
    if (v == no_node || (!out.empty() && v <= out.back()))
      return std::nullopt; // ids are sorted and unique
    out.push_back(v);
  }
  return out;
}

} // namespace ds::raft
