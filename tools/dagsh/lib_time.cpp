// dagsh's `time` table: a monotonic clock for measuring, the wall clock,
// and a sleep that Ctrl-C cuts short.
#include <chrono>

#include "tools/dagsh/lua_util.hpp"

namespace ds::dagsh {

namespace {

int time_now(lua_State* L) {
  auto t = std::chrono::steady_clock::now().time_since_epoch();
  lua_pushnumber(L, std::chrono::duration<double>(t).count());
  return 1;
}

int time_wall(lua_State* L) {
  auto t = std::chrono::system_clock::now().time_since_epoch();
  lua_pushnumber(L, std::chrono::duration<double>(t).count());
  return 1;
}

int time_sleep(lua_State* L) {
  auto s = luaL_checknumber(L, 1);
  luaL_argcheck(L, s >= 0 && s <= 86400, 1, "seconds must be 0 to 86400");
  if (!interruptible_sleep(s))
    luaL_error(L, "interrupted!");
  return 0;
}

const lib_fn fns[] = {
    {"now", time_now,
     "now() -> seconds\nA monotonic clock (seconds, fractional): subtract two "
     "readings to time something."},
    {"wall", time_wall, "wall() -> seconds\nSeconds since 1970 (UTC)."},
    {"sleep", time_sleep,
     "sleep(seconds)\nWaits; Ctrl-C cuts it short with an error."},
};

} // namespace

void open_time(lua_State* L) {
  register_library(L, "time", fns, std::size(fns));
}

} // namespace ds::dagsh
