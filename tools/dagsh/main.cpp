// dagsh: Lua 5.4 over a dagshard cluster, as a script runner and an
// interactive shell.
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <sstream>

#include <unistd.h>

#include <caf/actor_system.hpp>

#include "client/console.hpp"
#include "tools/dagsh/repl.hpp"
#include "tools/dagsh/shell.hpp"

namespace {

constexpr const char* usage =
    "usage: dagsh [--node HOST:PORT[,HOST:PORT...]] [TLS] [--timeout SECONDS]\n"
    "             [-e CODE]... [-i] [SCRIPT [ARGS...]]\n"
    "TLS: --tls-cert FILE --tls-key FILE --tls-ca FILE (all three)\n"
    "  -e CODE   run CODE (several run in order)\n"
    "  -i        interactive after the script or -e chunks\n"
    "  SCRIPT    a Lua file (\"-\": standard input), run with ARGS as `arg`\n"
    "With neither SCRIPT nor -e, dagsh is interactive on a terminal and runs\n"
    "standard input otherwise. The first node that answers is used; the\n"
    "default is $DAGSHARD_NODE, else 127.0.0.1:4242. Every call waits at most\n"
    "--timeout seconds (default 10). Exit status: 0 done, 1 an uncaught\n"
    "error (message and traceback on stderr), 2 no node reachable (or an\n"
    "uncaught EUNAVAILABLE).\n";

struct invocation {
  std::vector<std::string> nodes;
  ds::tls_files tls;
  double timeout_s = 10;
  std::vector<std::string> chunks; ///< -e
  bool interactive = false;
  int script = 0; ///< index in argv of the script, 0: none
};

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in{s};
  std::string x;
  while (std::getline(in, x, ','))
    out.push_back(x);
  return out;
}

/// Parses options up to the script; false with a message on misuse.
bool parse_args(int argc, char** argv, invocation& inv, std::string& err) {
  auto env = std::getenv("DAGSHARD_NODE");
  auto nodes = std::string{env && *env ? env : "127.0.0.1:4242"};
  int i = 1;
  for (; i < argc; ++i) {
    std::string a = argv[i];
    bool has_value = i + 1 < argc;
    if (a == "--node" && has_value) {
      nodes = argv[++i];
    } else if (a.rfind("--node=", 0) == 0) {
      nodes = a.substr(7);
    } else if (a == "--tls-cert" && has_value) {
      inv.tls.cert = argv[++i];
    } else if (a == "--tls-key" && has_value) {
      inv.tls.key = argv[++i];
    } else if (a == "--tls-ca" && has_value) {
      inv.tls.ca = argv[++i];
    } else if (a == "--timeout" && has_value) {
      char* end = nullptr;
      inv.timeout_s = std::strtod(argv[++i], &end);
      if (*end != '\0' || !(inv.timeout_s > 0 && inv.timeout_s <= 3600)) {
        err =
            std::string{"--timeout wants 0 < SECONDS <= 3600, got "} + argv[i];
        return false;
      }
    } else if (a == "-e" && has_value) {
      inv.chunks.push_back(argv[++i]);
    } else if (a == "-i") {
      inv.interactive = true;
    } else if (a == "--") {
      ++i;
      break;
    } else if (a == "-h" || a == "--help") {
      std::cout << usage;
      std::exit(0);
    } else if (a.size() > 1 && a[0] == '-') {
      err = "unknown option " + a;
      return false;
    } else {
      break;
    }
  }
  inv.script = i < argc ? i : 0;
  int tls_given =
      !inv.tls.cert.empty() + !inv.tls.key.empty() + !inv.tls.ca.empty();
  if (tls_given != 0 && tls_given != 3) {
    err = "TLS needs all of --tls-cert, --tls-key and --tls-ca";
    return false;
  }
  inv.nodes = split_list(nodes);
  std::string host;
  uint16_t port = 0;
  for (auto& n : inv.nodes)
    if (!ds::parse_host_port(n, host, port)) {
      err = "--node wants HOST:PORT[,HOST:PORT...], got '" + nodes + "'";
      return false;
    }
  if (inv.nodes.empty()) {
    err = "--node names no node";
    return false;
  }
  return true;
}

/// A client of the first node that answers, with the deadline of
/// --timeout; none when no node does (`failures` says why).
std::shared_ptr<ds::client> connect_any(caf::actor_system& sys,
                                        const invocation& inv,
                                        std::string& failures) {
  for (auto& n : inv.nodes) {
    std::string host, err;
    uint16_t port = 0;
    ds::parse_host_port(n, host, port);
    auto cl = ds::connect_within(sys, host, port, inv.tls.enabled(),
                                 ds::connect_deadline, err);
    if (cl) {
      cl->set_timeout(std::chrono::duration_cast<caf::timespan>(
          std::chrono::duration<double>(inv.timeout_s)));
      return std::make_shared<ds::client>(*cl);
    }
    failures += "dagsh: cannot reach node " + n + ": " + err + "\n";
  }
  return nullptr;
}

[[noreturn]] void leave(int status) {
  std::cout.flush();
  std::fflush(nullptr);
  // CAF's threads (and a connect or call left to its deadline) would
  // outlive exit()'s destructors.
  std::_Exit(status);
}

} // namespace

int main(int argc, char** argv) {
  invocation inv;
  std::string err;
  if (!parse_args(argc, argv, inv, err)) {
    std::cerr << "dagsh: " << err << "\n" << usage;
    return 1;
  }
  ds::console_config cfg{inv.tls, true};
  caf::actor_system sys{cfg};
  std::string failures;
  auto cl = connect_any(sys, inv, failures);
  if (!cl) {
    std::cerr << failures << std::flush;
    // A connect that timed out still runs on its thread: leave at once.
    leave(ds::dagsh::exit_unreachable);
  }
  ds::dagsh::shell sh{cl};
  sh.state().reconnect = [&sys, &inv] {
    std::string ignored;
    return connect_any(sys, inv, ignored);
  };
  std::vector<std::string> args{argv, argv + argc};
  sh.set_args(args, inv.script);
  bool tty = isatty(0) != 0;
  bool interactive =
      inv.interactive || (inv.script == 0 && inv.chunks.empty() && tty);
  ds::dagsh::catch_interrupts(sh.lua(), !interactive);
  for (size_t k = 0; k < inv.chunks.size(); ++k)
    if (auto s = sh.run_string(inv.chunks[k], "=(command line)"))
      leave(s);
  if (inv.script != 0) {
    std::vector<std::string> script_args{argv + inv.script + 1, argv + argc};
    if (auto s = sh.run_file(argv[inv.script], script_args))
      leave(s);
  } else if (inv.chunks.empty() && !interactive) {
    if (auto s = sh.run_file("-", {}))
      leave(s);
  }
  if (interactive)
    leave(ds::dagsh::run_repl(sh));
  leave(ds::dagsh::exit_ok);
}
