// dagsh's `json` table: JSON text to Lua values and back (nlohmann-json).
#include <nlohmann/json.hpp>

#include "tools/dagsh/lua_util.hpp"

namespace ds::dagsh {

namespace {

int json_encode(lua_State* L) {
  luaL_checkany(L, 1);
  auto indent = static_cast<int>(luaL_optinteger(L, 2, -1));
  auto text = to_json_value(L, 1).dump(
      indent, ' ', false, nlohmann::json::error_handler_t::replace);
  lua_pushlstring(L, text.data(), text.size());
  return 1;
}

int json_decode(lua_State* L) {
  size_t n = 0;
  auto s = luaL_checklstring(L, 1, &n);
  auto j = nlohmann::json::parse(s, s + n, nullptr, false);
  if (j.is_discarded())
    raise_error(L, "EINVAL", "", "EINVAL: json.decode: not valid JSON");
  push_json(L, j);
  return 1;
}

const lib_fn fns[] = {
    {"encode", json_encode,
     "encode(value [, indent]) -> string\nJSON text of a value: tables with "
     "keys 1..n are arrays, tables with string\nkeys objects, json.null is "
     "null; indent > 0 pretty-prints."},
    {"decode", json_decode,
     "decode(text) -> value\nThe value of JSON text; null decodes as "
     "json.null. EINVAL for text that is not JSON."},
};

} // namespace

void open_json(lua_State* L) {
  register_library(L, "json", fns, std::size(fns));
  lua_getglobal(L, "json");
  push_null(L);
  lua_setfield(L, -2, "null");
  lua_pop(L, 1);
}

} // namespace ds::dagsh
