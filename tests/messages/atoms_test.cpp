#include "messages/atoms.hpp"

#include <doctest/doctest.h>

#include <set>

using namespace ds;

TEST_CASE("every atom of the protocols is distinct") {
  const caf::atom_value all[] = {
      meta_atom::value,         cfg_get_atom::value,
      cfg_list_atom::value,     meta_flush_atom::value,
      raft_atom::value,         raft_tick_atom::value,
      raft_peer_atom::value,    raft_status_atom::value,
      place_get_atom::value,    place_sub_atom::value,
      place_push_atom::value,   migrations_atom::value,
      meta_batch_atom::value,   cfg_get_many_atom::value,
      ns_atom::value,           path_atom::value,
      shards_atom::value,       commit_atom::value,
      node_atom::value,         hello_atom::value,
      nodes_atom::value,        peer_atom::value,
      retry_atom::value,        locate_atom::value,
      part_atom::value,         move_atom::value,
      router_stats_atom::value, resolve_atom::value,
  };
  std::set<caf::atom_value> seen(std::begin(all), std::end(all));
  CHECK(seen.size() == std::size(all));
}
