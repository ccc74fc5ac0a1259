// dagpsm: the PSM's models run offline on a user's own data.
// Each subcommand is one function; main.cpp dispatches on the first argument.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace ds::dagpsm {

/// `dagpsm forecast ...`; args excludes the program and subcommand names.
/// Returns the process exit code (0 ok, 1 bad input or usage).
int forecast_command(const std::vector<std::string>& args, std::ostream& out,
                     std::ostream& err);

/// `dagpsm cluster ...`; same conventions as forecast_command.
int cluster_command(const std::vector<std::string>& args, std::ostream& out,
                    std::ostream& err);

} // namespace ds::dagpsm
