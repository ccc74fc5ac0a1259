// Parts of directories moving between shards: the shard's side of a
// migration, checked step by step and against a reference under random
// moves.
#include <doctest/doctest.h>

#include <map>
#include <random>

#include "model/namespace/name.hpp"
#include "model/namespace/ns_shard.hpp"
#include "storage/shard_store.hpp"
#include "tests/storage/part_fixture.hpp"

using namespace ds;
using namespace ds::test;

TEST_CASE("a part moves from its home to another shard") {
  node a{0}, b{1};
  std::map<std::string, attrs> made;
  for (int i = 0; i < 600; ++i) {
    auto n = "f" + std::to_string(i);
    auto rep = a.run(make_request(ns_op::create, dir, n));
    REQUIRE(rep.code == errc::ok);
    made[n] = rep.a;
  }
  int k = 1000;
  REQUIRE(a.core.begin_export(dir, upper, 5) == errc::ok);
  a.sync();
  // Writes to the part wait for the move; reads and the other half go on.
  CHECK(code(a, ns_op::create, name_in(upper, k)) == errc::ewrongshard);
  CHECK(code(a, ns_op::create, name_in(lower, k)) == errc::ok);
  auto moving = a.core.part_entries(dir, upper);
  size_t expect = 0;
  for (auto& [n, at] : made) {
    expect += upper.contains(name_hash(n));
    if (upper.contains(name_hash(n)))
      CHECK(a.run(make_request(ns_op::lookup, dir, n)).a == at);
  }
  CHECK(moving.size() == expect);
  CHECK(expect > 200);
  REQUIRE(b.core.import(dir, upper, 5, moving) == errc::ok);
  CHECK(b.core.import(dir, upper, 5, moving) == errc::ok); // repeated
  b.sync();
  // Pending: the destination serves nothing of it yet.
  CHECK(code(b, ns_op::lookup, moving[0].name) == errc::ewrongshard);
  REQUIRE(a.core.release(dir, upper, 5, 1, 3) == errc::ok);
  a.sync();
  auto wrong = a.run(make_request(ns_op::lookup, dir, moving[0].name));
  CHECK(wrong.code == errc::ewrongshard);
  CHECK(wrong.epoch == 3); // the epoch of the move
  part_redirect went;      // and where the part went
  REQUIRE(part_redirect::decode(wrong.cookie, went));
  CHECK(went.range == upper);
  CHECK(went.shard == 1);
  CHECK(went.epoch == 3);
  REQUIRE(b.core.activate(dir, upper, 5, 3) == errc::ok);
  b.sync();
  for (auto& [n, at] : made) {
    auto& owner = upper.contains(name_hash(n)) ? b : a;
    auto& other = upper.contains(name_hash(n)) ? a : b;
    CHECK(owner.run(make_request(ns_op::lookup, dir, n)).a == at);
    CHECK(code(other, ns_op::lookup, n) == errc::ewrongshard);
  }
  CHECK(code(b, ns_op::create, name_in(upper, k)) == errc::ok);
  CHECK(code(b, ns_op::create, name_in(lower, k)) == errc::ewrongshard);
  // A listing of the whole directory from one shard is refused; by parts
  // it is complete.
  auto all = make_request(ns_op::readdir, dir);
  CHECK(a.run(all).code == errc::ewrongshard);
  auto la = listing(a, lower);
  auto lb = listing(b, upper);
  CHECK(la.size() + lb.size() == made.size() + 2);
  CHECK(a.core.check() == "");
  CHECK(b.core.check() == "");
  CHECK(a.core.stats().parts_out == 1);
  CHECK(b.core.stats().parts_in == 1);
  CHECK(a.run(make_request(ns_op::rmdir_prepare, dir)).code == errc::enotempty);
  // Everything survives a restart of both.
  a.restart();
  b.restart();
  CHECK(listing(a, lower) == la);
  CHECK(listing(b, upper) == lb);
  CHECK(code(a, ns_op::lookup, moving[0].name) == errc::ewrongshard);
  CHECK(code(b, ns_op::lookup, moving[0].name) == errc::ok);
}

