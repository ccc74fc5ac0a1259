#include "tools/dagsh/lua_util.hpp"

#include <cmath>
#include <set>

#include <nlohmann/json.hpp>

#include "client/reply_json.hpp"

namespace ds::dagsh {

namespace {

using json = nlohmann::json;

// Registry keys: addresses of these are unique.
const char state_key = 0;
const char error_mt_key = 0;
const char docs_key = 0;
const char null_key = 0;

int error_tostring(lua_State* L) {
  lua_getfield(L, 1, "message");
  if (!lua_isstring(L, -1)) {
    lua_pop(L, 1);
    lua_getfield(L, 1, "code");
  }
  return 1;
}

} // namespace

void attach(lua_State* L, shell_state& st) {
  lua_pushlightuserdata(L, &st);
  lua_rawsetp(L, LUA_REGISTRYINDEX, &state_key);
}

shell_state& state_of(lua_State* L) {
  lua_rawgetp(L, LUA_REGISTRYINDEX, &state_key);
  auto st = static_cast<shell_state*>(lua_touserdata(L, -1));
  lua_pop(L, 1);
  return *st;
}

std::shared_ptr<client> client_of(lua_State* L) {
  auto& st = state_of(L);
  if (st.suspect && st.reconnect) {
    st.suspect = false;
    if (auto cl = st.reconnect())
      st.cl = std::move(cl);
  }
  return st.cl;
}

void register_library(lua_State* L, const char* lib, const lib_fn* fns,
                      size_t n) {
  if (lua_getglobal(L, lib) != LUA_TTABLE) {
    lua_pop(L, 1);
    lua_newtable(L);
    lua_pushvalue(L, -1);
    lua_setglobal(L, lib);
  }
  if (lua_rawgetp(L, LUA_REGISTRYINDEX, &docs_key) != LUA_TTABLE) {
    lua_pop(L, 1);
    lua_newtable(L);
    lua_pushvalue(L, -1);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &docs_key);
  }
  for (size_t i = 0; i < n; ++i) {
    lua_pushcfunction(L, fns[i].fn);
    lua_pushvalue(L, -1);
    lua_setfield(L, -4, fns[i].name);
    lua_pushfstring(L, "%s.%s", lib, fns[i].doc);
    lua_rawset(L, -3); // docs[fn] = "lib.name(...) ..."
  }
  lua_pop(L, 2);
}

void push_docs(lua_State* L) {
  lua_rawgetp(L, LUA_REGISTRYINDEX, &docs_key);
}

void push_error_metatable(lua_State* L) {
  if (lua_rawgetp(L, LUA_REGISTRYINDEX, &error_mt_key) == LUA_TTABLE)
    return;
  lua_pop(L, 1);
  lua_newtable(L);
  lua_pushcfunction(L, error_tostring);
  lua_setfield(L, -2, "__tostring");
  lua_pushliteral(L, "dagsh.error");
  lua_setfield(L, -2, "__name");
  lua_pushvalue(L, -1);
  lua_rawsetp(L, LUA_REGISTRYINDEX, &error_mt_key);
}

void push_error(lua_State* L, const std::string& code, const std::string& path,
                const std::string& message) {
  if (code == "EUNAVAILABLE")
    state_of(L).suspect = true;
  lua_createtable(L, 0, 3);
  lua_pushlstring(L, code.data(), code.size());
  lua_setfield(L, -2, "code");
  if (!path.empty()) {
    lua_pushlstring(L, path.data(), path.size());
    lua_setfield(L, -2, "path");
  }
  lua_pushlstring(L, message.data(), message.size());
  lua_setfield(L, -2, "message");
  push_error_metatable(L);
  lua_setmetatable(L, -2);
}

void raise_error(lua_State* L, const std::string& code, const std::string& path,
                 const std::string& message) {
  push_error(L, code, path, message);
  lua_error(L);
  std::abort(); // lua_error does not return
}

void raise_errc(lua_State* L, errc code, const std::string& subject) {
  raise_error(L, std::string{to_string(code)}, subject,
              error_line(code, subject));
}

bool is_error(lua_State* L, int idx, std::string* code) {
  if (!lua_getmetatable(L, idx))
    return false;
  push_error_metatable(L);
  bool same = lua_rawequal(L, -1, -2);
  lua_pop(L, 2);
  if (same && code) {
    lua_getfield(L, idx, "code");
    *code = lua_isstring(L, -1) ? lua_tostring(L, -1) : "";
    lua_pop(L, 1);
  }
  return same;
}

