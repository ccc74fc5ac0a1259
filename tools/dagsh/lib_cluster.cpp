// dagsh's `cluster` table: members, shards, placement and moves of parts,
// the router's counters and the metadata replicas' Raft state.
#include <nlohmann/json.hpp>

#include "client/console.hpp"
#include "client/reply_json.hpp"
#include "tools/dagsh/lua_util.hpp"

namespace ds::dagsh {

namespace {

using json = nlohmann::json;

int cluster_nodes(lua_State* L) {
  auto cl = client_of(L);
  auto xs = gated<std::vector<node_info>>(L, [cl] { return cl->nodes(); });
  if (xs.empty())
    raise_errc(L, errc::eunavailable, "cluster");
  push_list(L, xs);
  return 1;
}

int cluster_shards(lua_State* L) {
  auto cl = client_of(L);
  auto xs = gated<std::vector<shard_info>>(L, [cl] { return cl->shards(); });
  if (xs.empty())
    raise_errc(L, errc::eunavailable, "cluster");
  push_list(L, xs);
  return 1;
}

int cluster_placement(lua_State* L) {
  std::string path = luaL_checkstring(L, 1);
  auto cl = client_of(L);
  auto x = gated<placement_info>(L, [cl, path] { return cl->locate(path); });
  if (x.code != errc::ok)
    raise_errc(L, x.code, path);
  push_json(L, placement_json(path, x));
  return 1;
}

int cluster_move(lua_State* L) {
  std::string dir = luaL_checkstring(L, 1);
  std::string part = luaL_checkstring(L, 2);
  auto shard = luaL_checkinteger(L, 3);
  hash_range r;
  if (!parse_part(part, r))
    raise_error(L, "EINVAL", dir,
                "EINVAL: bad part " + part +
                    " (BITS:INDEX, 1 <= BITS <= 32, INDEX < 2^BITS)");
  if (shard < 0 || shard > 1'000'000)
    raise_error(L, "EINVAL", dir, "EINVAL: bad shard " + std::to_string(shard));
  auto cl = client_of(L);
  auto to = static_cast<uint32_t>(shard);
  auto m =
      gated<meta_result>(L, [cl, dir, r, to] { return cl->move(dir, r, to); });
  if (m.code != errc::ok)
    raise_errc(L, m.code, dir + " " + part);
  push_json(L, json{{"migration", m.migration},
                    {"epoch", m.epoch},
                    {"entries", m.entries}});
  return 1;
}

int cluster_migrations(lua_State* L) {
  push_list(
      L, with_code<std::vector<migration_record>>(
             L, [](client& c, errc& e) { return c.migrations(e); }, "cluster"));
  return 1;
}

int cluster_router(lua_State* L) {
  push_json(L,
            to_json(with_code<router_stats>(
                L, [](client& c, errc& e) { return c.router(e); }, "cluster")));
  return 1;
}

int cluster_raft(lua_State* L) {
  push_list(
      L, with_code<std::vector<raft_status>>(
             L, [](client& c, errc& e) { return c.raft_state(e); }, "cluster"));
  return 1;
}

const lib_fn fns[] = {
    {"nodes", cluster_nodes,
     "nodes() -> list\nThe cluster's members: {id, address, self, "
     "reachable, detail}."},
    {"shards", cluster_shards,
     "shards() -> list\nEvery shard's counters: {shard, node, reachable, "
     "dirs, dag_nodes, entries, ops, ...}."},
    {"placement", cluster_placement,
     "placement(path) -> table\nWhere the DAG node of path's entry lives: "
     "{path, dir, dag_node, shard, node, epoch}."},
    {"move", cluster_move,
     "move(dir, part, shard) -> {migration, epoch, entries}\nMoves part "
     "\"BITS:INDEX\" "
     "(the INDEX-th of 2^BITS equal parts of dir's name hashes)\nto shard; "
     "reads and writes go on."},
    {"migrations", cluster_migrations,
     "migrations() -> list\nThe record of moves kept (a bounded history): "
     "{id, dir, lo, hi, from, to, state, epoch, settled, entries}."},
    {"router", cluster_router,
     "router() -> table\nThis node's router counters: {routed, cache_hits, "
     "cache_misses, wrong_shard, refreshes, retries, pushes}."},
    {"raft", cluster_raft,
     "raft() -> list\nEvery metadata replica's Raft state: {id, reachable, "
     "role, term, leader, commit, applied, ...}."},
};

} // namespace

void open_cluster(lua_State* L) {
  register_library(L, "cluster", fns, std::size(fns));
}

} // namespace ds::dagsh
