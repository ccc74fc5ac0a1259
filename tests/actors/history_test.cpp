// The bounded record of moves on one node (actors/router/router_history.cpp):
// a move ends settled once both of its shards are done, a shard that does
// not answer keeps its move unsettled, and a mark of a settled move whose
// record was pruned is undone.
#include "tests/actors/dir_fixture.hpp"
#include "tests/actors/step_proxy.hpp"

#include <map>

#include "model/namespace/name.hpp"

using namespace ds;
using namespace ds::test;

namespace {

const hash_range upper{uint64_t{1} << 63, ~uint64_t{0}};
const hash_range lower{0, (uint64_t{1} << 63) - 1};

/// A hook for step_proxy: a shard that answers no part step while `*down`
/// (as if its node were cut off); everything else passes through.
step_hook cut_off(std::shared_ptr<bool> down) {
  return [down](shard_actor::pointer,
                part_request&) -> std::optional<caf::result<part_reply>> {
    if (*down)
      return caf::result<part_reply>{part_reply{errc::eunavailable, {}, {}}};
    return std::nullopt;
  };
}

struct history_fixture : dir_fixture {
  meta_result move(hash_range r, uint32_t to) {
    meta_result out;
    out.code = errc::eio;
    auto rh = self->request(router, caf::infinite, move_atom::value,
                            move_request{dir, r, to, true});
    run_all();
    rh.receive([&](meta_result& m) { out = m; },
               [&](caf::error& e) { FAIL(sys.render(e)); });
    return out;
  }

  template <class Handle>
  migration_page page(const Handle& via, migration_query q) {
    migration_page out;
    auto rh = self->request(via, caf::infinite, migrations_atom::value, q);
    run_all();
    rh.receive([&](migration_page& p) { out = std::move(p); },
               [&](caf::error& e) { FAIL(sys.render(e)); });
    return out;
  }

  std::map<uint64_t, migration_record> records() {
    std::map<uint64_t, migration_record> out;
    for (auto& m : page(metadata, migration_query{}).records)
      out[m.id] = m;
    return out;
  }

  meta_result meta(meta_command c) {
    meta_result out;
    out.code = errc::eio;
    auto rh = self->request(metadata, caf::infinite, meta_atom::value, c);
    run_all();
    rh.receive([&](meta_result& r) { out = r; },
               [&](caf::error& e) { FAIL(sys.render(e)); });
    return out;
  }

  part_reply step(uint32_t shard, part_request req) {
    part_reply out;
    out.code = errc::eio;
    auto rh = self->request(shards[shard], caf::infinite, part_atom::value,
                            std::move(req));
    run_all();
    rh.receive([&](part_reply& r) { out = std::move(r); },
               [&](caf::error& e) { FAIL(sys.render(e)); });
    return out;
  }

  size_t unresolved(uint32_t shard) {
    return step(shard, part_list_unresolved{}).unresolved.size();
  }

  template <class Handle> void scan(const Handle& r, int times = 1) {
    for (int i = 0; i < times; ++i) {
      self->send(r, resolve_atom::value);
      run_all();
    }
  }

  /// A shard other than the home and `not_this`.
  uint32_t other(uint32_t not_this) const {
    for (uint32_t s = 0;; ++s)
      if (s != home && s != not_this)
        return s;
  }
};

} // namespace

TEST_CASE_FIXTURE(history_fixture,
                  "a finished move is recorded as settled by the next scan") {
  make_dir(40);
  auto to = (home + 1) % 4;
  auto m = move(upper, to);
  REQUIRE(m.code == errc::ok);
  CHECK_FALSE(records().at(m.migration).settled);
  scan(router);
  CHECK(records().at(m.migration).settled);
  // Clients page through the gateway.
  auto p = page(gateway, migration_query{0, 10, false});
  REQUIRE(p.records.size() == 1);
  CHECK(p.records[0].settled);
  CHECK(p.total == 1);
  CHECK(p.next_id == m.migration + 1);
  CHECK_FALSE(p.more);
  CHECK(page(gateway, migration_query{0, 10, true}).records.empty());
}

TEST_CASE_FIXTURE(history_fixture,
                  "a move stays unsettled while one of its shards does not "
                  "answer") {
  make_dir(40);
  auto to = (home + 1) % 4;
  // A second router whose link to the destination can be cut.
  std::vector<std::shared_ptr<bool>> down;
  std::vector<shard_actor> via;
  for (auto& s : shards) {
    down.push_back(std::make_shared<bool>(false));
    via.push_back(sys.spawn(step_proxy, s, cut_off(down.back())));
    extras.push_back(caf::actor_cast<caf::actor>(via.back()));
  }
  cluster_map cluster;
  REQUIRE(cluster_map::make({"test", "127.0.0.1", 1}, {}, 4, cluster) == "");
  auto r = sys.spawn(router_with_history, cluster, via, metadata,
                     caf::timespan{std::chrono::seconds(1)}, caf::timespan{0},
                     size_t{256}, migration_history{}, uint64_t{0});
  extras.push_back(caf::actor_cast<caf::actor>(r));
  sched.run();
  auto m = move(upper, to);
  REQUIRE(m.code == errc::ok);
  *down[to] = true;
  scan(r, 3);
  CHECK_FALSE(records().at(m.migration).settled);
  *down[to] = false;
  scan(r);
  CHECK(records().at(m.migration).settled);
}

TEST_CASE_FIXTURE(history_fixture,
                  "a mark of a settled move whose record was pruned is "
                  "undone") {
  make_dir(40);
  auto to = (home + 1) % 4;
  auto a = move(upper, to);
  REQUIRE(a.code == errc::ok);
  auto b = move(lower, to);
  REQUIRE(b.code == errc::ok);
  scan(router);
  // A bound of one record: the first goes.
  REQUIRE(meta(migration_settled{b.migration, 0, 1, 3600'000'000'000}).code ==
          errc::ok);
  REQUIRE(records().size() == 1);
  REQUIRE_FALSE(records().count(a.migration));
  // Steps of the pruned move that arrive late: an export at the shard that
  // holds the part (frozen: writes wait), an import at a third shard
  // (pending: not served).
  auto z = other(to);
  REQUIRE(step(to, part_begin_export{part_ref{dir, upper, a.migration}}).code ==
          errc::ok);
  REQUIRE(step(z, part_import{part_ref{dir, upper, a.migration}, {}}).code ==
          errc::ok);
  REQUIRE(unresolved(to) == 1);
  REQUIRE(unresolved(z) == 1);
  // Nothing will finish that move: the scans undo both marks (a part must
  // be seen by two scans in a row).
  scan(router, 2);
  CHECK(unresolved(to) == 0);
  CHECK(unresolved(z) == 0);
  auto left = cores[z]->parts(dir);
  CHECK((!left || left->parts.empty()));
  // The part is served and written again where it lives.
  std::string fresh;
  for (int i = 0; fresh.empty(); ++i)
    if (upper.contains(name_hash("n" + std::to_string(i))))
      fresh = "n" + std::to_string(i);
  CHECK(path(path_op::create, "/hot/" + fresh, [this] { run_all(); }).code ==
        errc::ok);
  CHECK(path(path_op::stat, "/hot/" + fresh).code == errc::ok);
}

TEST_CASE_FIXTURE(history_fixture,
                  "a mark of a move the log never gave is left alone") {
  make_dir(8);
  auto z = other(home);
  REQUIRE(step(z, part_import{part_ref{dir, upper, 99}, {}}).code == errc::ok);
  scan(router, 3);
  CHECK(unresolved(z) == 1);
}
