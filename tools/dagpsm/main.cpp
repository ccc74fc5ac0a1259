// dagpsm: the Predictive Sharding Manager's models on a user's own data.
#include "tools/dagpsm/commands.hpp"

#include <iostream>
#include <string>
#include <vector>

namespace {

const char* const usage =
    "usage: dagpsm <command> [args]\n"
    "commands:\n"
    "  cluster   hierarchical clustering of CSV series (SciPy linkage output)\n"
    "  forecast  forecast CSV series\n"
    "run 'dagpsm <command> --help' for a command's arguments\n";

} // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << usage;
    return 1;
  }
  std::string cmd = argv[1];
  std::vector<std::string> args(argv + 2, argv + argc);
  if (cmd == "--help" || cmd == "-h" || cmd == "help") {
    std::cout << usage;
    return 0;
  }
  if (cmd == "cluster")
    return ds::dagpsm::cluster_command(args, std::cout, std::cerr);
  if (cmd == "forecast")
    return ds::dagpsm::forecast_command(args, std::cout, std::cerr);
  std::cerr << "dagpsm: unknown command '" << cmd << "'\n" << usage;
  return 1;
}
