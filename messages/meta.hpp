// The metadata protocol: cluster settings and the placement map, served by
// the metadata replica. One line per message.
#pragma once

#include <string>
#include <vector>

#include <caf/atom.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "model/meta_state.hpp"

namespace ds {

using meta_atom = caf::atom_constant<caf::atom("meta")>;
using cfg_get_atom = caf::atom_constant<caf::atom("cfgget")>;
using cfg_list_atom = caf::atom_constant<caf::atom("cfglist")>;
using meta_flush_atom = caf::atom_constant<caf::atom("metaflush")>;

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, meta_command& x) {
  return f(caf::meta::type_name("ds::meta_command"), x.kind, x.key, x.value,
           x.if_version, x.conditional, x.dir, x.node, x.shard);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, meta_result& x) {
  return f(caf::meta::type_name("ds::meta_result"), x.code, x.version, x.epoch);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, config_entry& x) {
  return f(caf::meta::type_name("ds::config_entry"), x.key, x.value, x.version);
}

/// The metadata replica (a group of one until the store is replicated).
using metadata_actor = caf::typed_actor<
    // Applies a command in order; answers after it is durable.
    caf::replies_to<meta_atom, meta_command>::with<meta_result>,
    // One setting; version 0 means it does not exist.
    caf::replies_to<cfg_get_atom, std::string>::with<config_entry>,
    // Every setting, sorted by key.
    caf::replies_to<cfg_list_atom>::with<std::vector<config_entry>>,
    // Internal: persist the commands collected so far and answer them.
    caf::reacts_to<meta_flush_atom>>;

} // namespace ds
