#include "tools/dagsh/shell.hpp"

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>

#include "tools/dagsh/prelude.hpp"

namespace ds::dagsh {

namespace {

lua_State* running_state = nullptr;
bool interrupt_once = false;

void stop_hook(lua_State* L, lua_Debug*) {
  lua_sethook(L, nullptr, 0, 0);
  luaL_error(L, "interrupted!");
}

void on_sigint(int sig) {
  interrupted = true;
  if (interrupt_hook)
    interrupt_hook();
  if (interrupt_once)
    std::signal(sig, SIG_DFL);
  if (running_state)
    lua_sethook(running_state, stop_hook,
                LUA_MASKCALL | LUA_MASKRET | LUA_MASKCOUNT, 1);
}

/// os.exit that leaves at once: CAF's threads would outlive exit()'s
/// static destructors.
int fast_exit(lua_State* L) {
  int status = EXIT_SUCCESS;
  if (lua_isboolean(L, 1))
    status = lua_toboolean(L, 1) ? EXIT_SUCCESS : EXIT_FAILURE;
  else
    status = static_cast<int>(luaL_optinteger(L, 1, EXIT_SUCCESS));
  std::cout.flush();
  std::fflush(nullptr);
  std::_Exit(status);
}

const char shell_key = 0;

} // namespace

void (*interrupt_hook)() = nullptr;

/// The traceback handler: the error as text (an error table by its
/// __tostring) and a stack traceback.
int message_handler(lua_State* L) {
  lua_rawgetp(L, LUA_REGISTRYINDEX, &shell_key);
  auto sh = static_cast<shell*>(lua_touserdata(L, -1));
  lua_pop(L, 1);
  std::string code;
  sh->last_unavailable_ = is_error(L, 1, &code) && code == "EUNAVAILABLE";
  auto msg = lua_tostring(L, 1);
  if (!msg) {
    if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING)
      msg = lua_tostring(L, -1);
    else
      msg = lua_pushfstring(L, "(error object is a %s value)",
                            luaL_typename(L, 1));
  }
  luaL_traceback(L, L, msg, 1);
  return 1;
}

shell::shell(std::shared_ptr<client> cl) : L_(luaL_newstate()) {
  st_.cl = std::move(cl);
  luaL_openlibs(L_);
  // Scripts make many short-lived tables (one per answer): the generational
  // collector spends far less on them.
  lua_gc(L_, LUA_GCGEN, 0, 0);
  attach(L_, st_);
  lua_pushlightuserdata(L_, this);
  lua_rawsetp(L_, LUA_REGISTRYINDEX, &shell_key);
  lua_getglobal(L_, "os");
  lua_pushcfunction(L_, fast_exit);
  lua_setfield(L_, -2, "exit");
  lua_pop(L_, 1);
  open_ns(L_);
  open_cluster(L_);
  open_config(L_);
  open_psm(L_);
  open_json(L_);
  open_time(L_);
  if (luaL_loadbuffer(L_, prelude, std::strlen(prelude), "=prelude") !=
      LUA_OK) {
    std::cerr << "dagsh: " << lua_tostring(L_, -1) << std::endl;
    std::abort();
  }
  push_docs(L_);
  push_error_metatable(L_);
  push_null(L_);
  if (call(3, 0) != LUA_OK) {
    std::cerr << "dagsh: " << lua_tostring(L_, -1) << std::endl;
    std::abort();
  }
}

shell::~shell() {
  lua_close(L_);
}

void catch_interrupts(lua_State* L, bool once) {
  running_state = L;
  interrupt_once = once;
  struct sigaction sa {};
  sa.sa_handler = on_sigint;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0; // no SA_RESTART: readline must see the interrupted read
  sigaction(SIGINT, &sa, nullptr);
}

int shell::call(int nargs, int nresults) {
  auto base = lua_gettop(L_) - nargs;
  lua_pushcfunction(L_, message_handler);
  lua_insert(L_, base);
  lua_sethook(L_, nullptr, 0, 0);
  auto status = lua_pcall(L_, nargs, nresults, base);
  lua_remove(L_, base);
  return status;
}

exit_status shell::report(int status) {
  if (status == LUA_OK)
    return exit_ok;
  auto msg = lua_tostring(L_, -1);
  std::cout.flush();
  std::cerr << "dagsh: " << (msg ? msg : "(no message)") << std::endl;
  lua_pop(L_, 1);
  return last_unavailable_ ? exit_unreachable : exit_error;
}

void shell::set_args(const std::vector<std::string>& argv, int script) {
  lua_createtable(L_, static_cast<int>(argv.size()), script + 1);
  for (int i = 0; i < static_cast<int>(argv.size()); ++i) {
    lua_pushstring(L_, argv[i].c_str());
    lua_rawseti(L_, -2, i - script);
  }
  lua_setglobal(L_, "arg");
}

exit_status shell::run_file(const std::string& file,
                            const std::vector<std::string>& args) {
  // luaL_loadfile skips a first line that starts with '#' (#!/usr/bin/env).
  auto status = luaL_loadfile(L_, file == "-" ? nullptr : file.c_str());
  if (status != LUA_OK)
    return report(status);
  for (auto& a : args)
    lua_pushlstring(L_, a.data(), a.size());
  return report(call(static_cast<int>(args.size()), 0));
}

exit_status shell::run_string(const std::string& code,
                              const std::string& name) {
  auto status = luaL_loadbuffer(L_, code.data(), code.size(), name.c_str());
  if (status == LUA_OK)
    status = call(0, 0);
  return report(status);
}

} // namespace ds::dagsh
