#include "client/settings_session.hpp"

#include <memory>
#include <utility>
#include <vector>

#include <caf/all.hpp>

namespace ds {

namespace {

/// Requests of one kind waiting to go (Item, answered with Answer), and
/// how many of their batches are on their way.
template <class Item, class Answer> struct lane {
  struct waiting {
    Item item;
    caf::typed_response_promise<Answer> rp;
  };
  std::vector<waiting> queue;
  size_t in_flight = 0;

  /// Takes up to max_meta_batch waiting requests off the queue.
  std::shared_ptr<std::vector<waiting>> take() {
    auto n = std::min(queue.size(), max_meta_batch);
    auto b = std::make_shared<std::vector<waiting>>(
        std::make_move_iterator(queue.begin()),
        std::make_move_iterator(queue.begin() + std::ptrdiff_t(n)));
    queue.erase(queue.begin(), queue.begin() + std::ptrdiff_t(n));
    return b;
  }
};

struct session_state {
  gateway_actor gw;
  settings_session_options opts;
  lane<meta_command, meta_result> sets;
  lane<std::string, config_entry> gets;
  bool flush_scheduled = false;
};

using self_ptr = settings_session_actor::stateful_pointer<session_state>;

void flush(self_ptr self);

// Sends `lane`'s waiting requests as batches while fewer than
// max_in_flight are on their way; `send(items, on_answers, on_error)`
// sends one batch, whose answers must come back in the items' order.
template <class Lane, class Send>
void flush_lane(self_ptr self, Lane& ln, Send send) {
  while (!ln.queue.empty() && ln.in_flight < self->state.opts.max_in_flight) {
    auto batch = ln.take();
    using item_type = decltype(batch->front().item);
    std::vector<item_type> items;
    items.reserve(batch->size());
    for (auto& w : *batch)
      items.push_back(w.item);
    ++ln.in_flight;
    auto fail = [self, &ln, batch](const caf::error& e) {
      for (auto& w : *batch)
        w.rp.deliver(e);
      --ln.in_flight;
      flush(self);
    };
    send(
        std::move(items),
        [self, &ln, batch, fail](auto& answers) {
          if (answers.size() != batch->size())
            return fail(caf::make_error(caf::sec::invalid_argument,
                                        "a batch answer of the wrong size"));
          for (size_t i = 0; i < batch->size(); ++i)
            (*batch)[i].rp.deliver(std::move(answers[i]));
          --ln.in_flight;
          flush(self);
        },
        fail);
  }
}

void flush(self_ptr self) {
  auto& st = self->state;
  st.flush_scheduled = false;
  auto to = st.opts.timeout;
  flush_lane(self, st.sets, [&](auto items, auto ok, auto fail) {
    self->request(st.gw, to, meta_batch_atom::value, std::move(items))
        .then([ok](meta_batch_reply& r) mutable { ok(r.results); },
              [fail](caf::error& e) mutable { fail(e); });
  });
  flush_lane(self, st.gets, [&](auto items, auto ok, auto fail) {
    self->request(st.gw, to, cfg_get_many_atom::value, std::move(items))
        .then([ok](std::vector<config_entry>& r) mutable { ok(r); },
              [fail](caf::error& e) mutable { fail(e); });
  });
}

// Queues a request; the flush goes behind every message already in the
// mailbox, so the requests that arrived together leave together.
template <class Lane, class Item, class Answer>
caf::result<Answer> enqueue(self_ptr self, Lane& ln, Item item) {
  auto rp = self->make_response_promise<Answer>();
  ln.queue.push_back({std::move(item), rp});
  auto& st = self->state;
  if (!st.flush_scheduled && ln.in_flight < st.opts.max_in_flight) {
    st.flush_scheduled = true;
    self->send(self, meta_flush_atom::value);
  }
  return rp;
}

settings_session_actor::behavior_type session(self_ptr self, gateway_actor gw,
                                              settings_session_options opts) {
  self->state.gw = std::move(gw);
  self->state.opts = opts;
  if (self->state.opts.max_in_flight == 0)
    self->state.opts.max_in_flight = 1;
  return {
      [self](meta_atom, meta_command& cmd) -> caf::result<meta_result> {
        return enqueue<decltype(self->state.sets), meta_command, meta_result>(
            self, self->state.sets, std::move(cmd));
      },
      [self](cfg_get_atom, std::string& key) -> caf::result<config_entry> {
        return enqueue<decltype(self->state.gets), std::string, config_entry>(
            self, self->state.gets, std::move(key));
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
