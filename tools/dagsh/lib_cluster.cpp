// dagsh's `cluster` table: members, shards, placement and moves of parts,
// the router's counters and the metadata replicas' Raft state.
#include <nlohmann/json.hpp>

#include "client/console.hpp"
#include "client/reply_json.hpp"
#include "tools/dagsh/lua_util.hpp"

namespace ds::dagsh {

namespace {

using json = nlohmann::json;

[[noreturn]] void unanswered(lua_State* L) {
  raise_error(L, "EUNAVAILABLE", "", "EUNAVAILABLE: the node did not answer");
}

/// Pushes xs as a list of tables.
template <class T> void push_list(lua_State* L, const std::vector<T>& xs) {
  json arr = json::array();
  for (auto& x : xs)
    arr.push_back(to_json(x));
  push_json(L, arr);
}

int cluster_nodes(lua_State* L) {
  auto cl = client_of(L);
  auto xs = gated<std::vector<node_info>>(L, [cl] { return cl->nodes(); });
  if (xs.empty())
    unanswered(L);
  push_list(L, xs);
  return 1;
}

int cluster_shards(lua_State* L) {
  auto cl = client_of(L);
  auto xs = gated<std::vector<shard_info>>(L, [cl] { return cl->shards(); });
  if (xs.empty())
    unanswered(L);
  push_list(L, xs);
  return 1;
}

int cluster_placement(lua_State* L) {
  std::string path = luaL_checkstring(L, 1);
  auto cl = client_of(L);
  auto x =
      gated<placement_info>(L, [cl, path] { return cl->locate(path); });
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
    raise_error(L, "EINVAL", dir,
                "EINVAL: bad shard " + std::to_string(shard));
  auto cl = client_of(L);
  auto to = static_cast<uint32_t>(shard);
  auto m = gated<meta_result>(L, [cl, dir, r, to] { return cl->move(dir, r, to); });
  if (m.code != errc::ok)
    raise_errc(L, m.code, dir + " " + part);
  push_json(L, json{{"migration", m.migration}, {"epoch", m.epoch}});
  return 1;
}

/// A call that reports failure through an errc.
template <class T, class F> T coded(lua_State* L, F f) {
  auto cl = client_of(L);
  struct result {
    T value;
    errc code = errc::ok;
  };
  auto r = gated<result>(L, [cl, f] {
    result out;
    out.value = f(*cl, out.code);
    return out;
  });
  if (r.code != errc::ok)
    unanswered(L);
  return std::move(r.value);
}

int cluster_migrations(lua_State* L) {
  push_list(L, coded<std::vector<migration_record>>(
                   L, [](client& c, errc& e) { return c.migrations(e); }));
  return 1;
}

int cluster_router(lua_State* L) {
  push_json(L, to_json(coded<router_stats>(
                   L, [](client& c, errc& e) { return c.router(e); })));
  return 1;
}

int cluster_raft(lua_State* L) {
  push_list(L, coded<std::vector<raft_status>>(
                   L, [](client& c, errc& e) { return c.raft_state(e); }));
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
     "move(dir, part, shard) -> {migration, epoch}\nMoves part \"BITS:INDEX\" "
     "(the INDEX-th of 2^BITS equal parts of dir's name hashes)\nto shard; "
     "reads and writes go on."},
    {"migrations", cluster_migrations,
     "migrations() -> list\nEvery move of a part: {id, dir, lo, hi, from, to, "
     "state, epoch}."},
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
