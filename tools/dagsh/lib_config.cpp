// dagsh's `config` table: the cluster's settings in the metadata store.
#include <nlohmann/json.hpp>

#include "client/reply_json.hpp"
#include "tools/dagsh/lua_util.hpp"

namespace ds::dagsh {

namespace {

int config_get(lua_State* L) {
  std::string key = luaL_checkstring(L, 1);
  auto e = with_code<config_entry>(
      L, [key](client& c, errc& code) { return c.config_get(key, code); }, key);
  if (e.version == 0)
    raise_errc(L, errc::enoent, key);
  push_json(L, to_json(e));
  return 1;
}

int config_set(lua_State* L) {
  std::string key = luaL_checkstring(L, 1);
  std::string value = luaL_checkstring(L, 2);
  std::optional<uint64_t> if_version;
  if (!lua_isnoneornil(L, 3)) {
    auto v = luaL_checkinteger(L, 3);
    luaL_argcheck(L, v >= 0, 3, "a version is 0 or more");
    if_version = static_cast<uint64_t>(v);
  }
  auto cl = client_of(L);
  auto r = gated<meta_result>(L, [cl, key, value, if_version] {
    return cl->config_set(key, value, if_version);
  });
  if (r.code == errc::econflict) {
    push_error(L, "ECONFLICT", key, conflict_line(key, r.version, *if_version));
    lua_pushinteger(L, static_cast<lua_Integer>(r.version));
    lua_setfield(L, -2, "version");
    lua_error(L);
  }
  if (r.code != errc::ok)
    raise_errc(L, r.code, key);
  push_json(L, to_json(config_entry{key, value, r.version}));
  return 1;
}

int config_list(lua_State* L) {
  auto xs = with_code<std::vector<config_entry>>(
      L, [](client& c, errc& code) { return c.config_list(code); }, "config");
  push_list(L, xs);
  return 1;
}

const lib_fn fns[] = {
    {"get", config_get,
     "get(key) -> {key, value, version}\nA cluster setting; ENOENT if it was "
     "never set."},
    {"set", config_set,
     "set(key, value [, expected_version]) -> {key, value, version}\n"
     "Sets a setting; with expected_version only if the key is at that "
     "version\n(0: only if absent), else ECONFLICT with the current version "
     "in err.version."},
    {"list", config_list,
     "list() -> list\nEvery setting: {key, value, version}."},
};

} // namespace

void open_config(lua_State* L) {
  register_library(L, "config", fns, std::size(fns));
}

} // namespace ds::dagsh
