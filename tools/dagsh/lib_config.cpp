// dagsh's `config` table: the cluster's settings in the metadata store.
#include <nlohmann/json.hpp>

#include "client/reply_json.hpp"
#include "tools/dagsh/lua_util.hpp"

namespace ds::dagsh {

namespace {

int config_get(lua_State* L) {
  std::string key = luaL_checkstring(L, 1);
  auto cl = client_of(L);
  struct result {
    config_entry e;
    errc code = errc::ok;
  };
  auto r = gated<result>(L, [cl, key] {
    result out;
    out.e = cl->config_get(key, out.code);
    return out;
  });
  if (r.code == errc::ok && r.e.version == 0)
    r.code = errc::enoent;
  if (r.code != errc::ok)
    raise_errc(L, r.code, key);
  push_json(L, to_json(r.e));
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
  auto cl = client_of(L);
  struct result {
    std::vector<config_entry> xs;
    errc code = errc::ok;
  };
  auto r = gated<result>(L, [cl] {
    result out;
    out.xs = cl->config_list(out.code);
    return out;
  });
  if (r.code != errc::ok)
    raise_errc(L, r.code, "config");
  auto arr = nlohmann::json::array();
  for (auto& e : r.xs)
    arr.push_back(to_json(e));
  push_json(L, arr);
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
    {"list", config_list, "list() -> list\nEvery setting: {key, value, version}."},
};

} // namespace

void open_config(lua_State* L) {
  register_library(L, "config", fns, std::size(fns));
}

} // namespace ds::dagsh
