// A shard proxy for the move tests: everything passes to the real shard,
// except that each part step meets a hook first, which may answer it
// itself (a lost copy, a cut-off source) or only look at it (a spy).
#pragma once

#include <functional>
#include <optional>
#include <utility>
#include <vector>

#include <caf/all.hpp>

#include "messages/ns.hpp"

namespace ds::test {

/// Answers a step in the real shard's place, or passes it on (nullopt).
using step_hook = std::function<std::optional<caf::result<part_reply>>(
    shard_actor::pointer, part_request&)>;

inline shard_actor::behavior_type step_proxy(shard_actor::pointer self,
                                             shard_actor real, step_hook hook) {
  return {
      [=](ns_atom a, std::vector<ns_request>& reqs) {
        return self->delegate(real, a, std::move(reqs));
      },
      [=](shards_atom a) { return self->delegate(real, a); },
      [=](part_atom a, part_request& req) -> caf::result<part_reply> {
        if (auto answer = hook(self, req))
          return std::move(*answer);
        return self->delegate(real, a, std::move(req));
      },
      // The PSM's messages pass through; the real shard keeps its own
      // capacity and held requests.
      [=](psm_tick_atom a, uint64_t slot) { self->send(real, a, slot); },
      [](capacity_atom) {},
      [](park_atom) {},
      [=](psm_import_atom a, std::vector<psm_access>& xs) {
        return self->delegate(real, a, std::move(xs));
      },
  };
}

} // namespace ds::test
