#include "actors/metadata.hpp"

#include <iostream>

#include <caf/all.hpp>

namespace ds {

metadata_actor::behavior_type
metadata_behavior(metadata_actor::stateful_pointer<metadata_state> self,
                  std::shared_ptr<meta_store> store) {
  self->state.store = std::move(store);
  self->state.store->load(self->state.state);
  return {
      [self](meta_atom, const meta_command& cmd) -> caf::result<meta_result> {
        auto& st = self->state;
        // Apply to a copy first: a command that cannot be made durable must
        // leave no trace in memory either.
        auto next = st.state;
        auto r = next.apply(cmd);
        if (r.code != errc::ok)
          return r;
        try {
          st.store->persist(cmd, next);
        } catch (const std::exception& e) {
          std::cerr << "dagshard: metadata replica stops: " << e.what()
                    << std::endl;
          self->quit(caf::make_error(caf::sec::runtime_error, e.what()));
          return caf::make_error(caf::sec::runtime_error, e.what());
        }
        st.state = std::move(next);
        return r;
      },
      [self](cfg_get_atom, const std::string& key) {
        auto e = self->state.state.config(key);
        return e ? *e : config_entry{key, {}, 0};
      },
      [self](cfg_list_atom) { return self->state.state.config_list(); },
  };
}

} // namespace ds