TEST_CASE("an aborted move leaves both shards as they were") {
  node a{0}, b{1};
  for (int i = 0; i < 100; ++i)
    a.run(make_request(ns_op::create, dir, "f" + std::to_string(i)));
  REQUIRE(a.core.begin_export(dir, upper, 9) == errc::ok);
  a.sync();
  REQUIRE(b.core.import(dir, upper, 9, a.core.part_entries(dir, upper)) ==
          errc::ok);
  b.sync();
  b.restart(); // a pending part survives a restart and is reported
  a.restart(); // so is an exporting one
  REQUIRE(b.core.unresolved().size() == 1);
  CHECK(b.core.unresolved()[0].part.migration == 9);
  REQUIRE(a.core.unresolved().size() == 1);
  CHECK(b.core.discard(dir, upper, 9) == errc::ok);
  CHECK(a.core.thaw(dir, upper, 9) == errc::ok);
  a.sync();
  b.sync();
  CHECK(a.core.parts(dir) == nullptr);
  CHECK(b.core.stats().entries == 0);
  CHECK(a.core.stats().entries == 100);
  int k = 1000;
  CHECK(code(a, ns_op::create, name_in(upper, k)) == errc::ok);
  CHECK(code(b, ns_op::lookup, "f1") == errc::ewrongshard);
  CHECK(a.run(make_request(ns_op::readdir, dir)).entries.size() == 101);
  a.restart();
  CHECK(a.core.parts(dir) == nullptr); // the record is gone from storage
}

TEST_CASE("a part moves back to its home") {
  node a{0}, b{1};
  for (int i = 0; i < 50; ++i)
    a.run(make_request(ns_op::create, dir, "f" + std::to_string(i)));
  REQUIRE(a.core.begin_export(dir, upper, 1) == errc::ok);
  REQUIRE(b.core.import(dir, upper, 1, a.core.part_entries(dir, upper)) ==
          errc::ok);
  REQUIRE(a.core.release(dir, upper, 1, 1, 1) == errc::ok);
  REQUIRE(b.core.activate(dir, upper, 1, 1) == errc::ok);
  // Back: the guest exports its whole part, the home takes it in.
  CHECK(b.core.begin_export(dir, hash_range{upper.lo, upper.hi - 1}, 2) ==
        errc::einval);
  REQUIRE(b.core.begin_export(dir, upper, 2) == errc::ok);
  REQUIRE(a.core.import(dir, upper, 2, b.core.part_entries(dir, upper)) ==
          errc::ok);
  REQUIRE(b.core.release(dir, upper, 2, 0, 2) == errc::ok);
  REQUIRE(a.core.activate(dir, upper, 2, 2) == errc::ok);
  a.sync();
  b.sync();
  b.collect();
  CHECK(a.core.parts(dir) == nullptr);
  CHECK(a.core.stats().entries == 50);
  CHECK(b.core.stats().entries == 0);
  CHECK(a.run(make_request(ns_op::readdir, dir)).entries.size() == 50);
  CHECK(code(b, ns_op::lookup, "f1") == errc::ewrongshard);
  a.restart();
  CHECK(a.core.parts(dir) == nullptr);
  CHECK(a.core.check() == "");
}

TEST_CASE("a directory spread over shards is not removed") {
  node a{0}, b{1};
  int k = 0;
  a.run(make_request(ns_op::create, dir, name_in(upper, k)));
  REQUIRE(a.core.begin_export(dir, upper, 1) == errc::ok);
  REQUIRE(b.core.import(dir, upper, 1, a.core.part_entries(dir, upper)) ==
          errc::ok);
  REQUIRE(a.core.release(dir, upper, 1, 1, 1) == errc::ok);
  REQUIRE(b.core.activate(dir, upper, 1, 1) == errc::ok);
  a.collect();
  CHECK(a.core.stats().entries == 0);
  // Empty here, but not everywhere: refused rather than half removed.
  CHECK(a.run(make_request(ns_op::rmdir_prepare, dir)).code == errc::ebusy);
}

TEST_CASE("bad migration steps are refused and change nothing") {
  node a{0}, b{1};
  for (int i = 0; i < 20; ++i)
    a.run(make_request(ns_op::create, dir, "f" + std::to_string(i)));
  CHECK(a.core.begin_export(dir, hash_range{1, 10}, 1) == errc::einval);
  CHECK(a.core.begin_export(dir, upper, 0) == errc::einval);
  CHECK(a.core.release(dir, upper, 1, 1, 1) == errc::enoent);
  CHECK(a.core.thaw(dir, upper, 1) == errc::enoent);
  CHECK(a.core.activate(dir, upper, 1, 1) == errc::enoent);
  CHECK(a.core.discard(dir, upper, 1) == errc::enoent);
  CHECK_FALSE(a.core.dirty());
  // A shard cannot take in a part of a directory it holds whole.
  auto some = a.core.part_entries(dir, upper);
  CHECK(a.core.import(dir, upper, 3, some) == errc::einval);
  entry bad = some.at(0);
  bad.hash ^= 1;
  CHECK(b.core.import(dir, upper, 3, {bad}) == errc::einval);
  entry outside = a.core.part_entries(dir, lower).at(0);
  CHECK(b.core.import(dir, upper, 3, {outside}) == errc::einval);
  CHECK(b.core.parts(dir) == nullptr);
  REQUIRE(a.core.begin_export(dir, upper, 4) == errc::ok);
  CHECK(a.core.begin_export(dir, lower, 5) == errc::ebusy); // one at a time
  CHECK(a.core.begin_export(dir, upper, 4) == errc::ok);    // repeated
  CHECK(a.core.release(dir, upper, 6, 1, 1) == errc::enoent);
}

