// dagsh's interactive mode: readline, history, multi-line chunks, values
// printed, Tab completion of names and namespace paths.
#pragma once

#include "tools/dagsh/shell.hpp"

namespace ds::dagsh {

/// Reads chunks from the terminal until Ctrl-D; the exit status.
int run_repl(shell& sh);

} // namespace ds::dagsh
