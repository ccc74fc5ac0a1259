// A shard proxy that takes a while to store each chunk of a copy (a slow
// destination), so that a move's copy spans virtual time. Shared by the
// move tests.
#pragma once

#include <map>
#include <utility>
#include <vector>

#include <caf/all.hpp>

#include "messages/ns.hpp"

namespace ds::test {

using slow_shard_actor =
    shard_actor::extend<caf::reacts_to<retry_atom, uint64_t>>;

struct slow_state {
  std::map<uint64_t,
           std::pair<caf::typed_response_promise<part_reply>, part_request>>
      held;
  uint64_t seq = 0;
};

/// Passes everything to `real`, except that each part_import is sent on
/// only after `delay`.
inline slow_shard_actor::behavior_type
slow_import(slow_shard_actor::stateful_pointer<slow_state> self,
            shard_actor real, caf::timespan delay) {
  return {
      [=](ns_atom a, std::vector<ns_request>& reqs) {
        return self->delegate(real, a, std::move(reqs));
      },
      [=](shards_atom a) { return self->delegate(real, a); },
      [=](part_atom a, part_request& req) -> caf::result<part_reply> {
        if (!std::holds_alternative<part_import>(req))
          return self->delegate(real, a, std::move(req));
        auto rp = self->make_response_promise<part_reply>();
        auto id = ++self->state.seq;
        self->state.held.emplace(id, std::make_pair(rp, std::move(req)));
        self->delayed_send(self, delay, retry_atom::value, id);
        return rp;
      },
      [=](retry_atom, uint64_t id) {
        auto held = std::move(self->state.held.at(id));
        self->state.held.erase(id);
        self->request(real, caf::infinite, part_atom::value,
                      std::move(held.second))
            .then([rp = held.first](part_reply& r) mutable {
              rp.deliver(std::move(r));
            });
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
