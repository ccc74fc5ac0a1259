// dagsh's Lua state: the libraries over a client, chunks run with a
// traceback, and the exit status an uncaught error gives.
#pragma once

#include <string>
#include <vector>

#include "tools/dagsh/lua_util.hpp"

namespace ds::dagsh {

/// Exit statuses: done, an uncaught error, no node reachable (also an
/// uncaught EUNAVAILABLE: the node or a shard was lost on the way).
enum exit_status { exit_ok = 0, exit_error = 1, exit_unreachable = 2 };

class shell {
public:
  /// A Lua state with the standard libraries and dagsh's over `cl`.
  explicit shell(std::shared_ptr<client> cl);
  ~shell();
  shell(const shell&) = delete;
  shell& operator=(const shell&) = delete;

  lua_State* lua() { return L_; }
  shell_state& state() { return st_; }

  /// Sets the global `arg` as lua does: arg[0] the script, arg[1..] its
  /// arguments, negative indices the interpreter and its options.
  void set_args(const std::vector<std::string>& argv, int script);

  /// Runs a script file ("-": standard input) with `args` as `...`.
  exit_status run_file(const std::string& file,
                       const std::vector<std::string>& args);

  /// Runs a chunk of code given on the command line.
  exit_status run_string(const std::string& code, const std::string& name);

  /// Calls the function below its `nargs` arguments on the stack with a
  /// traceback handler; Ctrl-C interrupts it. On error leaves the message
  /// (with traceback) on the stack and returns its status.
  int call(int nargs, int nresults);

  /// Prints the message an error left on the stack to stderr and pops it;
  /// the exit status it stands for.
  exit_status report(int status);

private:
  shell_state st_;
  lua_State* L_;
  bool last_unavailable_ = false;
  friend int message_handler(lua_State* L);
};

/// The SIGINT handler of running Lua code: stops it at its next
/// instruction ("interrupted!") and abandons a call in progress. With
/// `once`, a second Ctrl-C ends the process (scripts, as lua does).
void catch_interrupts(lua_State* L, bool once);

/// Called by the SIGINT handler when set (the interactive prompt's reset).
extern void (*interrupt_hook)();

} // namespace ds::dagsh
