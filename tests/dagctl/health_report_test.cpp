// dagctl health's table, JSON and exit status from what each member said.
#include "tools/dagctl/health_report.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <sstream>

using namespace ds;
using namespace ds::dagctl;

namespace {

member_health answered(std::string id, bool healthy, bool ready,
                       std::string reason = {}) {
  member_health m{id, "127.0.0.1:1", true, {}, {}};
  m.health = node_health{id, healthy, std::move(reason), ready};
  return m;
}

member_health unreachable(std::string id, std::string why) {
  return member_health{id, "127.0.0.1:3", false, std::move(why), {}};
}

} // namespace

TEST_CASE("every member reached, healthy and ready: exit status 0") {
  std::vector<member_health> xs{answered("a", true, true),
                                answered("b", true, true)};
  CHECK(health_exit_status(xs) == 0);
  std::ostringstream out;
  print_health(xs, out);
  CHECK(out.str().find("a             127.0.0.1:1             ready     "
                       "healthy\n") != std::string::npos);
}

TEST_CASE("an unreachable member is shown with its reason, exit status 1") {
  std::vector<member_health> xs{answered("a", true, true),
                                unreachable("c", "Connection refused")};
  CHECK(health_exit_status(xs) == 1);
  std::ostringstream out;
  print_health(xs, out);
  CHECK(out.str().find("c             127.0.0.1:3             -         "
                       "UNREACHABLE: Connection refused\n") !=
        std::string::npos);
  auto j = health_json(xs);
  REQUIRE(j["nodes"].size() == 2);
  CHECK(j["nodes"][1]["reachable"] == false);
  CHECK(j["nodes"][1]["healthy"] == false);
  CHECK(j["nodes"][1]["reason"] == "unreachable: Connection refused");
  CHECK(j["nodes"][0]["healthy"] == true);
}

TEST_CASE("an unhealthy or a starting member fails the exit status") {
  CHECK(health_exit_status(
            {answered("a", false, true, "metadata group has no leader")}) == 1);
  CHECK(health_exit_status({answered("a", true, false)}) == 1);
  std::ostringstream out;
  print_health({answered("a", false, false, "shard 2 does not answer")}, out);
  CHECK(out.str().find("starting  UNHEALTHY: shard 2 does not answer") !=
        std::string::npos);
}
