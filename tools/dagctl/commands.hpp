// dagctl's commands, apart from its main so that tests can drive them.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "client/client.hpp"
#include "tools/common/cli.hpp"

namespace ds::dagctl {

/// A parsed command line: the shared flags (--node, --json, --tls-*) and
/// the command with its arguments.
struct invocation : cli::node_flags {
  std::string command;
  std::string path;              ///< path, or the config key
  std::string value;             ///< config set: the new value
  std::vector<std::string> args; ///< config, raft: the subcommand
  std::string part;              ///< move: BITS:INDEX
  uint32_t to = 0;               ///< move: the shard that takes the part
  bool force = false;            ///< move: even within the quiet time
  uint32_t chunk = 0;            ///< move: entries per copy chunk (0: default)
  std::optional<uint64_t> if_version;
  int64_t since = 0;             ///< psm decisions: from this slot on
  uint64_t after = 0;            ///< migrations: records above this id
  uint32_t limit = 100;          ///< migrations: records per page
  bool unsettled = false;        ///< migrations: only those not settled
  std::optional<double> start;   ///< psm import: a trace's start (unix s)
  std::optional<uint32_t> shard; ///< raft status: a shard group instead
};

/// Parses the command line. Returns -1 when `inv` holds a command to run,
/// else the exit status (0 after --help, 2 after a usage error, printed).
int parse_args(int argc, char** argv, invocation& inv, std::ostream& out,
               std::ostream& err);

/// Adds move, migrations and router (parts_cmds.cpp).
void add_parts_commands(CLI::App& app, invocation& inv);
int run_parts(client& cl, const invocation& inv, std::ostream& out,
              std::ostream& err);

/// Adds psm decisions, plan, status, import and forecast (psm_cmds.cpp,
/// psm_log_cmds.cpp).
void add_psm_commands(CLI::App& app, invocation& inv);
int run_psm(client& cl, const invocation& inv, std::ostream& out,
            std::ostream& err);
/// psm import and forecast (psm_log_cmds.cpp), under `psm`.
void add_psm_log_commands(CLI::App* psm, invocation& inv);
int run_psm_log(client& cl, const invocation& inv, std::ostream& out,
                std::ostream& err);

/// `dagctl health`: every member asked for its own verdict (health_cmd.cpp).
/// It may leave connects to silent members running: callers leave with
/// std::_Exit afterwards.
int show_health(client& cl, const invocation& inv, std::ostream& out,
                std::ostream& err);

/// Replicated shards (groups_cmds.cpp): every shard group's replicas, as
/// `dagctl shards` ends; and one group in detail (`raft status --shard N`).
/// With no group anywhere (replicas = 1), show_groups prints nothing.
int show_groups(client& cl, const invocation& inv, std::ostream& out,
                std::ostream& err);
int show_group(client& cl, const invocation& inv, std::ostream& out,
               std::ostream& err);
/// Adds "replicas" (every shard group's replicas) to `j`, if there are
/// any groups and the node answers.
void add_replicas_json(client& cl, nlohmann::json& j);

/// Runs one command; returns the exit status.
int run(client& cl, const invocation& inv, std::ostream& out,
        std::ostream& err);

} // namespace ds::dagctl
