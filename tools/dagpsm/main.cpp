// dagpsm: the Predictive Sharding Manager's models on a user's own data.
#include <functional>
#include <iostream>

#include "tools/dagpsm/commands.hpp"

int main(int argc, char** argv) {
  using namespace ds::dagpsm;
  CLI::App app{"the Predictive Sharding Manager's models on your own data",
               "dagpsm"};
  ds::cli::add_doc_flags(app);
  forecast_args fa;
  cluster_args ca;
  // The commands: name, what it does, its flags, how it runs.
  struct command {
    const char* name;
    const char* what;
    std::function<void(CLI::App&)> declare;
    std::function<int()> run;
  };
  const command commands[] = {
      {"cluster",
       "hierarchical clustering of CSV series (SciPy linkage output)",
       [&](CLI::App& a) { declare_cluster(a, ca); },
       [&] { return run_cluster(ca, std::cout, std::cerr); }},
      {"forecast", "forecast a series",
       [&](CLI::App& a) { declare_forecast(a, fa); },
       [&] { return run_forecast(fa, std::cout, std::cerr); }},
  };
  for (auto& c : commands)
    c.declare(*app.add_subcommand(c.name, c.what));
  if (auto rc = ds::cli::parse(app, argc, argv, std::cout, std::cerr); rc >= 0)
    return rc;
  for (auto& c : commands)
    if (app.got_subcommand(c.name))
      return c.run();
  std::cerr << "dagpsm: a command is required\nRun 'dagpsm --help' for more "
               "information.\n";
  return ds::cli::usage_error;
}
