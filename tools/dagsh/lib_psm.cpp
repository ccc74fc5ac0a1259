// dagsh's `psm` table: the Predictive Sharding Manager. It does not run in
// the nodes yet, so every call answers so; the names are reserved for it.
#include "tools/dagsh/lua_util.hpp"

namespace ds::dagsh {

namespace {

int not_built(lua_State* L) {
  raise_error(L, "ENOTSUP", "",
              "ENOTSUP: the Predictive Sharding Manager is not built yet");
}

const lib_fn fns[] = {
    {"status", not_built,
     "status() -> table\nThe PSM's state (not built yet)."},
    {"forecast", not_built,
     "forecast(path) -> table\nThe forecast load of a directory (not built "
     "yet)."},
    {"plan", not_built,
     "plan() -> list\nThe moves the PSM plans (not built yet)."},
    {"decisions", not_built,
     "decisions() -> list\nThe PSM's past decisions (not built yet)."},
    {"policy", not_built,
     "policy([name]) -> string\nThe sharding policy, or sets it (not built "
     "yet)."},
};

} // namespace

void open_psm(lua_State* L) {
  register_library(L, "psm", fns, std::size(fns));
}

} // namespace ds::dagsh
