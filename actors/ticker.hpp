// A clock for a detached actor. A delayed message holds a strong reference
// to its receiver until it fires; pending at shutdown, it would keep a
// detached actor (and so the actor system's shutdown) waiting forever. So a
// scheduled ticker keeps the clock and sends each tick through a weak
// address; it ends at the first tick after its owner is gone.
//
// The ticker is deliberately not linked to its owner. A link's exit message
// carries the exiting owner as a strong sender; when the owner exits while
// the actor system shuts down, that message lands in the mailbox of a ticker
// the stopped scheduler never runs again, and the owner (a detached actor
// whose thread waits for its destruction) is never destroyed.
#pragma once

#include <caf/actor_addr.hpp>
#include <caf/behavior.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/message.hpp>

namespace ds {

/// Spawn with owner->spawn(ticker, owner->address(), period,
/// caf::make_message(tick_atom::value)): sends `tick` to the owner every
/// `period`.
caf::behavior ticker(caf::event_based_actor* t, caf::actor_addr owner,
                     caf::timespan period, caf::message tick);

} // namespace ds
