// The entries a move carries: counted by its driver, recorded as it copies
// and exactly at its commit, and shown by the metrics.
#include "tests/actors/dir_fixture.hpp"
#include "tests/actors/slow_shard.hpp"

#include <map>
#include <vector>

#include <prometheus/metric_family.h>

#include "actors/metrics/collector.hpp"
#include "model/namespace/name.hpp"

using namespace ds;
using namespace ds::test;

namespace {

const hash_range upper{uint64_t{1} << 63, ~uint64_t{0}};

struct entries_fixture : dir_fixture {
  /// A page of every migration record (and the entries moved).
  migration_page page() {
    migration_page out;
    auto rh = self->request(metadata, caf::infinite, migrations_atom::value,
                            migration_query{});
    sched.run();
    rh.receive([&](migration_page& p) { out = std::move(p); },
               [&](caf::error& e) { FAIL(sys.render(e)); });
    return out;
  }

  /// The value of the sample of `family` labelled state=`state` (any
  /// sample if `state` is empty); -1 if there is none.
  static double sample(const std::vector<prometheus::MetricFamily>& fs,
                       const std::string& family, const std::string& state) {
    for (auto& f : fs)
      if (f.name == family)
        for (auto& m : f.metric)
          if (state.empty() || (!m.label.empty() && m.label[0].value == state))
            return f.type == prometheus::MetricType::Counter ? m.counter.value
                                                             : m.gauge.value;
    return -1;
  }
};

} // namespace

TEST_CASE_FIXTURE(entries_fixture,
                  "a move's record carries exactly the entries of the part "
                  "it moved, and the metrics match") {
  make_dir(300);
  auto want = files_in(upper, 300);
  REQUIRE(want > 100); // several chunks of 7
  auto to = (home + 1) % 4;
  auto rh = self->request(gateway, caf::infinite, move_atom::value,
                          move_request{dir, upper, to, false, 7});
  run_all();
  meta_result moved;
  rh.receive([&](meta_result& r) { moved = r; },
             [&](caf::error& e) { FAIL(sys.render(e)); });
  REQUIRE(moved.code == errc::ok);
  CHECK(moved.entries == want);
  auto p = page();
  REQUIRE(p.records.size() == 1);
  CHECK(p.records[0].state == migration_record::committed);
  CHECK(p.records[0].entries == want);
  CHECK(p.entries_moved == want);
  // What the shards count agrees (no writes during the copy: no delta).
  CHECK(cores[to]->stats().moved_in == want);
  auto fs = migration_metrics(p.records, &p.entries_moved);
  CHECK(sample(fs, "dagshard_migration_entries_moved_total", "") ==
        double(want));
  CHECK(sample(fs, "dagshard_migration_entries", "committed") == double(want));
  CHECK(sample(fs, "dagshard_migration_entries", "started") == 0);
  CHECK(sample(fs, "dagshard_migrations", "committed") == 1);
  // A second move, of the other half, adds to the counter.
  auto lower = hash_range{0, (uint64_t{1} << 63) - 1};
  auto rh2 = self->request(gateway, caf::infinite, move_atom::value,
                           move_request{dir, lower, to, false, 50});
  run_all();
  rh2.receive([&](meta_result& r) { moved = r; },
              [&](caf::error& e) { FAIL(sys.render(e)); });
  REQUIRE(moved.code == errc::ok);
  CHECK(moved.entries == 300 - want);
  p = page();
  CHECK(p.entries_moved == 300);
  auto fs2 = migration_metrics(p.records, &p.entries_moved);
  CHECK(sample(fs2, "dagshard_migration_entries_moved_total", "") == 300);
  CHECK(sample(fs2, "dagshard_migration_entries", "committed") == 300);
  // Without the total (the replica did not answer), no counter at all.
  CHECK(sample(migration_metrics(p.records, nullptr),
               "dagshard_migration_entries_moved_total", "") == -1);
}

TEST_CASE_FIXTURE(entries_fixture,
                  "a long copy records the entries it has sent as it goes") {
  make_dir(300);
  auto want = files_in(upper, 300);
  auto to = (home + 1) % 4;
  // The destination takes 400 ms per chunk of 10 entries: the copy takes
  // several virtual seconds, and the driver records its count about once
  // a second.
  auto view = shards;
  view[to] = caf::actor_cast<shard_actor>(sys.spawn(
      slow_import, shards[to], caf::timespan{std::chrono::milliseconds(400)}));
  extras.push_back(caf::actor_cast<caf::actor>(view[to]));
  cluster_map cluster;
  REQUIRE(cluster_map::make({"test", "127.0.0.1", 1}, {}, 4, cluster) == "");
  auto driver = sys.spawn(router_behavior, cluster, view, metadata,
                          caf::timespan{std::chrono::seconds(1)},
                          caf::timespan{0}, size_t{256});
  extras.push_back(caf::actor_cast<caf::actor>(driver));
  sched.run();
  auto rh = self->request(driver, caf::infinite, move_atom::value,
                          move_request{dir, upper, to, false, 10});
  sched.run();
  std::vector<uint64_t> seen; // the started record's counts, as they change
  for (int i = 0; i < 10000 && self->mailbox().empty(); ++i) {
    if (!sched.trigger_timeout())
      break;
    sched.run();
    if (!self->mailbox().empty())
      break; // answered: the record is committed now
    auto p = page();
    REQUIRE(p.records.size() == 1);
    auto& m = p.records[0];
    if (m.state != migration_record::started)
      continue;
    if (seen.empty() || seen.back() != m.entries)
      seen.push_back(m.entries);
  }
  meta_result moved;
  rh.receive([&](meta_result& r) { moved = r; },
             [&](caf::error& e) { FAIL(sys.render(e)); });
  REQUIRE(moved.code == errc::ok);
  // The count grew chunk by chunk while the move was started, never past
  // the part, and the commit says exactly how many.
  std::string counts;
  for (auto n : seen)
    counts += " " + std::to_string(n);
  MESSAGE("counts recorded while started:" << counts << "; final " << want);
  REQUIRE(seen.size() >= 4);
  for (size_t i = 1; i < seen.size(); ++i) {
    CHECK(seen[i] > seen[i - 1]);
    CHECK((seen[i] % 10 == 0 || seen[i] == want)); // after a chunk
    CHECK(seen[i] <= want);
  }
  auto p = page();
  REQUIRE(p.records.size() == 1);
  CHECK(p.records[0].entries == want);
  CHECK(moved.entries == want);
  // One record of the count per second or so besides the renewals, not one
  // per chunk: fewer progress records than chunks.
  CHECK(p.records[0].progress < want / 10);
  CHECK(p.records[0].progress >= seen.size() - 1);
}
