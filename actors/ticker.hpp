// A clock for a detached actor. A delayed message holds a strong reference
// to its receiver until it fires; pending at shutdown, it would keep a
// detached actor (and so the actor system's shutdown) waiting forever. So a
// linked, scheduled ticker keeps the clock and sends each tick through a
// weak address; it ends when its owner does.
#pragma once

#include <caf/actor_addr.hpp>
#include <caf/behavior.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/message.hpp>

namespace ds {

/// Spawn with owner->spawn<caf::linked>(ticker, owner->address(), period,
/// caf::make_message(tick_atom::value)): sends `tick` to the owner every
/// `period`.
caf::behavior ticker(caf::event_based_actor* t, caf::actor_addr owner,
                     caf::timespan period, caf::message tick);

} // namespace ds
