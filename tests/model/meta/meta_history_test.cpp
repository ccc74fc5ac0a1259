// The bounded history of migrations (model/meta/meta_history.cpp).
#include <doctest/doctest.h>

#include <set>

#include "model/meta/meta_codec.hpp"
#include "model/msgpack_read.hpp"

using namespace ds;

namespace {

constexpr int64_t s_ns = 1'000'000'000;
constexpr int64_t day_ns = 86400 * s_ns;

/// Part `i` of 64 equal parts of the hash space.
hash_range part(uint64_t i) {
  return hash_range{i << 58, ((i + 1) << 58) - 1};
}

/// Moves part `i` of `dir` from 0 to 1 at `t` (ns): begin and commit.
/// Returns the migration's id.
uint64_t move(meta_state& s, inode_id dir, uint64_t i, int64_t t,
              bool commit = true) {
  auto r = s.apply(migration_begin{dir, part(i), 0, 1, "n", t, true});
  REQUIRE(r.code == errc::ok);
  if (commit)
    REQUIRE(s.apply(migration_commit{r.migration, t}).code == errc::ok);
  else
    REQUIRE(s.apply(migration_abort{r.migration, t}).code == errc::ok);
  return r.migration;
}

migration_settled settled(uint64_t id, int64_t t, uint32_t keep,
                          int64_t keep_ns = 7 * day_ns) {
  return migration_settled{id, t, keep, keep_ns};
}

} // namespace

TEST_CASE("pruning keeps unsettled records whatever the bound") {
  meta_state s;
  // Ten finished moves, none settled, and one under way.
  for (uint64_t i = 0; i < 10; ++i)
    move(s, 5, i, (int64_t(i) + 1) * s_ns, i % 2 == 0);
  auto open = s.apply(migration_begin{5, part(20), 0, 1, "n", 11 * s_ns, true});
  REQUIRE(open.code == errc::ok);
  // Settling the first, far in the future with a bound of 1: only it goes.
  CHECK(s.apply(settled(1, 100 * day_ns, 1, s_ns)).code == errc::ok);
  CHECK(s.migrations().size() == 10);
  CHECK_FALSE(s.migrations().count(1));
  for (auto& [id, m] : s.migrations())
    CHECK_FALSE(m.settled);
  // A move under way cannot be settled, and stays.
  CHECK(s.apply(settled(open.migration, 100 * day_ns, 1)).code ==
        errc::econflict);
  CHECK(s.migrations().count(open.migration));
  // Settling an id already pruned answers ok (a repeat); an id never given
  // is unknown; a bound of 0 is refused and changes nothing.
  CHECK(s.apply(settled(1, 100 * day_ns, 1)).code == errc::ok);
  CHECK(s.apply(settled(99, 100 * day_ns, 1)).code == errc::enoent);
  CHECK(s.apply(settled(2, 100 * day_ns, 0)).code == errc::einval);
  CHECK_FALSE(s.migrations().at(2).settled);
}

TEST_CASE("settled records beyond the count go, oldest first") {
  meta_state s;
  for (uint64_t i = 0; i < 8; ++i)
    move(s, 5, i, (int64_t(i) + 1) * s_ns);
  // Settle all but 3 and 6, keeping 4: 1, 2, 4 and 5 go (oldest settled
  // first) until four records are left.
  for (uint64_t id : {1, 2, 4, 5, 7, 8})
    REQUIRE(s.apply(settled(id, 10 * s_ns, 4)).code == errc::ok);
  std::set<uint64_t> left;
  for (auto& [id, m] : s.migrations())
    left.insert(id);
  CHECK(left == std::set<uint64_t>{3, 6, 7, 8});
  CHECK(s.migrations().at(7).settled);
  // Ids are never reused once their records are gone.
  CHECK(s.next_migration() == 9);
  CHECK(s.apply(migration_begin{5, part(30), 0, 1, "n", 0, true}).migration ==
        9);
}

