// dagctl's commands, apart from its main so that tests can drive them.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "client/client.hpp"

namespace ds::dagctl {

constexpr const char* usage =
    "usage: dagctl [--node HOST:PORT] [--json] [TLS] COMMAND [PATH]\n"
    "TLS: --tls-cert FILE --tls-key FILE --tls-ca FILE (all three) for a node\n"
    "     that runs with dagshard.tls\n"
    "commands:\n"
    "  mkdir PATH    create a directory\n"
    "  create PATH   create an empty file (fails if the name exists)\n"
    "  stat PATH     show an entry's attributes\n"
    "  ls PATH       list a directory\n"
    "  rm PATH       remove a file\n"
    "  rmdir PATH    remove an empty directory\n"
    "  placement PATH  where the DAG node of PATH's entry lives\n"
    "  shards        per-shard counters of the whole cluster\n"
    "  nodes         the cluster's members and whether they are reachable\n"
    "  config set KEY VALUE [--if-version N]   set a cluster setting\n"
    "                (only if it is at version N; 0: only if absent)\n"
    "  config get KEY  a setting and its version\n"
    "  config list   every setting\n"
    "  raft status   role, term, commit and applied index and log size of\n"
    "                every metadata replica\n"
    "  move DIR BITS:INDEX SHARD   move part INDEX of the 2^BITS equal parts\n"
    "                of DIR's name hashes to SHARD (reads and writes go on)\n"
    "  migrations    every move of a part: state and placement epoch\n"
    "  router        this node's router counters (placement cache)\n"
    "  help          this text\n"
    "The node defaults to $DAGSHARD_NODE, else 127.0.0.1:4242.\n"
    "Exit status: 0 done, 1 refused (the error name is printed first),\n"
    "2 node or shard unreachable.\n";

struct invocation {
  std::string node;
  bool json = false;
  std::string tls_cert; ///< with tls_key and tls_ca: mutual TLS
  std::string tls_key;
  std::string tls_ca;
  std::string command;
  std::string path;              ///< path, or the config key
  std::vector<std::string> args; ///< config: subcommand and its arguments
  std::optional<uint64_t> if_version;
};

/// Parses the command line; false with a message in `err` on misuse.
bool parse_args(int argc, char** argv, invocation& out, std::string& err);

/// Arguments of move, migrations and router (parts_cmds.cpp).
bool parse_parts_args(int argc, char** argv, int i, invocation& out,
                      std::string& err);
int run_parts(client& cl, const invocation& inv, std::ostream& out,
              std::ostream& err);

/// Runs one command; returns the exit status.
int run(client& cl, const invocation& inv, std::ostream& out,
        std::ostream& err);

} // namespace ds::dagctl
