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
  }
  return "?";
}

basp_check::basp_check(uint32_t max_payload, std::string own_node)
    : max_payload_(max_payload), own_node_(std::move(own_node)) {}

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
    if (in_handshake_) {
      std::memcpy(node_.data() + node_have_, p, take);
      node_have_ += take;
    }
    p += take;
    n -= take;
    payload_left_ -= take;
    if (payload_left_ > 0)
      break;
    if (in_handshake_) {
      verdict_ = check_handshake_payload();
      in_handshake_ = false;
      node_have_ = 0;
      if (verdict_ == refusal::none)
        greeted_ = true;
    }
    if (verdict_ == refusal::none)
      ++frames_;
  }
  return verdict_;
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
  if (operation > heartbeat)
    return refusal::unknown_operation;
  if (operation == server_handshake)
    return refusal::server_handshake;
  if (!greeted_ && operation != client_handshake)
    return refusal::no_handshake;
  if (payload > max_payload_)
    return refusal::oversized;
  bool ok = false;
  switch (operation) {
  case client_handshake:
    if (source != 0 || dest != 0)
      return refusal::bad_header;
    if (payload != node_id_bytes)
      return refusal::bad_handshake;
    in_handshake_ = true;
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
