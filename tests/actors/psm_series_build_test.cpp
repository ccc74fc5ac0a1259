// The forecaster's plain steps, and the forecaster spawned as a node would
// (detached, on a real scheduler).
#include "tests/actors/caf_doctest.hpp"

#include <caf/scoped_actor.hpp>

#include "actors/psm/forecaster.hpp"
#include "actors/psm/series_build.hpp"

using namespace ds;
using access::series_key;
using psm_history::history_point;

namespace {

access::op_counts ops(uint64_t a, uint64_t b, uint64_t c, uint64_t d) {
  access::op_counts x;
  x.n = {a, b, c, d};
  return x;
}

} // namespace

TEST_CASE("a report's rows: each part, and each directory as its parts' sum") {
  psm_slot_report r;
  r.slot = 5;
  r.parts = {{"1", 0, 9, ops(1, 2, 3, 4)},
             {"1", 10, 19, ops(10, 0, 0, 1)},
             {"2", 0, 9, ops(7, 0, 0, 0)}};
  auto rows = psm_actor::report_rows(r);
  REQUIRE(rows.size() == 5);
  std::map<series_key, access::op_counts> by;
  for (auto& x : rows)
    by[x.key] = x.counts;
  CHECK(by[series_key::directory("1")].n == ops(11, 2, 3, 5).n);
  CHECK(by[series_key::directory("2")].n == ops(7, 0, 0, 0).n);
  CHECK(by[series_key::range("1", 10, 19)].n == ops(10, 0, 0, 1).n);
}

TEST_CASE("dense rates: rolled-up rows spread evenly, gaps are zero") {
  std::vector<history_point> ps = {{0, 4, ops(8, 0, 0, 0)},
                                   {6, 1, ops(3, 1, 0, 0)},
                                   {7, 1, ops(2, 0, 0, 0)}};
  auto y = psm_actor::dense_rates(ps, 8, 2.0, 100);
  REQUIRE(y.size() == 9);
  CHECK(y[0] == 1.0); // 8 ops over 4 slots of 2 s
  CHECK(y[3] == 1.0);
  CHECK(y[4] == 0.0);
  CHECK(y[6] == 2.0);
  CHECK(y[7] == 1.0);
  CHECK(y[8] == 0.0);
  // At most max_slots, the newest ones.
  auto tail = psm_actor::dense_rates(ps, 8, 2.0, 3);
  CHECK(tail == std::vector<double>{2.0, 1.0, 0.0});
  CHECK(psm_actor::dense_rates({}, 8, 1.0, 10).empty());
}

TEST_CASE("spawned detached, the forecaster stores and answers off the "
          "scheduler") {
  struct cfg_t : caf::actor_system_config {
    cfg_t() { add_psm_message_types(*this); }
  } cfg;
  caf::actor_system sys{cfg};
  auto store = std::shared_ptr<psm_history::history_store>{
      psm_history::make_memory_history_store()};
  psm_forecaster_options opt;
  opt.tiers.period = 4;
  opt.tiers.threshold = 100;
  auto fc = spawn_forecaster(sys, store, opt);
  caf::scoped_actor self{sys};
  psm_slot_report r;
  r.slot = 3;
  r.parts = {{"1", 0, 9, ops(4, 0, 0, 0)}};
  uint64_t acked = 0;
  self->request(fc, std::chrono::seconds(30), psm_report_atom::value, r)
      .receive([&](uint64_t s) { acked = s; },
               [&](caf::error& e) { FAIL(to_string(e)); });
  CHECK(acked == 3);
  psm_series_view v;
  self->request(fc, std::chrono::seconds(30), psm_series_atom::value,
                series_key::range("1", 0, 9))
      .receive([&](psm_series_view& x) { v = x; },
               [&](caf::error& e) { FAIL(to_string(e)); });
  CHECK(v.slots == std::vector<uint64_t>{3});
  CHECK(v.totals == std::vector<uint64_t>{4});
  self->send_exit(fc, caf::exit_reason::user_shutdown);
}

TEST_CASE("a new part inherits its share of the directory's past") {
  // The directory: 10 ops per slot at slots 0..3, 40 at 4 and 5. The upper
  // half of it has its own rows only from slot 4 (split off then).
  std::vector<history_point> dir{{0, 1, ops(10, 0, 0, 0)},
                                 {1, 1, ops(10, 0, 0, 0)},
                                 {2, 2, ops(20, 0, 0, 0)},
                                 {4, 1, ops(40, 0, 0, 0)},
                                 {5, 1, ops(40, 0, 0, 0)}};
  std::vector<history_point> part{{4, 1, ops(30, 0, 0, 0)},
                                  {5, 1, ops(10, 0, 0, 0)}};
  double half = psm_actor::range_fraction(uint64_t{1} << 63, ~uint64_t{0});
  CHECK(half == 0.5);
  CHECK(psm_actor::range_fraction(0, ~uint64_t{0}) == 1.0);
  auto y = psm_actor::inherited_rates(part, dir, half, 5, 1.0, 100);
  CHECK(y == std::vector<double>{5, 5, 5, 5, 30, 10});
  // Within the window only; the own rows win where both exist.
  CHECK(psm_actor::inherited_rates(part, dir, half, 5, 1.0, 3) ==
        std::vector<double>{5, 30, 10});
  // A part as old as the directory, or with no rows, keeps its own.
  CHECK(psm_actor::inherited_rates(dir, dir, 0.25, 5, 1.0, 100) ==
        psm_actor::dense_rates(dir, 5, 1.0, 100));
  CHECK(psm_actor::inherited_rates({}, dir, 0.5, 5, 1.0, 100).empty());
}
