#include "actors/settings_session.hpp"

#include <memory>
#include <utility>
#include <vector>

#include <caf/all.hpp>

namespace ds {

namespace {

struct session_state {
  gateway_actor gw;
  settings_session_options opts;
  struct waiting {
    meta_command cmd;
    caf::typed_response_promise<meta_result> rp;
  };
  std::vector<waiting> queue;
  size_t in_flight = 0;
  bool flush_scheduled = false;
};

using self_ptr = settings_session_actor::stateful_pointer<session_state>;

void flush(self_ptr self) {
  auto& st = self->state;
  st.flush_scheduled = false;
  while (!st.queue.empty() && st.in_flight < st.opts.max_in_flight) {
    auto n = std::min(st.queue.size(), max_meta_batch);
    auto batch = std::make_shared<std::vector<session_state::waiting>>(
        std::make_move_iterator(st.queue.begin()),
        std::make_move_iterator(st.queue.begin() + std::ptrdiff_t(n)));
    st.queue.erase(st.queue.begin(), st.queue.begin() + std::ptrdiff_t(n));
    std::vector<meta_command> cmds;
    cmds.reserve(n);
    for (auto& w : *batch)
      cmds.push_back(w.cmd);
    ++st.in_flight;
    self->request(st.gw, st.opts.timeout, meta_batch_atom::value,
                  std::move(cmds))
        .then(
            [self, batch](meta_batch_reply& r) {
              for (size_t i = 0; i < batch->size(); ++i)
                (*batch)[i].rp.deliver(
                    i < r.results.size()
                        ? r.results[i]
                        : meta_result{errc::eunavailable, 0, 0});
              --self->state.in_flight;
              flush(self);
            },
            [self, batch](caf::error& e) {
              for (auto& w : *batch)
                w.rp.deliver(e);
              --self->state.in_flight;
              flush(self);
            });
  }
}

settings_session_actor::behavior_type
session(settings_session_actor::stateful_pointer<session_state> self,
        gateway_actor gw, settings_session_options opts) {
  self->state.gw = std::move(gw);
  self->state.opts = opts;
  if (self->state.opts.max_in_flight == 0)
    self->state.opts.max_in_flight = 1;
  return {
      [self](meta_atom, meta_command& cmd) -> caf::result<meta_result> {
        auto& st = self->state;
        auto rp = self->make_response_promise<meta_result>();
        st.queue.push_back({std::move(cmd), rp});
        if (!st.flush_scheduled && st.in_flight < st.opts.max_in_flight) {
          // Behind every set already in the mailbox: they go together.
          st.flush_scheduled = true;
          self->send(self, meta_flush_atom::value);
        }
        return rp;
      },
      [self](meta_flush_atom) { flush(self); },
  };
}

} // namespace

settings_session_actor spawn_settings_session(caf::actor_system& sys,
                                              gateway_actor gw,
                                              settings_session_options opts) {
  return sys.spawn(session, std::move(gw), opts);
}

} // namespace ds
