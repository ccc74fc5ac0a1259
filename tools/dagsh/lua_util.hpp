// What every library table of dagsh uses: the shell's state in the Lua
// registry, errors as tables, JSON values as Lua values, registration with
// help texts.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <lua.hpp>
#include <nlohmann/json.hpp>

#include "client/client.hpp"
#include "client/reply_json.hpp"
#include "tools/dagsh/call_gate.hpp"

namespace ds::dagsh {

/// What the bindings reach through the Lua state.
struct shell_state {
  std::shared_ptr<client> cl;
  call_gate gate;
  /// A new client from the first node that answers (none: nullptr).
  std::function<std::shared_ptr<client>()> reconnect;
  /// An EUNAVAILABLE was answered: connect again before the next call.
  bool suspect = false;
};

/// Stores `st` in L's registry; it must outlive L.
void attach(lua_State* L, shell_state& st);
shell_state& state_of(lua_State* L);

/// The client for the next call: after an EUNAVAILABLE, a new connection
/// to the first node of --node that answers (the old one if none does).
std::shared_ptr<client> client_of(lua_State* L);

/// One function of a library table and its help text ("name(args) -> what"
/// on the first line, then what it does).
struct lib_fn {
  const char* name;
  lua_CFunction fn;
  const char* doc;
};

/// Sets the global table `lib` (created if absent) to hold `fns`, and
/// records each function's help text for help().
void register_library(lua_State* L, const char* lib, const lib_fn* fns,
                      size_t n);

/// Pushes the error table {code, path, message}; its metatable prints it
/// as `message`, which reads like dagctl's message ("ENOENT: /a/b").
void push_error(lua_State* L, const std::string& code, const std::string& path,
                const std::string& message);

/// Raises the error table of push_error.
[[noreturn]] void raise_error(lua_State* L, const std::string& code,
                              const std::string& path,
                              const std::string& message);

/// Raises `code` as dagctl would report it for `subject`.
[[noreturn]] void raise_errc(lua_State* L, errc code,
                             const std::string& subject);

/// True if the value at `idx` is an error table of push_error; with `code`
/// its code.
bool is_error(lua_State* L, int idx, std::string* code = nullptr);

/// Pushes the metatable of error tables (the prelude needs it).
void push_error_metatable(lua_State* L);

/// Pushes the table of help texts: function -> "lib.name(args) ...".
void push_docs(lua_State* L);

/// Pushes json.null, the value of JSON's null.
void push_null(lua_State* L);

/// Pushes a JSON value as Lua values: objects and arrays as tables,
/// integers as integers, null as json.null.
void push_json(lua_State* L, const nlohmann::json& j);

/// The Lua value at `idx` as JSON; raises a Lua error for a value JSON
/// cannot hold (function, cycle, NaN, mixed keys).
nlohmann::json to_json_value(lua_State* L, int idx);

/// Runs `f` through the shell's call gate; raises "interrupted!" when the
/// user gave up on it (Ctrl-C).
template <class R> R gated(lua_State* L, std::function<R()> f) {
  auto r = state_of(L).gate.run(std::move(f));
  if (!r)
    luaL_error(L, "interrupted!");
  return std::move(*r);
}

/// A call of the client that reports failure through an errc (`f(client&,
/// errc&) -> T`): its value, or the errc raised for `subject`.
template <class T, class F>
T with_code(lua_State* L, F f, const std::string& subject) {
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
    raise_errc(L, r.code, subject);
  return std::move(r.value);
}

/// Pushes replies as a list of tables with dagctl's --json fields.
template <class T> void push_list(lua_State* L, const std::vector<T>& xs) {
  auto arr = nlohmann::json::array();
  for (auto& x : xs)
    arr.push_back(to_json(x));
  push_json(L, arr);
}

/// Registration of each library table (lib_*.cpp).
void open_ns(lua_State* L);
void open_cluster(lua_State* L);
void open_config(lua_State* L);
void open_psm(lua_State* L);
void open_json(lua_State* L);
void open_time(lua_State* L);

} // namespace ds::dagsh
