#include "actors/metadata.hpp"

#include <iostream>

#include <caf/all.hpp>

namespace ds {

namespace {

/// Persists the batch in one transaction and answers every command in it.
void flush(metadata_actor::stateful_pointer<metadata_state> self) {
  auto& st = self->state;
  st.flush_scheduled = false;
  if (st.batch.empty())
    return;
  try {
    st.store->persist(st.batch, *st.pending);
  } catch (const std::exception& e) {
    std::cerr << "dagshard: metadata replica stops: " << e.what() << std::endl;
    auto err = caf::make_error(caf::sec::runtime_error, e.what());
    for (auto& rp : st.promises)
      rp.deliver(err);
    self->quit(err);
    return;
  }
  st.committed = std::move(*st.pending);
  st.pending.reset();
  for (size_t i = 0; i < st.promises.size(); ++i)
    st.promises[i].deliver(st.results[i]);
  st.batch.clear();
  st.promises.clear();
  st.results.clear();
}

} // namespace

metadata_actor::behavior_type
metadata_behavior(metadata_actor::stateful_pointer<metadata_state> self,
                  std::shared_ptr<meta_store> store) {
  self->state.store = std::move(store);
  self->state.store->load(self->state.committed);
  return {
      [self](meta_atom, const meta_command& cmd) -> caf::result<meta_result> {
        auto& st = self->state;
        if (!st.pending)
          st.pending = std::make_unique<meta_state>(st.committed);
        auto r = st.pending->apply(cmd);
        if (r.code != errc::ok)
          return r; // refused: changes nothing, nothing to persist
        st.batch.push_back(cmd);
        st.results.push_back(r);
        st.promises.push_back(self->make_response_promise<meta_result>());
        if (!st.flush_scheduled) {
          // Behind every message already queued: they join this transaction.
          st.flush_scheduled = true;
          self->send(self, meta_flush_atom::value);
        }
        return st.promises.back();
      },
      [self](meta_flush_atom) { flush(self); },
      [self](cfg_get_atom, const std::string& key) {
        auto e = self->state.committed.config(key);
        return e ? *e : config_entry{key, {}, 0};
      },
      [self](cfg_list_atom) { return self->state.committed.config_list(); },
  };
}

} // namespace ds
