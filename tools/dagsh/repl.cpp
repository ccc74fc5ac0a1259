#include "tools/dagsh/repl.hpp"

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <optional>

#include <readline/history.h>
#include <readline/readline.h>

#include "tools/dagsh/completion.hpp"

namespace ds::dagsh {

namespace {

constexpr const char* prompt_first = "dagsh> ";
constexpr const char* prompt_more = "dagsh>> ";
constexpr int history_size = 1000;

/// Set while readline waits for a line: Ctrl-C then drops the line.
volatile std::sig_atomic_t at_prompt = 0;

/// Ctrl-C at the prompt (from the SIGINT handler, as readline's own
/// examples do): a fresh, empty line under the first prompt.
void reset_prompt() {
  if (!at_prompt)
    return;
  std::fputs("^C\n", stdout);
  std::fflush(stdout);
  rl_set_prompt(prompt_first);
  rl_on_new_line();
  rl_replace_line("", 0);
  rl_redisplay();
}

std::string history_file() {
  auto home = std::getenv("HOME");
  return home && *home ? std::string{home} + "/.dagsh_history" : "";
}

/// Whether a failed load only lacks the rest of the chunk.
bool incomplete(lua_State* L, int status) {
  if (status != LUA_ERRSYNTAX)
    return false;
  size_t n = 0;
  auto msg = lua_tolstring(L, -1, &n);
  return n >= 5 && std::strcmp(msg + n - 5, "<eof>") == 0;
}

/// Loads `chunk`: first as an expression to print, then as statements.
/// LUA_OK with the function on the stack; std::nullopt when more lines are
/// needed; else the syntax error's status, its message on the stack.
std::optional<int> load(lua_State* L, const std::string& chunk) {
  auto ret = "return " + chunk + ";";
  if (luaL_loadbuffer(L, ret.data(), ret.size(), "=stdin") == LUA_OK)
    return LUA_OK;
  lua_pop(L, 1);
  auto status = luaL_loadbuffer(L, chunk.data(), chunk.size(), "=stdin");
  if (incomplete(L, status)) {
    lua_pop(L, 1);
    return std::nullopt;
  }
  return status;
}

/// Prints the values a chunk returned, pretty-printed, tab separated.
void print_results(shell& sh, int base, int n) {
  auto L = sh.lua();
  lua_getglobal(L, "dagsh");
  lua_getfield(L, -1, "pretty");
  lua_remove(L, -2);
  for (int i = 1; i <= n; ++i) {
    lua_pushvalue(L, -1);
    lua_pushvalue(L, base + i);
    if (sh.call(1, 1) != LUA_OK) {
      sh.report(LUA_ERRRUN);
      continue;
    }
    std::cout << (i > 1 ? "\t" : "") << lua_tostring(L, -1);
    lua_pop(L, 1);
  }
  lua_pop(L, 1);
  std::cout << std::endl;
}

/// Runs one complete chunk (its function on the stack).
void run_chunk(shell& sh) {
  auto L = sh.lua();
  auto base = lua_gettop(L) - 1;
  interrupted = false;
  auto status = sh.call(0, LUA_MULTRET);
  interrupted = false;
  if (status != LUA_OK) {
    sh.report(status);
    return;
  }
  auto n = lua_gettop(L) - base;
  if (n > 0)
    print_results(sh, base, n);
  lua_settop(L, base);
}

void remember(const std::string& chunk, const std::string& file) {
  if (chunk.find_first_not_of(" \t") == std::string::npos)
    return;
  auto last = history_length > 0
                  ? history_get(history_base + history_length - 1)
                  : nullptr;
  if (last && chunk == last->line)
    return;
  add_history(chunk.c_str());
  if (!file.empty()) {
    // Appending after each chunk keeps the history of a killed session.
    if (append_history(1, file.c_str()) != 0)
      write_history(file.c_str());
    history_truncate_file(file.c_str(), history_size);
  }
}

} // namespace

int run_repl(shell& sh) {
  auto L = sh.lua();
  sh.state().gate.set_interruptible(true);
  auto file = history_file();
  using_history();
  stifle_history(history_size);
  if (!file.empty())
    read_history(file.c_str());
  rl_readline_name = "dagsh";
  install_completion(sh);
  std::cout << "dagsh on Lua 5.4: help() lists the libraries, Ctrl-D leaves."
            << std::endl;
  // readline's own SIGINT handling would end the process; dagsh's handler
  // (catch_interrupts) drops the line instead.
  rl_catch_signals = 0;
  interrupt_hook = reset_prompt;
  std::string chunk;
  while (true) {
    interrupted = false;
    at_prompt = 1;
    char* line = readline(chunk.empty() ? prompt_first : prompt_more);
    at_prompt = 0;
    if (interrupted) // Ctrl-C at the prompt: the chunk so far is dropped
      chunk.clear();
    if (!line) {
      std::cout << std::endl;
      break;
    }
    chunk += (chunk.empty() ? "" : "\n") + std::string{line};
    std::free(line);
    auto status = load(L, chunk);
    if (!status)
      continue;
    remember(chunk, file);
    chunk.clear();
    if (*status == LUA_OK)
      run_chunk(sh);
    else
      sh.report(*status);
  }
  interrupt_hook = nullptr;
  return exit_ok;
}

} // namespace ds::dagsh
