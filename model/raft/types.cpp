#include "model/raft/types.hpp"

#include "model/enum_names.hpp"

namespace ds::raft {

namespace {
constexpr enum_names<msg_type, 12> msg_type_names{
    {"vote", "vote_resp", "prevote", "prevote_resp", "append", "append_resp",
     "snapshot", "heartbeat", "heartbeat_resp", "read_index",
     "read_index_resp", "timeout_now"}};
} // namespace

const char* to_string(msg_type t) {
  return msg_type_names(t, "?");
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
