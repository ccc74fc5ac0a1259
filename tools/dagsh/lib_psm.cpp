// dagsh's `psm` table: the Predictive Sharding Manager's state, decisions,
// dry run, forecasts and policy, as dagctl's `psm` commands give them.
#include <nlohmann/json.hpp>

#include "client/reply_json.hpp"
#include "psm/plan/decision_codec.hpp"
#include "tools/dagsh/lua_util.hpp"

namespace ds::dagsh {

namespace {

using json = nlohmann::json;

/// The decisions of `ps` (of directory `dir` only, unless 0) as a list.
json decisions_json(lua_State* L, const std::vector<psm_planning>& ps,
                    inode_id dir) {
  auto arr = json::array();
  try {
    for (auto& p : ps)
      for (auto& d : plan::decode_decisions(p.decisions))
        if (dir == 0 || d.part.dir == dir)
          arr.push_back(to_json(d));
  } catch (const std::exception& e) {
    raise_error(L, "EIO", "", std::string{"EIO: "} + e.what());
  }
  return arr;
}

int psm_status_fn(lua_State* L) {
  auto s = with_code<psm_status>(
      L, [](client& c, errc& e) { return c.psm_state(e); }, "psm");
  auto ps = with_code<std::vector<psm_planning>>(
      L, [](client& c, errc& e) { return c.psm_plannings(0, e); }, "psm");
  push_json(L, psm_status_json(s, ps));
  return 1;
}

int psm_decisions_fn(lua_State* L) {
  int64_t since = luaL_optinteger(L, 1, 0);
  inode_id dir = 0;
  if (!lua_isnoneornil(L, 2)) {
    std::string path = luaL_checkstring(L, 2);
    auto cl = client_of(L);
    path_request st;
    st.op = path_op::stat;
    st.path = path;
    auto r = gated<ns_reply>(L, [cl, st] { return cl->call(st); });
    if (r.code != errc::ok)
      raise_errc(L, r.code, path);
    if (r.a.kind != entry_kind::dir)
      raise_errc(L, errc::enotdir, path);
    dir = r.a.ino;
  }
  auto ps = with_code<std::vector<psm_planning>>(
      L, [since](client& c, errc& e) { return c.psm_plannings(since, e); },
      "psm");
  push_json(L, decisions_json(L, ps, dir));
  return 1;
}

int psm_plan_fn(lua_State* L) {
  auto p = with_code<psm_planning>(
      L, [](client& c, errc& e) { return c.psm_plan(e); }, "psm");
  push_json(L, decisions_json(L, {p}, 0));
  return 1;
}

int psm_forecast_fn(lua_State* L) {
  std::string path = luaL_checkstring(L, 1);
  auto cl = client_of(L);
  auto v = gated<caf::expected<psm_series_view>>(
      L, [cl, path] { return cl->psm_series(path); });
  if (!v) {
    bool refused = v.error() == caf::sec::invalid_argument;
    auto& ctx = v.error().context();
    auto why = ctx.size() == 1 && ctx.match_element<std::string>(0)
                   ? ctx.get_as<std::string>(0)
                   : cl->system().render(v.error());
    raise_error(L, refused ? why.substr(0, why.find(':')) : "EUNAVAILABLE",
                path, refused ? why : "EUNAVAILABLE: " + why);
  }
  push_json(L, series_json(path, *v));
  return 1;
}

int psm_policy_fn(lua_State* L) {
  auto cl = client_of(L);
  if (lua_isnoneornil(L, 1)) {
    auto e = with_code<config_entry>(
        L, [](client& c, errc& code) { return c.config_get("psm.policy", code); },
        "psm.policy");
    if (e.version == 0)
      lua_pushnil(L); // unset: each node's psm-policy option applies
    else
      lua_pushstring(L, e.value.c_str());
    return 1;
  }
  std::string name = luaL_checkstring(L, 1);
  auto r = gated<meta_result>(
      L, [cl, name] { return cl->config_set("psm.policy", name); });
  if (r.code != errc::ok)
    raise_errc(L, r.code, "psm.policy");
  lua_pushstring(L, name.c_str());
  return 1;
}

const lib_fn fns[] = {
    {"status", psm_status_fn,
     "status() -> table\nThe contacted node's PSM planner (active beside the "
     "metadata leader or standing by, policy, periods, steps carried out and "
     "failed) and the cluster's last planning."},
    {"forecast", psm_forecast_fn,
     "forecast(path) -> table\nA directory's access history and its latest "
     "forecast (mean, interval, model), in ops/s per slot."},
    {"plan", psm_plan_fn,
     "plan() -> list\nA dry run: what the planner would decide now, each "
     "decision with its reason; nothing is recorded or carried out."},
    {"decisions", psm_decisions_fn,
     "decisions([since [, path]]) -> list\nThe planner's recorded decisions "
     "from slot `since` on (default all), of directory `path` only if "
     "given, oldest first, each with its reason."},
    {"policy", psm_policy_fn,
     "policy([name]) -> string or nil\nThe cluster's psm.policy (nil while "
     "unset: each node's psm-policy option applies), or sets it: predictive, "
     "reactive-load, static, reactive-capacity or off (EINVAL otherwise)."},
};

} // namespace

void open_psm(lua_State* L) {
  register_library(L, "psm", fns, std::size(fns));
}

} // namespace ds::dagsh
