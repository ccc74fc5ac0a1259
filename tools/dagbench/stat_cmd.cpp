// dagbench stat: single path-addressed stats, one at a time, through the
// C++ client library: the baseline of a script's call loop (dagsh).
#include <chrono>
#include <iostream>
#include <stdexcept>

#include "tools/dagbench/commands.hpp"

namespace ds::bench {

int run_stat(client& cl, const args_map& a, bool js, nlohmann::json& out) {
  if (!a.count("path"))
    throw std::invalid_argument("stat needs --path PATH");
  auto count = num(a, "count", 1000);
  path_request st;
  st.op = path_op::stat;
  st.path = a.at("path");
  auto start = std::chrono::steady_clock::now();
  for (uint64_t i = 0; i < count; ++i)
    if (auto r = cl.call(st); r.code != errc::ok)
      throw std::runtime_error(st.path + ": " + std::string{to_string(r.code)});
  std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
  out = {{"stats", count},
         {"seconds", took.count()},
         {"us_per_stat", took.count() * 1e6 / static_cast<double>(count)}};
  if (!js)
    std::cout << count << " stats of " << st.path << " in " << took.count()
              << " s: " << took.count() * 1e6 / static_cast<double>(count)
              << " us each\n";
  return 0;
}

} // namespace ds::bench
