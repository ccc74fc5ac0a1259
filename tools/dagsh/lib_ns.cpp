// dagsh's `ns` table: the namespace, path by path, through the client
// library. Results carry the field names of `dagctl --json`.
#include <map>
#include <memory>
#include <type_traits>

#include <nlohmann/json.hpp>

#include "client/reply_json.hpp"
#include "tools/dagsh/lua_util.hpp"

namespace ds::dagsh {

namespace {

/// Entries a listing asks for per page.
constexpr uint32_t ls_page = 1024;

std::string check_path(lua_State* L, int idx) {
  size_t n = 0;
  auto s = luaL_checklstring(L, idx, &n);
  return std::string{s, n};
}

uint32_t opt_mode(lua_State* L, int idx) {
  auto m = luaL_optinteger(L, idx, 0);
  luaL_argcheck(L, m >= 0 && m <= 07777, idx, "mode must be 0 to 0o7777");
  return static_cast<uint32_t>(m);
}

ns_reply call(lua_State* L, path_op op, const std::string& path,
              uint32_t mode = 0) {
  path_request req;
  req.op = op;
  req.path = path;
  req.mode = mode;
  auto cl = client_of(L);
  return gated<ns_reply>(L, [cl, req] { return cl->call(req); });
}

/// The entry's attributes and its path, as `dagctl --json stat` prints.
void push_entry(lua_State* L, const ns_reply& r, const std::string& path) {
  lua_createtable(L, 0, 7);
  for_each_field(r.a, [L](const char* name, auto value) {
    if constexpr (std::is_same_v<decltype(value), std::string_view>)
      lua_pushlstring(L, value.data(), value.size());
    else
      lua_pushinteger(L, static_cast<lua_Integer>(value));
    lua_setfield(L, -2, name);
  });
  lua_pushlstring(L, path.data(), path.size());
  lua_setfield(L, -2, "path");
}

/// Pushes an entry's field names (those of push_entry, in its order) and
/// answers the stack index of the first: a batch pushes one entry per
/// request, and reusing the names saves looking each one up per entry.
int push_entry_keys(lua_State* L) {
  int n = 0;
  for_each_field(attrs{}, [L, &n](const char* name, auto) {
    lua_pushstring(L, name);
    ++n;
  });
  lua_pushliteral(L, "path");
  return lua_gettop(L) - n;
}

/// push_entry with the names of push_entry_keys at stack index `keys`.
void push_entry(lua_State* L, const ns_reply& r, const std::string& path,
                int keys) {
  lua_createtable(L, 0, 7);
  int k = keys;
  for_each_field(r.a, [L, &k](const char*, auto value) {
    lua_pushvalue(L, k++);
    if constexpr (std::is_same_v<decltype(value), std::string_view>)
      lua_pushlstring(L, value.data(), value.size());
    else
      lua_pushinteger(L, static_cast<lua_Integer>(value));
    lua_rawset(L, -3); // a new table without a metatable: as lua_setfield
  });
  lua_pushvalue(L, k);
  lua_pushlstring(L, path.data(), path.size());
  lua_rawset(L, -3);
}

/// Stops Lua's collector while a batch's answers are built, if it runs:
/// every table made then stays reachable until the batch returns, so
/// collecting meanwhile finds nothing to free, and each of its passes
/// walks the growing list of answers again. Restarts it even when a Lua
/// error (C++ exception) leaves the scope.
class collector_pause {
public:
  explicit collector_pause(lua_State* L)
      : L_(L), was_running_(lua_gc(L, LUA_GCISRUNNING) != 0) {
    if (was_running_)
      lua_gc(L_, LUA_GCSTOP);
  }
  ~collector_pause() {
    if (was_running_)
      lua_gc(L_, LUA_GCRESTART);
  }
  collector_pause(const collector_pause&) = delete;
  collector_pause& operator=(const collector_pause&) = delete;

private:
  lua_State* L_;
  bool was_running_;
};

int path_call(lua_State* L, path_op op) {
  auto path = check_path(L, 1);
  auto mode =
      op == path_op::create || op == path_op::mkdir ? opt_mode(L, 2) : 0;
  auto r = call(L, op, path, mode);
  if (r.code != errc::ok)
    raise_errc(L, r.code, path);
  push_entry(L, r, path);
  return 1;
}

int ns_mkdir(lua_State* L) {
  return path_call(L, path_op::mkdir);
}
int ns_create(lua_State* L) {
  return path_call(L, path_op::create);
}
int ns_stat(lua_State* L) {
  return path_call(L, path_op::stat);
}
int ns_rm(lua_State* L) {
  return path_call(L, path_op::unlink);
}
int ns_rmdir(lua_State* L) {
  return path_call(L, path_op::rmdir);
}

// Upvalues of a listing's iterator.
enum ls_upvalue { ls_path = 1, ls_cookie, ls_entries, ls_next, ls_eof };

/// Reads the page after `cookie` and pushes its entries, the next cookie and
/// whether it was the last page.
void push_page(lua_State* L, const std::string& path,
               const std::string& cookie) {
  path_request req;
  req.op = path_op::readdir;
  req.path = path;
  req.cookie = cookie;
  req.max_entries = ls_page;
  auto cl = client_of(L);
  auto r = gated<ns_reply>(L, [cl, req] { return cl->call(req); });
  if (r.code != errc::ok)
    raise_errc(L, r.code, path);
  lua_createtable(L, static_cast<int>(r.entries.size()), 0);
  lua_Integer i = 0;
  for (auto& e : r.entries) {
    push_json(L, to_json(e));
    lua_rawseti(L, -2, ++i);
  }
  lua_pushlstring(L, r.cookie.data(), r.cookie.size());
  lua_pushboolean(L, r.eof);
}

int ls_iter(lua_State* L) {
  while (true) {
    auto next = lua_tointeger(L, lua_upvalueindex(ls_next));
    if (lua_rawgeti(L, lua_upvalueindex(ls_entries), next) != LUA_TNIL) {
      lua_pushinteger(L, next + 1);
      lua_replace(L, lua_upvalueindex(ls_next));
      return 1;
    }
    lua_pop(L, 1);
    if (lua_toboolean(L, lua_upvalueindex(ls_eof)))
      return 0;
    // Cookies are bytes: they may hold NULs.
    size_t n = 0;
    auto c = lua_tolstring(L, lua_upvalueindex(ls_cookie), &n);
    push_page(L, lua_tostring(L, lua_upvalueindex(ls_path)), std::string{c, n});
    lua_replace(L, lua_upvalueindex(ls_eof));
    lua_replace(L, lua_upvalueindex(ls_cookie));
    lua_replace(L, lua_upvalueindex(ls_entries));
    lua_pushinteger(L, 1);
    lua_replace(L, lua_upvalueindex(ls_next));
  }
}

/// The first page is read at once, so that a bad path raises here.
int ns_ls(lua_State* L) {
  auto path = check_path(L, 1);
  lua_pushlstring(L, path.data(), path.size());
  push_page(L, path, "");
  lua_pushinteger(L, 1);
  lua_insert(L, -3); // path, entries, next, cookie, eof -> upvalue order
  lua_pushvalue(L, -2);
  lua_remove(L, -3); // path, entries, next, eof, cookie
  lua_insert(L, -4); // path, cookie, entries, next, eof
  lua_pushcclosure(L, ls_iter, 5);
  return 1;
}

const std::map<std::string, path_op> batch_ops = {
    {"create", path_op::create}, {"mkdir", path_op::mkdir},
    {"stat", path_op::stat},     {"rm", path_op::unlink},
    {"rmdir", path_op::rmdir},
};

/// ops[i] as a request; raises for a malformed one (nothing is sent then).
path_request batch_request(lua_State* L, lua_Integer i) {
  if (lua_rawgeti(L, 1, i) != LUA_TTABLE)
    luaL_error(L, "ns.batch: ops[%d] is not a table", static_cast<int>(i));
  path_request req;
  lua_getfield(L, -1, "op");
  auto op = lua_tostring(L, -1);
  auto it = op && lua_type(L, -1) == LUA_TSTRING ? batch_ops.find(op)
                                                 : batch_ops.end();
  if (it == batch_ops.end())
    luaL_error(L,
               "ns.batch: ops[%d].op must be create, mkdir, stat, rm or "
               "rmdir",
               static_cast<int>(i));
  req.op = it->second;
  lua_getfield(L, -2, "path");
  size_t n = 0;
  auto path =
      lua_type(L, -1) == LUA_TSTRING ? lua_tolstring(L, -1, &n) : nullptr;
  if (!path)
    luaL_error(L, "ns.batch: ops[%d].path must be a string",
               static_cast<int>(i));
  req.path.assign(path, n);
  lua_getfield(L, -3, "mode");
  if (!lua_isnil(L, -1)) {
    auto m = lua_isinteger(L, -1) ? lua_tointeger(L, -1) : -1;
    if (m < 0 || m > 07777)
      luaL_error(L, "ns.batch: ops[%d].mode must be 0 to 0o7777",
                 static_cast<int>(i));
    req.mode = static_cast<uint32_t>(m);
  }
  lua_pop(L, 4);
  return req;
}

int ns_batch(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  auto n = static_cast<lua_Integer>(lua_rawlen(L, 1));
  auto reqs = std::make_shared<std::vector<path_request>>();
  reqs->reserve(static_cast<size_t>(n));
  for (lua_Integer i = 1; i <= n; ++i)
    reqs->push_back(batch_request(L, i));
  auto cl = client_of(L);
  collector_pause pause{L};
  auto keys = push_entry_keys(L);
  lua_createtable(L, static_cast<int>(n), 0);
  auto results = lua_gettop(L);
  auto push = [L, keys, results, &reqs = *reqs](size_t i, ns_reply& r) {
    auto& path = reqs[i].path;
    if (r.code == errc::ok)
      push_entry(L, r, path, keys);
    else
      push_error(L, std::string{to_string(r.code)}, path,
                 error_line(r.code, path));
    lua_rawseti(L, results, static_cast<lua_Integer>(i + 1));
  };
  if (!state_of(L).gate.interruptible()) {
    // On this thread: each answer becomes a table while later batches
    // are still in flight.
    cl->path_batch(*reqs, push);
    return 1;
  }
  // On the gate's worker, which must not touch Lua: the tables come after.
  auto reps = gated<std::vector<ns_reply>>(
      L, [cl, reqs] { return cl->path_batch(*reqs); });
  for (size_t i = 0; i < reps.size(); ++i)
    push(i, reps[i]);
  return 1;
}

const lib_fn fns[] = {
    {"mkdir", ns_mkdir,
     "mkdir(path [, mode]) -> entry\n"
     "Creates a directory (mode defaults to 0755); EEXIST if the name is "
     "taken."},
    {"create", ns_create,
     "create(path [, mode]) -> entry\n"
     "Creates an empty file (mode defaults to 0644); EEXIST if the name is "
     "taken."},
    {"stat", ns_stat,
     "stat(path) -> entry\n"
     "An entry's attributes: {path, kind, ino, mode, size, mtime_ns, "
     "version}."},
    {"ls", ns_ls,
     "ls(path) -> iterator\n"
     "Lists a directory page by page: `for e in ns.ls(\"/d\") do print(e.name, "
     "e.kind) end`.\nEach entry is {name, kind, ino}, in the directory's hash "
     "order."},
    {"rm", ns_rm,
     "rm(path) -> entry\nRemoves a file (EISDIR for a directory); answers "
     "what was removed."},
    {"rmdir", ns_rmdir,
     "rmdir(path) -> entry\nRemoves an empty directory (ENOTEMPTY "
     "otherwise)."},
    {"batch", ns_batch,
     "batch(ops) -> results\n"
     "Runs ops = {{op = \"create\"|\"mkdir\"|\"stat\"|\"rm\"|\"rmdir\", path "
     "= P [, mode = M]}, ...}\nin order, sent as few messages as possible; "
     "each result is an entry or an error table\n(not raised): check "
     "`r.code`."},
};

} // namespace

void open_ns(lua_State* L) {
  register_library(L, "ns", fns, std::size(fns));
}

} // namespace ds::dagsh