TEST_CASE("settled records older than the age go, by the command's time") {
  meta_state s;
  auto a = move(s, 5, 0, 1 * day_ns);
  auto b = move(s, 5, 1, 2 * day_ns);
  auto c = move(s, 5, 2, 3 * day_ns);
  REQUIRE(s.apply(settled(a, 3 * day_ns, 1000, 7 * day_ns)).code == errc::ok);
  REQUIRE(s.apply(settled(b, 3 * day_ns, 1000, 7 * day_ns)).code == errc::ok);
  CHECK(s.migrations().size() == 3); // young enough
  // Nine and a half days on: a and b are past seven days; c is not, and
  // is not settled either.
  REQUIRE(s.apply(settled(b, 9 * day_ns + day_ns / 2, 1000, 7 * day_ns)).code ==
          errc::ok);
  CHECK(s.migrations().size() == 1);
  CHECK(s.migrations().count(c));
  // A command with no time prunes by count only.
  REQUIRE(s.apply(settled(c, 0, 1000, 1)).code == errc::ok);
  CHECK(s.migrations().size() == 1);
}

TEST_CASE("pruning never shortens the quiet time") {
  meta_state s;
  // Part 0 moved at t=100 s; then many other moves push its record out.
  auto first = move(s, 5, 0, 100 * s_ns);
  REQUIRE(s.apply(settled(first, 100 * s_ns, 1)).code == errc::ok);
  auto other = move(s, 5, 1, 101 * s_ns);
  REQUIRE(s.apply(settled(other, 101 * s_ns, 1)).code == errc::ok);
  REQUIRE_FALSE(s.migrations().count(first));
  REQUIRE(s.moved().at(5).size() == 1);
  // A move of part 0 within the 60 s quiet time is still held up, naming
  // the pruned move; one of an overlapping larger part too.
  migration_begin again{5, part(0), 1, 2, "n", 150 * s_ns, false};
  auto r = s.apply(again);
  CHECK(r.code == errc::ebusy);
  CHECK(r.migration == first);
  CHECK(r.detail.find("50 s ago") != std::string::npos);
  migration_begin wider{
      5, hash_range{0, (uint64_t{1} << 62) - 1}, 1, 2, "n", 150 * s_ns, false};
  CHECK(s.apply(wider).code == errc::ebusy);
  // After the quiet time it may move; forced, at once.
  again.now_ns = 161 * s_ns;
  CHECK(s.apply(again).code == errc::ok);
  // Times older than any quiet time can be (a day) are dropped at the next
  // pruning.
  auto late = s.migrations().rbegin()->first;
  REQUIRE(s.apply(migration_abort{late, 3 * day_ns}).code == errc::ok);
  REQUIRE(s.apply(settled(late, 3 * day_ns, 1)).code == errc::ok);
  CHECK(s.moved().empty());
}

TEST_CASE("two replicas applying the same log end with the same bytes") {
  // The same commands, encoded as the log holds them, applied to two
  // states; one of them is restored from a snapshot half way.
  std::vector<std::string> log;
  int64_t t = day_ns;
  for (uint64_t n = 0; n < 3000; ++n) {
    t += 37 * s_ns;
    auto id = n + 1;
    log.push_back(encode_meta_command(
        migration_begin{7 + n % 3, part(n % 64), 0, 1, "n", t, false}));
    if (n % 5 == 4)
      log.push_back(encode_meta_command(migration_abort{id, t}));
    else
      log.push_back(encode_meta_command(migration_commit{id, t}));
    if (n % 7 != 3) // some are never settled
      log.push_back(encode_meta_command(settled(id, t, 100, 2 * 3600 * s_ns)));
  }
  meta_state a, b;
  for (size_t i = 0; i < log.size(); ++i) {
    a.apply(decode_meta_command(log[i]));
    b.apply(decode_meta_command(log[i]));
    if (i == log.size() / 2) {
      meta_state c;
      decode_meta_state(encode_meta_state(b), c);
      b = c;
    }
  }
  CHECK(encode_meta_state(a) == encode_meta_state(b));
  CHECK(a.next_migration() == 3001);
}

