// A node's PSM wiring on a real actor system: its shards' slot reports reach
// the forecaster, whose history in psm.db survives a restart of the node
// over the same data folder.
#include "tests/actors/caf_doctest.hpp"

#include <thread>

#include <caf/all.hpp>

#include "actors/node.hpp"
#include "tests/temp_dir.hpp"

using namespace ds;

namespace {

struct psm_node_config : caf::actor_system_config {
  psm_node_config() { add_ns_message_types(*this); }
};

psm_series_view series(caf::actor_system& sys, const node_handles& h,
                       const access::series_key& k) {
  psm_series_view out;
  caf::scoped_actor self{sys};
  self->request(h.forecaster, std::chrono::seconds(5), psm_series_atom::value,
                k)
      .receive([&](psm_series_view& v) { out = std::move(v); },
               [&](caf::error& e) { FAIL(sys.render(e)); });
  return out;
}

void run_path(caf::actor_system& sys, const node_handles& h, path_op op,
              const std::string& p) {
  caf::scoped_actor self{sys};
  path_request req;
  req.op = op;
  req.path = p;
  self->request(h.gateway, std::chrono::seconds(5), path_atom::value, req)
      .receive([](ns_reply&) {}, [&](caf::error& e) { FAIL(sys.render(e)); });
}

} // namespace

TEST_CASE("a node's PSM history survives its restart") {
  test::temp_dir dir;
  psm_node_config cfg;
  caf::actor_system sys{cfg};
  node_options opts;
  opts.data_dir = dir.path;
  opts.shards = 2;
  opts.psm_slot = 0.05; // reports every 50 ms
  auto root = access::series_key::directory(std::to_string(root_ino));
  std::uint64_t total = 0;
  psm_series_view before;
  {
    auto h = start_node(sys, opts, false);
    REQUIRE(h.forecaster);
    run_path(sys, h, path_op::create, "/a");
    run_path(sys, h, path_op::stat, "/a");
    run_path(sys, h, path_op::stat, "/b");
    // Wait (bounded) for the slot's report to be stored.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (total < 3 && std::chrono::steady_clock::now() < deadline) {
      before = series(sys, h, root);
      total = 0;
      for (auto t : before.totals)
        total += t;
      if (total < 3)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    stop_node(sys, h);
  }
  REQUIRE(total == 3);
  auto h = start_node(sys, opts, false);
  auto after = series(sys, h, root);
  CHECK(after.slots == before.slots);
  CHECK(after.totals == before.totals);
  stop_node(sys, h);
}
