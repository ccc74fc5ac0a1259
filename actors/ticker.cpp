#include "actors/ticker.hpp"

#include <caf/all.hpp>

#include "messages/atoms.hpp"

namespace ds {

caf::behavior ticker(caf::event_based_actor* t, caf::actor_addr owner,
                     caf::timespan period, caf::message tick) {
  t->delayed_send(t, period, ticker_fire_atom::value);
  return {
      [t, owner, period, tick](ticker_fire_atom) {
        auto target = caf::actor_cast<caf::actor>(owner);
        if (!target) {
          t->quit();
          return;
        }
        t->send(target, tick);
        t->delayed_send(t, period, ticker_fire_atom::value);
      },
  };
}

} // namespace ds
