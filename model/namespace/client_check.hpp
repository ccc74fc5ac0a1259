// What a client may send in a handle-addressed batch. The gateway is the
// only door clients have, and some operations are the router's own steps:
// the three-step rmdir across two shards (a lone rmdir_commit of an empty
// directory would leave a dangling entry that nothing can remove) and the
// PSM's proactive splits. A batch that carries one, or asks for more
// readdir entries than a reply should hold, is refused whole. Pure.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "model/namespace/ns_ops.hpp"

namespace ds {

/// Most readdir entries one client batch may ask for in all (its pages'
/// sizes summed, each cut to max_readdir_page). An entry of a 255-byte
/// name takes about 330 bytes on the wire, so the replies of one batch stay
/// under 22 MB even when one shard holds every page: below the least
/// `max-message-bytes` a node accepts (32 MiB), so that no client can make
/// a shard's reply that the node receiving it must refuse (closing the
/// link between two nodes).
constexpr std::size_t max_batch_readdir_entries = std::size_t{1} << 16;

/// True for the operations a client may send in a batch (lookup, create,
/// mkdir, unlink, readdir, locate); the others are the router's steps.
inline bool client_op(ns_op op) {
  switch (op) {
  case ns_op::lookup:
  case ns_op::create:
  case ns_op::mkdir:
  case ns_op::unlink:
  case ns_op::readdir:
  case ns_op::locate:
    return true;
  default:
    return false;
  }
}

/// "" if a client may send `reqs`; else why not (naming the first request
/// at fault and its index).
std::string check_client_batch(const std::vector<ns_request>& reqs);

} // namespace ds
