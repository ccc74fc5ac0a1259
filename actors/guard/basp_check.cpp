#include "actors/guard/basp_check.hpp"

#include <algorithm>
#include <cstring>

namespace ds::guard {

namespace {

uint64_t big_endian(const uint8_t* p, size_t n) {
  uint64_t x = 0;
  for (size_t i = 0; i < n; ++i)
    x = (x << 8) | p[i];
  return x;
}

// CAF 0.17's operation codes.
enum op : uint8_t {
  server_handshake = 0,
  client_handshake = 1,
  direct_message = 2,
  routed_message = 3,
  monitor_message = 4,
  down_message = 5,
  heartbeat = 6,
};

} // namespace

const char* to_string(refusal r) {
  switch (r) {
  case refusal::none:
    return "none";
  case refusal::unknown_operation:
    return "unknown_operation";
  case refusal::no_handshake:
    return "no_handshake";
  case refusal::server_handshake:
    return "server_handshake";
  case refusal::bad_header:
    return "bad_header";
  case refusal::bad_handshake:
    return "bad_handshake";
  case refusal::own_node_id:
    return "own_node_id";
  case refusal::oversized:
    return "oversized";
  case refusal::handshake_timeout:
    return "handshake_timeout";
  case refusal::client_handshake:
    return "client_handshake";
  case refusal::forged_source:
    return "forged_source";
  case refusal::tls_handshake:
    return "tls_handshake";
  case refusal::certificate:
    return "certificate";
  case refusal::backlog:
    return "backlog";
  }
  return "?";
}

basp_check::basp_check(uint32_t max_payload, std::string own_node,
                       conn_side side)
    : max_payload_(max_payload), own_node_(std::move(own_node)), side_(side) {}

refusal basp_check::feed(const char* data, size_t n) {
  auto p = reinterpret_cast<const uint8_t*>(data);
  while (n > 0 && verdict_ == refusal::none) {
    if (payload_left_ == 0) {
      auto take = std::min(n, header_bytes - header_have_);
      std::memcpy(header_.data() + header_have_, p, take);
      header_have_ += take;
      p += take;
      n -= take;
      if (header_have_ < header_bytes)
        break;
      header_have_ = 0;
      verdict_ = check_header();
      if (verdict_ == refusal::none && payload_left_ == 0)
        ++frames_;
      continue;
    }
    auto take = static_cast<size_t>(std::min<uint64_t>(n, payload_left_));
    if (lead_ != lead::none) {
      auto keep = std::min(take, node_id_bytes - node_have_);
      std::memcpy(node_.data() + node_have_, p, keep);
      node_have_ += keep;
      if (node_have_ == node_id_bytes)
        verdict_ = check_lead();
    }
    p += take;
    n -= take;
    payload_left_ -= take;
    if (payload_left_ > 0 || verdict_ != refusal::none)
      break;
    ++frames_;
  }
  return verdict_;
}

refusal basp_check::check_lead() {
  auto kind = lead_;
  lead_ = lead::none;
  node_have_ = 0;
  std::string id(node_.begin(), node_.end());
  if (kind == lead::source)
    return id == node_id_ ? refusal::none : refusal::forged_source;
  if (auto why = check_handshake_payload(); why != refusal::none)
    return why;
  // A repeated handshake (CAF's select_connection_flag) restates the node.
  if (greeted_ && id != node_id_)
    return refusal::bad_handshake;
  node_id_ = std::move(id);
  greeted_ = true;
  return refusal::none;
}

// The rules CAF 0.17 applies to a header (basp::valid), and what it
// misses: a handshake without payload (read through a null pointer), a
// payload length above the cap (allocated before a byte of it arrives),
// anything before the client's handshake, a server handshake sent to a
// server.
refusal basp_check::check_header() {
  auto& h = header_;
  auto operation = h[0];
  auto payload = static_cast<uint32_t>(big_endian(&h[4], 4));
  auto op_data = big_endian(&h[8], 8);
  auto source = big_endian(&h[16], 8);
  auto dest = big_endian(&h[24], 8);
  bool accepted = side_ == conn_side::accepted;
  if (operation > heartbeat)
    return refusal::unknown_operation;
  if (operation == server_handshake && accepted)
    return refusal::server_handshake;
  if (operation == client_handshake && !accepted)
    return refusal::client_handshake;
  auto opening = accepted ? client_handshake : server_handshake;
  if (!greeted_ && operation != opening)
    return refusal::no_handshake;
  if (payload > max_payload_)
    return refusal::oversized;
  bool ok = false;
  switch (operation) {
  case server_handshake:
    // Its payload: the server's node id, application ids, the published
    // actor and its interface.
    if (greeted_)
      return refusal::bad_handshake;
    if (payload < node_id_bytes)
      return refusal::bad_handshake;
    lead_ = lead::handshake;
    ok = true;
    break;
  case client_handshake:
    if (source != 0 || dest != 0)
      return refusal::bad_header;
    if (payload != node_id_bytes)
      return refusal::bad_handshake;
    lead_ = lead::handshake;
    ok = true;
    break;
  case direct_message:
  case routed_message:
    ok = dest != 0 && payload != 0;
    break;
  case monitor_message:
    ok = payload != 0 && op_data == 0;
    break;
  case down_message:
    ok = source != 0 && dest == 0 && payload != 0 && op_data == 0;
    break;
  case heartbeat:
    ok = source == 0 && dest == 0 && payload == 0 && op_data == 0;
    break;
  }
  if (!ok)
    return refusal::bad_header;
  // Routed, monitor and down messages open with their source node.
  if (strict_source_ && operation >= routed_message &&
      operation <= down_message) {
    if (payload < node_id_bytes)
      return refusal::forged_source;
    lead_ = lead::source;
  }
  payload_left_ = payload;
  return refusal::none;
}

refusal basp_check::check_handshake_payload() const {
  if (big_endian(node_.data(), 8) != default_node_id_class)
    return refusal::bad_handshake;
  auto host = node_.begin() + 12;
  if (std::all_of(host, node_.end(), [](uint8_t b) { return b == 0; }))
    return refusal::bad_handshake;
  if (own_node_.size() == node_id_bytes &&
      std::memcmp(own_node_.data(), node_.data(), node_id_bytes) == 0)
    return refusal::own_node_id;
  return refusal::none;
}

} // namespace ds::guard
