#include <doctest/doctest.h>

#include "model/meta/meta_state.hpp"

using namespace ds;

namespace {

config_set set(std::string key, std::string value) {
  return config_set{std::move(key), std::move(value)};
}

} // namespace

TEST_CASE("a setting's version grows by one on every set") {
  meta_state s;
  CHECK(s.apply(set("psm.threshold", "100")).version == 1);
  CHECK(s.apply(set("psm.threshold", "120")).version == 2);
  CHECK(s.config("psm.threshold")->value == "120");
  CHECK(s.config("psm.threshold")->version == 2);
  CHECK_FALSE(s.config("missing"));
}

TEST_CASE(
    "a conditional set that does not match conflicts and changes nothing") {
  meta_state s;
  s.apply(set("k", "a"));
  auto c = set("k", "b");
  c.conditional = true;
  c.if_version = 7;
  auto r = s.apply(c);
  CHECK(r.code == errc::econflict);
  CHECK(r.version == 1);
  CHECK(s.config("k")->value == "a");
  c.if_version = 1;
  CHECK(s.apply(c).code == errc::ok);
  CHECK(s.config("k")->value == "b");
  // if-version 0 means "must not exist yet".
  auto fresh = set("new", "x");
  fresh.conditional = true;
  fresh.if_version = 0;
  CHECK(s.apply(fresh).code == errc::ok);
  CHECK(s.apply(fresh).code == errc::econflict);
}

TEST_CASE("bad keys and oversize values are refused") {
  meta_state s;
  CHECK(s.apply(set("", "x")).code == errc::einval);
  CHECK(s.apply(set("a b", "x")).code == errc::einval);
  CHECK(s.apply(set(std::string(129, 'k'), "x")).code == errc::einval);
  CHECK(s.apply(set("k", std::string(65537, 'v'))).code == errc::einval);
  CHECK(s.config_list().empty());
}

TEST_CASE("a migration commits or aborts once, commits raise the epoch") {
  meta_state s;
  migration_begin b{
      5, hash_range{uint64_t{1} << 63, ~uint64_t{0}}, 0, 2, "", 0, false};
  auto r = s.apply(b);
  REQUIRE(r.code == errc::ok);
  auto id = r.migration;
  CHECK(id == 1);
  CHECK(s.apply(b).code == errc::ebusy); // the part is already moving
  CHECK(s.epoch() == 0);
  migration_commit c{id};
  CHECK(s.apply(c).epoch == 1);
  CHECK(s.apply(c).epoch == 1); // repeated: the same answer
  auto p = s.placement(5);
  REQUIRE(p.parts.size() == 1);
  CHECK(p.parts[0].range == b.range);
  CHECK(p.parts[0].shard == 2);
  CHECK(p.epoch == 1);
  CHECK(s.placement(6).parts.empty());
  migration_abort x{id};
  auto late = s.apply(x);
  CHECK(late.code == errc::econflict); // too late: it took effect
  CHECK(late.epoch == 1);
  // A second move of the same part replaces its placement.
  b.from = 2;
  b.to = 1;
  auto id2 = s.apply(b).migration;
  x.migration = id2;
  CHECK(s.apply(x).code == errc::ok);
  c.migration = id2;
  CHECK(s.apply(c).code == errc::econflict); // aborted stays aborted
  CHECK(s.placement(5).parts.at(0).shard == 2);
  auto id3 = s.apply(b).migration;
  c.migration = id3;
  CHECK(s.apply(c).epoch == 2);
  CHECK(s.placement(5).parts.size() == 1);
  CHECK(s.placement(5).parts.at(0).shard == 1);
  CHECK(s.migrations().size() == 3);
  CHECK(s.migrations().at(id2).state == migration_record::aborted);
  // Bad commands change nothing.
  b.range.lo = 3;
  CHECK(s.apply(b).code == errc::einval);
  b.range.lo = 0;
  b.from = b.to;
  CHECK(s.apply(b).code == errc::einval);
  c.migration = 99;
  CHECK(s.apply(c).code == errc::enoent);
  CHECK(s.epoch() == 2);
  CHECK(s.migrations().size() == 3);
}

TEST_CASE("a started migration's progress grows, a decided one refuses "
          "progress") {
  meta_state s;
  migration_begin b{
      5,    hash_range{uint64_t{1} << 63, ~uint64_t{0}}, 0, 2, "node-a", 1000,
      false};
  auto id = s.apply(b).migration;
  CHECK(s.migrations().at(id).owner == "node-a");
  CHECK(s.migrations().at(id).begun_ns == 1000);
  CHECK(s.apply(migration_progress{id}).version == 1);
  CHECK(s.apply(migration_progress{id}).version == 2);
  CHECK(s.migrations().at(id).progress == 2);
  CHECK(s.apply(migration_commit{id, 5000}).code == errc::ok);
  CHECK(s.migrations().at(id).ended_ns == 5000);
  auto late = s.apply(migration_progress{id});
  CHECK(late.code == errc::econflict);
  CHECK(late.epoch == 1);
  CHECK(s.migrations().at(id).progress == 2); // unchanged
  CHECK(s.apply(migration_progress{99}).code == errc::enoent);
  b.force = true; // within the quiet time of the first
  auto id2 = s.apply(b).migration;
  CHECK(s.apply(migration_abort{id2, 7000}).code == errc::ok);
  CHECK(s.migrations().at(id2).ended_ns == 7000);
  CHECK(s.apply(migration_abort{id2, 9000}).code == errc::ok); // repeated
  CHECK(s.migrations().at(id2).ended_ns == 7000);
  CHECK(s.apply(migration_progress{id2}).code == errc::econflict);
}