// Random moves of random parts among three shards, with creates, unlinks
// and lookups between them, routed the way a router with an exact
// placement map would; every answer is checked against a reference.
TEST_CASE("random moves never lose or duplicate an entry") {
  for (unsigned seed = 1; seed <= 20; ++seed) {
    CAPTURE(seed);
    std::mt19937_64 rng{seed};
    std::vector<std::unique_ptr<node>> shards;
    for (uint32_t i = 0; i < 3; ++i)
      shards.push_back(std::make_unique<node>(i));
    std::map<hash_range, uint32_t,
             bool (*)(const hash_range&, const hash_range&)>
        placed{[](const hash_range& x, const hash_range& y) {
          return x.lo < y.lo;
        }};
    auto owner = [&](uint64_t h) -> uint32_t {
      for (auto& [r, s] : placed)
        if (r.contains(h))
          return s;
      return 0; // the home
    };
    std::map<std::string, inode_id> ref;
    uint64_t epoch = 0, migration = 0;
    for (int step = 0; step < 400; ++step) {
      auto name = "n" + std::to_string(rng() % 300);
      auto h = name_hash(name);
      auto& s = *shards[owner(h)];
      switch (rng() % 5) {
      case 0:
      case 1: {
        auto rep = s.run(make_request(ns_op::create, dir, name));
        REQUIRE(rep.code == (ref.count(name) ? errc::eexist : errc::ok));
        if (rep.code == errc::ok)
          ref[name] = rep.a.ino;
        break;
      }
      case 2: {
        auto rep = s.run(make_request(ns_op::unlink, dir, name));
        REQUIRE(rep.code == (ref.erase(name) ? errc::ok : errc::enoent));
        break;
      }
      case 3: {
        auto rep = s.run(make_request(ns_op::lookup, dir, name));
        REQUIRE(rep.code == (ref.count(name) ? errc::ok : errc::enoent));
        if (ref.count(name))
          REQUIRE(rep.a.ino == ref[name]);
        break;
      }
      default: { // move the part around a random hash
        unsigned bits = 1 + rng() % 3;
        uint64_t span = ~uint64_t{0} >> bits;
        hash_range r{h & ~span, (h & ~span) | span};
        bool clash = false;
        for (auto& [q, where] : placed)
          clash = clash || (q.overlaps(r.lo, r.hi) && !(q == r));
        if (clash)
          break;
        auto from = owner(h);
        auto to = static_cast<uint32_t>((from + 1 + rng() % 2) % 3);
        auto& src = *shards[from];
        auto& dst = *shards[to];
        ++migration;
        REQUIRE(src.core.begin_export(dir, r, migration) == errc::ok);
        src.sync();
        REQUIRE(dst.core.import(dir, r, migration,
                                src.core.part_entries(dir, r)) == errc::ok);
        dst.sync();
        if (rng() % 4 == 0) { // aborted
          REQUIRE(dst.core.discard(dir, r, migration) == errc::ok);
          REQUIRE(src.core.thaw(dir, r, migration) == errc::ok);
        } else {
          ++epoch;
          REQUIRE(src.core.release(dir, r, migration, to, epoch) == errc::ok);
          REQUIRE(dst.core.activate(dir, r, migration, epoch) == errc::ok);
          if (to == 0)
            placed.erase(r);
          else
            placed[r] = to;
        }
        src.sync();
        dst.sync();
        if (rng() % 3 == 0)
          for (auto& n : shards)
            n->restart();
        break;
      }
      }
    }
    // The parts' listings together are the reference, each name once.
    std::map<std::string, inode_id> seen;
    uint64_t pos = 0;
    for (;;) {
      auto s = owner(pos);
      uint64_t end = ~uint64_t{0};
      for (auto& [r, where] : placed) {
        if (r.contains(pos))
          end = r.hi;
        else if (r.lo > pos)
          end = std::min(end, r.lo - 1);
      }
      for (auto& n : listing(*shards[s], hash_range{pos, end}))
        REQUIRE(seen.emplace(n, 0).second);
      if (end == ~uint64_t{0})
        break;
      pos = end + 1;
    }
    REQUIRE(seen.size() == ref.size());
    for (auto& n : shards)
      REQUIRE(n->core.check() == "");
  }
}