void push_null(lua_State* L) {
  lua_pushlightuserdata(L, const_cast<char*>(&null_key));
}

void push_json(lua_State* L, const json& j) {
  switch (j.type()) {
  case json::value_t::object:
    lua_createtable(L, 0, static_cast<int>(j.size()));
    for (auto& [k, v] : j.items()) {
      lua_pushlstring(L, k.data(), k.size());
      push_json(L, v);
      lua_rawset(L, -3);
    }
    return;
  case json::value_t::array: {
    lua_createtable(L, static_cast<int>(j.size()), 0);
    lua_Integer i = 0;
    for (auto& v : j) {
      push_json(L, v);
      lua_rawseti(L, -2, ++i);
    }
    return;
  }
  case json::value_t::string: {
    auto& s = j.get_ref<const std::string&>();
    lua_pushlstring(L, s.data(), s.size());
    return;
  }
  case json::value_t::boolean:
    lua_pushboolean(L, j.get<bool>());
    return;
  case json::value_t::number_integer:
    lua_pushinteger(L, j.get<int64_t>());
    return;
  case json::value_t::number_unsigned: {
    auto u = j.get<uint64_t>();
    if (u <= static_cast<uint64_t>(INT64_MAX))
      lua_pushinteger(L, static_cast<lua_Integer>(u));
    else
      lua_pushnumber(L, static_cast<lua_Number>(u));
    return;
  }
  case json::value_t::number_float:
    lua_pushnumber(L, j.get<double>());
    return;
  default:
    push_null(L);
  }
}

namespace {

json table_to_json(lua_State* L, int idx, std::set<const void*>& seen);

json value_to_json(lua_State* L, int idx, std::set<const void*>& seen) {
  idx = lua_absindex(L, idx);
  switch (lua_type(L, idx)) {
  case LUA_TNIL:
    return nullptr;
  case LUA_TBOOLEAN:
    return lua_toboolean(L, idx) != 0;
  case LUA_TNUMBER:
    if (lua_isinteger(L, idx))
      return static_cast<int64_t>(lua_tointeger(L, idx));
    if (!std::isfinite(lua_tonumber(L, idx)))
      luaL_error(L, "json.encode: %f has no JSON form", lua_tonumber(L, idx));
    return lua_tonumber(L, idx);
  case LUA_TSTRING: {
    size_t n = 0;
    auto s = lua_tolstring(L, idx, &n);
    return std::string{s, n};
  }
  case LUA_TTABLE:
    return table_to_json(L, idx, seen);
  case LUA_TLIGHTUSERDATA:
    if (lua_touserdata(L, idx) == &null_key)
      return nullptr;
    [[fallthrough]];
  default:
    luaL_error(L, "json.encode: a %s has no JSON form", luaL_typename(L, idx));
    return nullptr;
  }
}

/// A table whose keys are exactly 1..n is an array; one with string keys
/// only is an object; the empty table is an object.
json table_to_json(lua_State* L, int idx, std::set<const void*>& seen) {
  auto p = lua_topointer(L, idx);
  if (!seen.insert(p).second)
    luaL_error(L, "json.encode: a table contains itself");
  size_t strings = 0, count = 0;
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    ++count;
    strings += lua_type(L, -2) == LUA_TSTRING;
    lua_pop(L, 1);
  }
  auto n = lua_rawlen(L, idx);
  json out;
  if (count > 0 && strings == 0 && n == count) {
    out = json::array();
    for (lua_Integer i = 1; i <= static_cast<lua_Integer>(n); ++i) {
      lua_rawgeti(L, idx, i);
      out.push_back(value_to_json(L, -1, seen));
      lua_pop(L, 1);
    }
  } else if (strings == count) {
    out = json::object();
    lua_pushnil(L);
    while (lua_next(L, idx)) {
      out[lua_tostring(L, -2)] = value_to_json(L, -1, seen);
      lua_pop(L, 1);
    }
  } else {
    luaL_error(L, "json.encode: a table mixes string keys with others, or "
                  "its array has holes");
  }
  seen.erase(p);
  return out;
}

} // namespace

json to_json_value(lua_State* L, int idx) {
  std::set<const void*> seen;
  return value_to_json(L, idx, seen);
}

} // namespace ds::dagsh