TEST_CASE("a migration's record carries the entries its driver reports, "
          "and its commit's final count") {
  meta_state s;
  const hash_range upper{uint64_t{1} << 63, ~uint64_t{0}};
  auto id = s.apply(migration_begin{5, upper, 0, 2, "n", 1000, true}).migration;
  CHECK(s.migrations().at(id).entries == 0);
  CHECK(s.apply(migration_progress{id, 4096}).code == errc::ok);
  CHECK(s.migrations().at(id).entries == 4096);
  // A report applied late (a retry through another leader) never lowers it.
  CHECK(s.apply(migration_progress{id, 1024}).code == errc::ok);
  CHECK(s.migrations().at(id).entries == 4096);
  CHECK(s.migrations().at(id).progress == 2);
  CHECK(s.entries_moved() == 0); // nothing committed yet
  auto c = s.apply(migration_commit{id, 2000, 10007});
  CHECK(c.code == errc::ok);
  CHECK(c.entries == 10007);
  CHECK(s.migrations().at(id).entries == 10007);
  CHECK(s.entries_moved() == 10007);
  // A repeated commit answers the same and counts nothing twice.
  CHECK(s.apply(migration_commit{id, 3000, 5}).entries == 10007);
  CHECK(s.migrations().at(id).entries == 10007);
  CHECK(s.entries_moved() == 10007);
  // An aborted move keeps what it had reported, and moved nothing.
  auto id2 =
      s.apply(migration_begin{6, upper, 0, 2, "n", 1000, true}).migration;
  s.apply(migration_progress{id2, 300});
  CHECK(s.apply(migration_abort{id2, 4000}).code == errc::ok);
  CHECK(s.migrations().at(id2).entries == 300);
  CHECK(s.apply(migration_commit{id2, 5000, 400}).code == errc::econflict);
  CHECK(s.migrations().at(id2).entries == 300);
  CHECK(s.entries_moved() == 10007);
  // A commit written before commits carried a count keeps the reported one.
  auto id3 =
      s.apply(migration_begin{7, upper, 0, 2, "n", 1000, true}).migration;
  s.apply(migration_progress{id3, 12});
  CHECK(s.apply(migration_commit{id3, 6000}).code == errc::ok);
  CHECK(s.migrations().at(id3).entries == 12);
  CHECK(s.entries_moved() == 10019);
  CHECK(s.migrations_page(migration_query{}).entries_moved == 10019);
}

TEST_CASE("a part that moved does not move again within the quiet time "
          "unless forced") {
  meta_state s;
  constexpr int64_t sec = 1'000'000'000;
  hash_range upper{uint64_t{1} << 63, ~uint64_t{0}};
  hash_range top{uint64_t{3} << 62, ~uint64_t{0}};
  auto begin = [&](hash_range r, int64_t at, bool force) {
    return s.apply(migration_begin{5, r, 0, 2, "n1", at, force});
  };
  auto id = begin(upper, 100 * sec, false).migration;
  REQUIRE(s.apply(migration_commit{id, 101 * sec}).code == errc::ok);
  // 59 s after the commit: refused, with why; a part inside it too.
  auto r = begin(upper, 160 * sec, false);
  CHECK(r.code == errc::ebusy);
  CHECK(r.detail.find("move-quiet-time is 60 s") != std::string::npos);
  CHECK(begin(top, 160 * sec, false).code == errc::ebusy);
  CHECK(s.migrations().size() == 1); // refused: nothing recorded
  // Another directory, or the other half, is not held back.
  CHECK(s.apply(migration_begin{6, upper, 0, 2, "n1", 160 * sec, false}).code ==
        errc::ok);
  hash_range lower{0, (uint64_t{1} << 63) - 1};
  CHECK(begin(lower, 160 * sec, false).code == errc::ok);
  // Forced, or after the quiet time: accepted.
  auto forced = begin(upper, 160 * sec, true);
  CHECK(forced.code == errc::ok);
  REQUIRE(s.apply(migration_abort{forced.migration, 161 * sec}).code ==
          errc::ok);
  CHECK(begin(upper, 161 * sec, false).code == errc::ok);
  // The setting is read from the replicated settings, and checked.
  CHECK(s.apply(config_set{"move-quiet-time", "soon"}).code == errc::einval);
  CHECK(s.apply(config_set{"move-quiet-time", "2m"}).code == errc::ok);
  meta_state t;
  id = t.apply(migration_begin{5, upper, 0, 2, "n1", sec, false}).migration;
  t.apply(migration_commit{id, 2 * sec});
  t.apply(config_set{"move-quiet-time", "2m"});
  CHECK(t.apply(migration_begin{5, upper, 2, 0, "n1", 100 * sec, false}).code ==
        errc::ebusy);
  CHECK(t.apply(migration_begin{5, upper, 2, 0, "n1", 123 * sec, false}).code ==
        errc::ok);
  // Entries from before begins carried a time are applied as they were.
  meta_state u;
  id = u.apply(migration_begin{5, upper, 0, 2, "", 0, false}).migration;
  u.apply(migration_commit{id, 0});
  CHECK(u.apply(migration_begin{5, upper, 2, 0, "", 0, false}).code ==
        errc::ok);
}