TEST_CASE("the snapshot stays bounded over ten thousand moves") {
  meta_state s;
  int64_t t = day_ns;
  size_t at_2000 = 0;
  for (uint64_t n = 1; n <= 10000; ++n) {
    t += 61 * s_ns;
    auto r = s.apply(migration_begin{9, part(n % 16), n % 2 ? 0u : 1u,
                                     n % 2 ? 1u : 0u, "node-1", t, false});
    REQUIRE(r.code == errc::ok);
    REQUIRE(s.apply(migration_commit{r.migration, t}).code == errc::ok);
    REQUIRE(s.apply(settled(r.migration, t, 1000)).code == errc::ok);
    if (n == 2000)
      at_2000 = encode_meta_state(s).size();
  }
  CHECK(s.migrations().size() == 1000);
  auto size = encode_meta_state(s).size();
  MESSAGE("snapshot after 2000 moves: " << at_2000
                                        << " bytes, after 10000: " << size);
  CHECK(size <= at_2000 + at_2000 / 20);
}

TEST_CASE("paging returns every record exactly once, oldest first") {
  meta_state s;
  for (uint64_t i = 0; i < 57; ++i)
    move(s, 5, i % 64, (int64_t(i) + 1) * s_ns);
  // Some pruned: a gap at the start.
  for (uint64_t id = 1; id <= 10; ++id)
    s.apply(settled(id, 60 * s_ns, 47));
  REQUIRE(s.migrations().size() == 47);
  std::vector<uint64_t> seen;
  migration_query q{0, 10, false};
  int pages = 0;
  for (;;) {
    auto p = s.migrations_page(q);
    CHECK(p.total == 47);
    CHECK(p.next_id == 58);
    CHECK(p.records.size() <= 10);
    for (auto& m : p.records)
      seen.push_back(m.id);
    ++pages;
    if (!p.more)
      break;
    q.after = p.records.back().id;
  }
  CHECK(pages == 5);
  REQUIRE(seen.size() == 47);
  for (size_t i = 0; i < seen.size(); ++i)
    CHECK(seen[i] == 11 + i);
  // The unsettled only: those not settled, whatever the limit says.
  auto u = s.migrations_page(migration_query{0, 1, true});
  CHECK(u.records.size() == 47);
  s.apply(settled(20, 60 * s_ns, 1000));
  CHECK(s.migrations_page(migration_query{0, 1, true}).records.size() == 46);
}

TEST_CASE("the history travels in snapshots, and version-4 snapshots load") {
  meta_state s;
  auto a = move(s, 5, 0, 100 * s_ns);
  move(s, 5, 1, 101 * s_ns);
  REQUIRE(s.apply(settled(a, 102 * s_ns, 1)).code == errc::ok);
  meta_state r;
  decode_meta_state(encode_meta_state(s), r);
  CHECK(r.next_migration() == 3);
  CHECK(r.moved() == s.moved());
  CHECK(r.migrations().size() == 1);
  CHECK_FALSE(r.migrations().at(2).settled);
  CHECK(encode_meta_state(r) == encode_meta_state(s));
  // A version-4 snapshot: the next id follows its highest record.
  msgpack::sbuffer buf;
  mp::packer pk{buf};
  pk.pack_array(6);
  pk.pack(4);
  pk.pack_array(0);
  pk.pack_array(0);
  pk.pack(uint64_t{1});
  pk.pack_array(1);
  pk.pack_array(12);
  for (uint64_t x : {7, 5, 0, 63, 0, 1, 1, 1})
    pk.pack(x);
  mp::pack_bytes(pk, "n");
  pk.pack(uint64_t{0});
  pk.pack(int64_t{1});
  pk.pack(int64_t{2});
  pk.pack_array(0);
  decode_meta_state(std::string(buf.data(), buf.size()), r);
  CHECK(r.next_migration() == 8);
  CHECK(r.moved().empty());
  CHECK_FALSE(r.migrations().at(7).settled);
}
