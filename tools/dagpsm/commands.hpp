// dagpsm: the PSM's models run offline on a user's own data.
// Each subcommand declares its flags on a CLI::App (the same declarations
// serve `dagpsm COMMAND` and the tests' calls) and runs from its arguments.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "tools/common/cli.hpp"

namespace ds::dagpsm {

struct forecast_args {
  long period = 0;
  long horizon = 0;
  std::string model = "auto";
  double level = 0.95;
  bool json = false;
  bool quiet = false;             ///< no progress bar
  std::vector<std::string> files; ///< one series each
};

struct cluster_args {
  std::string linkage;
  std::string metric = "euclidean";
  std::string file;
};

/// Declares `dagpsm forecast`'s flags on `app`.
void declare_forecast(CLI::App& app, forecast_args& a);
/// Runs a forecast of each file's series; 0 ok, 1 bad input (then nothing
/// is printed on `out`). With several series, a progress bar on a terminal.
int run_forecast(const forecast_args& a, std::ostream& out, std::ostream& err);

/// Declares `dagpsm cluster`'s flags on `app`.
void declare_cluster(CLI::App& app, cluster_args& a);
/// Runs a clustering; 0 ok, 1 bad input.
int run_cluster(const cluster_args& a, std::ostream& out, std::ostream& err);

/// `dagpsm forecast ...`; args excludes the program and subcommand names.
/// Returns the exit status (0 ok, 1 bad input, 2 command-line error).
int forecast_command(const std::vector<std::string>& args, std::ostream& out,
                     std::ostream& err);

/// `dagpsm cluster ...`; same conventions as forecast_command.
int cluster_command(const std::vector<std::string>& args, std::ostream& out,
                    std::ostream& err);

} // namespace ds::dagpsm