TEST_CASE("durations of settings parse with their units") {
  int64_t ns = 0;
  CHECK((parse_duration_ns("90", ns) && ns == 90'000'000'000));
  CHECK((parse_duration_ns("90s", ns) && ns == 90'000'000'000));
  CHECK((parse_duration_ns("500ms", ns) && ns == 500'000'000));
  CHECK((parse_duration_ns("2m", ns) && ns == 120'000'000'000));
  CHECK((parse_duration_ns("0", ns) && ns == 0));
  for (auto bad : {"", "s", "-1", "1h", "1.5s", "1 s", "99999m"})
    CHECK_FALSE(parse_duration_ns(bad, ns));
}

TEST_CASE("validate_command checks a set's key and value, and lets the other "
          "kinds through to apply") {
  CHECK(validate_command(set("app.period", "60")) == errc::ok);
  CHECK(validate_command(set("a b", "60")) == errc::einval);
  CHECK(validate_command(set("k", std::string(65537, 'v'))) == errc::einval);
  // A move's arguments are checked against the state when it applies.
  CHECK(validate_command(migration_begin{}) == errc::ok);
  CHECK(validate_command(migration_commit{99}) == errc::ok);
  meta_state s;
  CHECK(s.apply(migration_begin{}).code == errc::einval);
  CHECK(s.apply(migration_abort{99}).code == errc::enoent);
  CHECK(s.migrations().empty());
}

TEST_CASE("the PSM's plannings are recorded once each, within their bounds") {
  meta_state s;
  auto rec = [](int64_t at, uint32_t count, uint32_t keep, int64_t age) {
    return psm_record{at, "predictive", count, "x", keep, age, "n", 0, 0};
  };
  CHECK(s.apply(rec(10, 3, 100, 50)).code == errc::ok);
  // The same period again (a planner that took over): refused, unchanged.
  auto again = s.apply(rec(10, 5, 100, 50));
  CHECK(again.code == errc::econflict);
  CHECK(again.version == 10);
  CHECK(s.apply(rec(9, 1, 100, 50)).code == errc::econflict);
  REQUIRE(s.plannings().size() == 1);
  CHECK(s.plannings()[0].count == 3);
  // Bounded by count: whole plannings are dropped, oldest first.
  CHECK(s.apply(rec(11, 4, 8, 50)).code == errc::ok);
  CHECK(s.apply(rec(12, 4, 8, 50)).code == errc::ok);
  REQUIRE(s.plannings().size() == 2);
  CHECK(s.plannings().front().at == 11);
  // By age: none older than keep_slots before the newest.
  CHECK(s.apply(rec(100, 1, 100, 50)).code == errc::ok);
  REQUIRE(s.plannings().size() == 1);
  CHECK(s.plannings().front().at == 100);
  // The newest is kept even alone over the count bound.
  CHECK(s.apply(rec(101, 500, 10, 50)).code == errc::ok);
  CHECK(s.plannings().size() == 1);
  // Malformed: refused, nothing changes.
  CHECK(s.apply(rec(102, 1, 0, 50)).code == errc::einval);
  CHECK(s.apply(rec(102, 1, 10, -1)).code == errc::einval);
  CHECK(s.plannings().back().at == 101);
}

TEST_CASE("psm settings are checked where they are applied") {
  meta_state s;
  CHECK(s.apply(set("psm.threshold", "abc")).code == errc::einval);
  CHECK(s.apply(set("psm.policy", "predictive")).code == errc::ok);
  CHECK(s.apply(set("psm.exit-threshold", "300")).code == errc::ok);
  CHECK(s.apply(set("psm.threshold", "200")).code == errc::einval);
  CHECK(s.config("psm.threshold") == std::nullopt);
  CHECK(s.apply(set("psm.threshold", "400")).code == errc::ok);
  CHECK(validate_command(set("psm.nonsense", "1")) == errc::einval);
}
