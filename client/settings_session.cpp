#include "client/settings_session.hpp"

#include <utility>
#include <vector>

#include <caf/all.hpp>

#include "model/batch_queue.hpp"

namespace ds {

namespace {

using set_queue =
    batch_queue<meta_command, caf::typed_response_promise<meta_result>>;
using get_queue =
    batch_queue<std::string, caf::typed_response_promise<config_entry>>;

struct session_state {
  settings_session_actor::pointer self = nullptr;
  gateway_actor gw;
  settings_session_options opts;
  set_queue sets{max_meta_batch};
  get_queue gets{max_meta_batch};

  /// Queues a caller's request; a flush is scheduled behind every message
  /// already in the mailbox, so requests that arrived together leave
  /// together.
  template <class Answer, class Queue, class Item>
  caf::result<Answer> enqueue(Queue& q, Item item) {
    auto rp = self->make_response_promise<Answer>();
    if (q.push(std::move(item), rp))
      self->send(self, meta_flush_atom::value);
    return rp;
  }

  /// Sends the waiting requests as batches while fewer than max_in_flight
  /// are on their way; each batch's answers come back in its items' order.
  void flush() {
    sets.flushing();
    gets.flushing();
    send_batches<meta_batch_reply>(
        sets, meta_batch_atom::value,
        [](meta_batch_reply& r) -> std::vector<meta_result>& {
          return r.results;
        });
    send_batches<std::vector<config_entry>>(
        gets, cfg_get_many_atom::value,
        [](std::vector<config_entry>& r) -> std::vector<config_entry>& {
          return r;
        });
  }

  template <class Reply, class Queue, class Atom, class Results>
  void send_batches(Queue& q, Atom atom, Results results) {
    while (q.ready()) {
      auto b = std::make_shared<typename Queue::batch>(q.take());
      auto fail = [this, &q, b](const caf::error& e) {
        for (auto& w : b->waiters)
          w.deliver(e);
        q.done();
        flush();
      };
      self->request(gw, opts.timeout, atom, b->items)
          .then(
              [this, &q, b, fail, results](Reply& reply) {
                auto& answers = results(reply);
                if (answers.size() != b->waiters.size())
                  return fail(
                      caf::make_error(caf::sec::invalid_argument,
                                      "a batch answer of the wrong size"));
                for (size_t i = 0; i < answers.size(); ++i)
                  b->waiters[i].deliver(std::move(answers[i]));
                q.done();
                flush();
              },
              [fail](caf::error& e) { fail(e); });
    }
  }

  static inline const char* name = "dagshard.settings_session";
};

settings_session_actor::behavior_type
session(settings_session_actor::stateful_pointer<session_state> self,
        gateway_actor gw, settings_session_options opts) {
  auto& st = self->state;
  st.self = self;
  st.gw = std::move(gw);
  st.opts = opts;
  st.sets = set_queue{max_meta_batch, opts.max_in_flight};
  st.gets = get_queue{max_meta_batch, opts.max_in_flight};
  return {
      [self](meta_atom, meta_command& cmd) -> caf::result<meta_result> {
        return self->state.enqueue<meta_result>(self->state.sets,
                                                std::move(cmd));
      },
      [self](cfg_get_atom, std::string& key) -> caf::result<config_entry> {
        return self->state.enqueue<config_entry>(self->state.gets,
                                                 std::move(key));
      },
      [self](meta_flush_atom) { self->state.flush(); },
  };
}

} // namespace

settings_session_actor spawn_settings_session(caf::actor_system& sys,
                                              gateway_actor gw,
                                              settings_session_options opts) {
  return sys.spawn(session, std::move(gw), opts);
}

} // namespace ds
