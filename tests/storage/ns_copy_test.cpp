// Copying a part while its source keeps serving it: chunks, the writes
// recorded meanwhile, the freeze and its delta, and the copy's end when its
// source restarts or its driver goes quiet.
#include <doctest/doctest.h>

#include <functional>
#include <map>
#include <random>
#include <set>

#include "model/namespace/name.hpp"
#include "model/namespace/ns_shard.hpp"
#include "tests/storage/part_fixture.hpp"

using namespace ds;
using namespace ds::test;

namespace {

/// Moves part `r` of `dir` from `a` to `b` as the router's driver does,
/// in chunks of `chunk` entries, calling `between` after each chunk. Stops
/// at the first step that fails and returns its code; ok once patched.
errc copy_move(node& a, node& b, hash_range r, uint64_t mig, size_t chunk,
               const std::function<void(int)>& between = {}) {
  bool first = true;
  uint64_t h = 0;
  std::string last;
  for (int k = 0;; ++k) {
    std::vector<entry> out;
    std::vector<request_record> recs;
    bool eof = false;
    auto e = a.core.copy_part(dir, r, mig, first, h, last, chunk, a.now, out,
                              eof, &recs);
    if (e != errc::ok)
      return e;
    a.sync();
    if (!out.empty()) {
      h = out.back().hash;
      last = out.back().name;
    }
    if (first || !out.empty()) {
      e = b.core.import(dir, r, mig, out, recs);
      if (e != errc::ok)
        return e;
      b.sync();
    }
    first = false;
    if (between)
      between(k);
    if (eof)
      break;
  }
  auto e = a.core.freeze(dir, r, mig, a.now);
  if (e != errc::ok)
    return e;
  a.sync();
  std::vector<uint64_t> hashes;
  std::vector<entry> delta;
  std::vector<request_record> recs;
  a.core.copy_delta(dir, r, mig, hashes, delta, &recs);
  e = b.core.patch(dir, r, mig, hashes, delta, recs);
  b.sync();
  return e;
}

/// A request on `dir` carrying request id `rid`.
ns_request with_id(ns_op op, const std::string& n, uint64_t rid) {
  auto r = make_request(op, dir, n);
  r.rid = rid;
  return r;
}

/// Names of `dir` in `r` that `n` serves, sorted as a set.
std::set<std::string> names_in(node& n, hash_range r) {
  auto l = listing(n, r);
  return {l.begin(), l.end()};
}

} // namespace

TEST_CASE("a part is copied while its source goes on taking writes") {
  node a{0}, b{1};
  std::set<std::string> want;
  for (int i = 0; i < 2000; ++i) {
    auto n = "f" + std::to_string(i);
    REQUIRE(code(a, ns_op::create, n) == errc::ok);
    if (upper.contains(name_hash(n)))
      want.insert(n);
  }
  int k = 5000;
  size_t writes = 0;
  auto between = [&](int chunk) {
    // Creates anywhere in the part (before and after the copy's cursor),
    // unlinks of names copied and not yet copied: all served.
    for (int i = 0; i < 3; ++i) {
      auto n = name_in(upper, k);
      REQUIRE(code(a, ns_op::create, n) == errc::ok);
      want.insert(n);
      ++writes;
    }
    auto gone = *std::next(want.begin(), (chunk * 37) % want.size());
    REQUIRE(code(a, ns_op::unlink, gone) == errc::ok);
    want.erase(gone);
    ++writes;
    CHECK(code(a, ns_op::create, name_in(lower, k)) == errc::ok);
    if (chunk == 3)
      b.restart(); // the destination keeps what it stored
  };
  REQUIRE(copy_move(a, b, upper, 9, 100, between) == errc::ok);
  std::vector<uint64_t> hashes;
  std::vector<entry> delta;
  a.core.copy_delta(dir, upper, 9, hashes, delta);
  CHECK(hashes.size() <= writes); // the delta is the writes, not the part
  CHECK(hashes.size() > 0);
  // Frozen: writes to the part wait for the move's end; reads go on.
  CHECK(code(a, ns_op::create, name_in(upper, k)) == errc::ewrongshard);
  CHECK(code(a, ns_op::lookup, *want.begin()) == errc::ok);
  REQUIRE(a.core.release(dir, upper, 9, 1, 4) == errc::ok);
  a.sync();
  REQUIRE(b.core.activate(dir, upper, 9, 4) == errc::ok);
  b.sync();
  CHECK(names_in(b, upper) == want);
  CHECK(a.core.copies() == 0);
  CHECK(b.core.check() == "");
  b.restart();
  CHECK(names_in(b, upper) == want);
}

TEST_CASE("request records move with their part") {
  node a{0}, b{1};
  int k = 0;
  auto in = name_in(upper, k), gone = name_in(upper, k),
       out = name_in(lower, k);
  auto made = a.run(with_id(ns_op::create, in, 1));
  REQUIRE(made.code == errc::ok);
  REQUIRE(a.run(with_id(ns_op::unlink, gone, 2)).code == errc::enoent);
  REQUIRE(a.run(with_id(ns_op::create, out, 3)).code == errc::ok);
  auto recs = a.core.part_requests(dir, upper);
  REQUIRE(recs.size() == 2); // not the lower half's
  REQUIRE(copy_move(a, b, upper, 9, 100) == errc::ok);
  REQUIRE(a.core.release(dir, upper, 9, 1, 4) == errc::ok);
  a.sync();
  REQUIRE(b.core.activate(dir, upper, 9, 4) == errc::ok);
  b.sync();
  b.restart(); // the records are durable at the destination
  // The writes sent again after the move: answered as they were, not
  // EEXIST, and the late unlink does not remove a name created since.
  auto again = b.run(with_id(ns_op::create, in, 1));
  CHECK(again.code == errc::ok);
  CHECK(again.a == made.a);
  REQUIRE(b.run(with_id(ns_op::create, gone, 4)).code == errc::ok);
  CHECK(b.run(with_id(ns_op::unlink, gone, 2)).code == errc::enoent);
  CHECK(b.run(make_request(ns_op::lookup, dir, gone)).code == errc::ok);
  CHECK(b.core.stats().replayed == 2);
  // A patch with a record of another part is refused, and changes nothing.
  node c{2};
  auto bad = recs;
  bad[0].hash = name_hash(out);
  CHECK(c.core.patch(dir, upper, 9, {}, {}, bad) == errc::enoent); // no part
  REQUIRE(c.core.import(dir, upper, 9, {}) == errc::ok);
  CHECK(c.core.patch(dir, upper, 9, {}, {}, bad) == errc::einval);
  CHECK(c.core.requests() == 0);
  CHECK(c.core.patch(dir, upper, 9, {}, {}, recs) == errc::ok);
  CHECK(c.core.requests() == 2);
  CHECK(c.core.patch(dir, upper, 9, {}, {}, recs) == errc::ok); // again
  CHECK(c.core.requests() == 2);
}

TEST_CASE("a copy's chunks carry the part's records among their hashes, "
          "its delta only the records kept since") {
  node a{0}, b{1};
  int k = 0;
  uint64_t rid = 0;
  struct made {
    std::string name;
    uint64_t rid;
    ns_reply reply;
  };
  std::vector<made> writes;
  auto create = [&](const std::string& n) {
    ++rid;
    writes.push_back(made{n, rid, a.run(with_id(ns_op::create, n, rid))});
    REQUIRE(writes.back().reply.code == errc::ok);
  };
  for (int i = 0; i < 40; ++i)
    create(name_in(upper, k));
  // An unlink of a name never made: a record with no entry to copy.
  REQUIRE(a.run(with_id(ns_op::unlink, name_in(upper, k), 1000)).code ==
          errc::enoent);
  REQUIRE(a.run(with_id(ns_op::create, name_in(lower, k), 1001)).code ==
          errc::ok);
  // Chunks of 10: each carries the records among its hashes, after the
  // cursor up to its last hash, the last one to the range's end.
  std::set<uint64_t> sent;
  bool first = true, eof = false;
  uint64_t h = 0;
  std::string last;
  int chunks = 0;
  while (!eof) {
    std::vector<entry> out;
    std::vector<request_record> recs;
    REQUIRE(a.core.copy_part(dir, upper, 6, first, h, last, 10, a.now, out, eof,
                             &recs) == errc::ok);
    ++chunks;
    for (auto& x : recs) {
      CHECK(sent.insert(x.rid).second); // each record once
      if (!first)
        CHECK(x.hash > h);
      if (!eof)
        CHECK(x.hash <= out.back().hash);
    }
    if (chunks == 2) {
      // A chunk asked for again gets the same records.
      std::vector<entry> again;
      std::vector<request_record> recs_again;
      bool eof_again = false;
      REQUIRE(a.core.copy_part(dir, upper, 6, false, h, last, 10, a.now, again,
                               eof_again, &recs_again) == errc::ok);
      CHECK(recs_again.size() == recs.size());
      // Writes during the copy; their records come with the delta alone.
      for (int i = 0; i < 3; ++i)
        create(name_in(upper, k));
      a.sync();
    }
    REQUIRE(b.core.import(dir, upper, 6, out, recs) == errc::ok);
    first = false;
    if (!out.empty()) {
      h = out.back().hash;
      last = out.back().name;
    }
  }
  CHECK(chunks >= 4);
  CHECK(sent.size() == 41); // the 40 creates and the unlink, not the lower's
  REQUIRE(a.core.freeze(dir, upper, 6, a.now) == errc::ok);
  a.sync();
  std::vector<uint64_t> hashes;
  std::vector<entry> delta;
  std::vector<request_record> delta_recs;
  a.core.copy_delta(dir, upper, 6, hashes, delta, &delta_recs);
  REQUIRE(delta_recs.size() == 3);
  for (auto& x : delta_recs)
    CHECK(sent.count(x.rid) == 0);
  REQUIRE(b.core.patch(dir, upper, 6, hashes, delta, delta_recs) == errc::ok);
  REQUIRE(a.core.release(dir, upper, 6, 1, 4) == errc::ok);
  a.sync();
  REQUIRE(b.core.activate(dir, upper, 6, 4) == errc::ok);
  b.sync();
  b.restart();
  // Every write sent again is answered as it was, early or late.
  for (auto& w : writes) {
    auto r = b.run(with_id(ns_op::create, w.name, w.rid));
    CHECK(r.code == errc::ok);
    CHECK(r.a == w.reply.a);
  }
  CHECK(b.core.stats().replayed == 43);
  // An import with a record of another part is refused, and keeps nothing.
  node c{2};
  auto bad = delta_recs;
  bad[0].hash = name_hash(name_in(lower, k));
  CHECK(c.core.import(dir, upper, 7, {}, bad) == errc::einval);
  CHECK(c.core.requests() == 0);
  CHECK(c.core.unresolved().empty());
}

TEST_CASE("a copy ends when its source restarts, and the move aborts") {
  node a{0}, b{1};
  for (int i = 0; i < 500; ++i)
    REQUIRE(code(a, ns_op::create, "f" + std::to_string(i)) == errc::ok);
  auto between = [&](int chunk) {
    if (chunk == 1)
      a.restart();
  };
  CHECK(copy_move(a, b, upper, 3, 50, between) == errc::enoent);
  CHECK(a.core.freeze(dir, upper, 3, a.now) == errc::enoent);
  // The abort: the source has nothing to thaw, the destination drops its
  // partial copy, and the part serves writes at its source as before.
  CHECK(a.core.thaw(dir, upper, 3) == errc::enoent);
  REQUIRE(b.core.discard(dir, upper, 3) == errc::ok);
  b.sync();
  int k = 1000;
  CHECK(code(a, ns_op::create, name_in(upper, k)) == errc::ok);
  CHECK(b.core.entries_in(dir, upper) == 0);
}

TEST_CASE("a copy starts again after its source restarts, frozen or not") {
  // What the driver does when the source's copy is gone (a restart, or a
  // new leader of its group): discard the destination's copy, copy again.
  node a{0}, b{1};
  std::set<std::string> want;
  for (int i = 0; i < 500; ++i) {
    auto n = "f" + std::to_string(i);
    REQUIRE(code(a, ns_op::create, n) == errc::ok);
    if (upper.contains(name_hash(n)))
      want.insert(n);
  }
  // Restarted while copying: a name copied already is unlinked after the
  // restart, which no copy records; the discard drops it at the destination.
  auto gone = *want.begin();
  auto between = [&](int chunk) {
    if (chunk != 1)
      return;
    a.restart();
    REQUIRE(code(a, ns_op::unlink, gone) == errc::ok);
    want.erase(gone);
  };
  REQUIRE(copy_move(a, b, upper, 3, 50, between) == errc::enoent);
  CHECK(b.core.entries_in(dir, upper) > 0);
  REQUIRE(b.core.discard(dir, upper, 3) == errc::ok);
  b.sync();
  CHECK(b.core.discard(dir, upper, 3) == errc::enoent); // repeated: nothing
  CHECK(b.core.entries_in(dir, upper) == 0);
  REQUIRE(copy_move(a, b, upper, 3, 50) == errc::ok);
  CHECK(b.core.entries_in(dir, upper) == want.size()); // pending, not served
  // Restarted after its freeze was durable: the part stays frozen, the copy
  // starts again from the first chunk, and the freeze is answered as
  // repeated, with an empty delta (no write reached the part meanwhile).
  a.restart();
  CHECK(a.core.copies() == 0);
  CHECK(a.core.freeze(dir, upper, 3, a.now) == errc::enoent);
  int k = 2000;
  CHECK(code(a, ns_op::create, name_in(upper, k)) == errc::ewrongshard);
  REQUIRE(b.core.discard(dir, upper, 3) == errc::ok);
  b.sync();
  REQUIRE(copy_move(a, b, upper, 3, 50) == errc::ok);
  std::vector<uint64_t> hashes;
  std::vector<entry> delta;
  a.core.copy_delta(dir, upper, 3, hashes, delta);
  CHECK(hashes.empty());
  // Another migration still cannot copy the frozen part.
  std::vector<entry> out;
  bool eof = false;
  CHECK(a.core.copy_part(dir, upper, 4, true, 0, "", 10, a.now, out, eof) ==
        errc::ebusy);
  REQUIRE(a.core.release(dir, upper, 3, 1, 4) == errc::ok);
  a.sync();
  REQUIRE(b.core.activate(dir, upper, 3, 4) == errc::ok);
  b.sync();
  CHECK(names_in(b, upper) == want);
  CHECK(b.core.check() == "");
}

TEST_CASE(
    "a copy whose driver goes quiet lapses, and a live one blocks others") {
  node a{0}, b{1};
  for (int i = 0; i < 300; ++i)
    REQUIRE(code(a, ns_op::create, "f" + std::to_string(i)) == errc::ok);
  std::vector<entry> out;
  bool eof = false;
  REQUIRE(a.core.copy_part(dir, upper, 4, true, 0, "", 10, a.now, out, eof) ==
          errc::ok);
  CHECK(out.size() == 10);
  CHECK_FALSE(eof);
  auto last = out.back();
  // Another move of an overlapping part waits for this one.
  CHECK(a.core.begin_export(dir, upper, 5) == errc::ebusy);
  CHECK(a.core.copy_part(dir, upper, 5, true, 0, "", 10, a.now, out, eof) ==
        errc::ebusy);
  // No chunk within the lease: the copy ends with the next request.
  a.now += ns_shard_config{}.copy_lease_ns + 1;
  code(a, ns_op::lookup, "f1");
  CHECK(a.core.copies() == 0);
  CHECK(a.core.copy_part(dir, upper, 4, false, last.hash, last.name, 10, a.now,
                         out, eof) == errc::enoent);
  CHECK(a.core.begin_export(dir, upper, 5) == errc::ok);
}

TEST_CASE("a frozen copy answers its delta again, and a thaw ends a copy") {
  node a{0}, b{1};
  for (int i = 0; i < 100; ++i)
    REQUIRE(code(a, ns_op::create, "f" + std::to_string(i)) == errc::ok);
  int k = 1000;
  auto touch = [&](int) {
    REQUIRE(code(a, ns_op::create, name_in(upper, k)) == errc::ok);
  };
  REQUIRE(copy_move(a, b, upper, 6, 1000, touch) == errc::ok);
  // Frozen copies do not lapse: a repeated freeze answers the same delta.
  a.now += ns_shard_config{}.copy_lease_ns * 2;
  code(a, ns_op::lookup, "f1");
  CHECK(a.core.freeze(dir, upper, 6, a.now) == errc::ok);
  std::vector<uint64_t> hashes;
  std::vector<entry> delta;
  a.core.copy_delta(dir, upper, 6, hashes, delta);
  CHECK(hashes.size() == 1);
  CHECK(delta.size() == 1);
  // Aborted after all: the source serves writes again and records none.
  REQUIRE(a.core.thaw(dir, upper, 6) == errc::ok);
  CHECK(a.core.copies() == 0);
  CHECK(code(a, ns_op::create, name_in(upper, k)) == errc::ok);
  // A copy not yet frozen ends with a thaw too.
  std::vector<entry> out;
  bool eof = false;
  REQUIRE(a.core.copy_part(dir, upper, 7, true, 0, "", 5, a.now, out, eof) ==
          errc::ok);
  CHECK(a.core.thaw(dir, upper, 7) == errc::ok);
  CHECK(a.core.copies() == 0);
  // A first chunk of an aborted move that arrives after its thaw (sent
  // before the abort) starts no copy, so it blocks no later move.
  CHECK(a.core.thaw(dir, upper, 8) == errc::enoent); // aborted before any copy
  CHECK(a.core.copy_part(dir, upper, 8, true, 0, "", 5, a.now, out, eof) ==
        errc::enoent);
  CHECK(a.core.copies() == 0);
  REQUIRE(a.core.copy_part(dir, upper, 9, true, 0, "", 5, a.now, out, eof) ==
          errc::ok);
  CHECK(a.core.copies() == 1);
}

TEST_CASE("bad copy steps change nothing") {
  node a{0}, b{1};
  for (int i = 0; i < 50; ++i)
    REQUIRE(code(a, ns_op::create, "f" + std::to_string(i)) == errc::ok);
  std::vector<entry> out;
  bool eof = false;
  CHECK(a.core.copy_part(dir, upper, 1, true, 0, "", 0, a.now, out, eof) ==
        errc::einval); // an empty chunk
  CHECK(a.core.copy_part(dir, {1, 2}, 1, true, 0, "", 5, a.now, out, eof) ==
        errc::einval); // not a node's range
  CHECK(a.core.copy_part(dir, upper, 0, true, 0, "", 5, a.now, out, eof) ==
        errc::einval); // no migration
  CHECK(a.core.copy_part(dir, upper, 1, false, 5, "f1", 5, a.now, out, eof) ==
        errc::einval); // a cursor outside the part
  CHECK(a.core.copy_part(dir, upper, 1, false, upper.lo, "f1", 5, a.now, out,
                         eof) == errc::enoent); // no copy started
  CHECK(a.core.copies() == 0);
  REQUIRE(a.core.copy_part(dir, upper, 1, true, 0, "", 5, a.now, out, eof) ==
          errc::ok);
  CHECK(a.core.copy_part(dir, lower, 1, false, lower.lo, "f1", 5, a.now, out,
                         eof) == errc::einval); // another range
  // A patch for a part that is not pending here, or with entries outside
  // its hashes, is refused.
  CHECK(b.core.patch(dir, upper, 1, {upper.lo}, {}) == errc::enoent);
  REQUIRE(b.core.import(dir, upper, 1, {}) == errc::ok);
  entry stray;
  stray.name = "f1";
  stray.hash = name_hash("f1");
  CHECK(b.core.patch(dir, upper, 1, {upper.lo}, {stray}) == errc::einval);
  CHECK(b.core.patch(dir, upper, 1, {lower.lo}, {}) == errc::einval);
  CHECK(b.core.entries_in(dir, upper) == 0);
}

TEST_CASE("random writes during chunked copies: the destination ends equal "
          "to the source (seeded)") {
  for (uint32_t seed = 1; seed <= 150; ++seed) {
    CAPTURE(seed); // replay: run this case with the seed fixed
    std::mt19937_64 rng{seed};
    node a{0}, b{1};
    std::set<std::string> want;
    int names = static_cast<int>(rng() % 400);
    int k = 0;
    for (int i = 0; i < names; ++i) {
      auto n = "n" + std::to_string(k++);
      REQUIRE(code(a, ns_op::create, n) == errc::ok);
      if (upper.contains(name_hash(n)))
        want.insert(n);
    }
    auto between = [&](int) {
      auto writes = rng() % 6;
      for (uint64_t w = 0; w < writes; ++w) {
        if (rng() % 2 == 0 || want.empty()) {
          auto n = name_in(upper, k);
          REQUIRE(code(a, ns_op::create, n) == errc::ok);
          want.insert(n);
        } else {
          auto n = *std::next(want.begin(), rng() % want.size());
          REQUIRE(code(a, ns_op::unlink, n) == errc::ok);
          want.erase(n);
        }
      }
      if (rng() % 10 == 0)
        b.restart();
    };
    REQUIRE(copy_move(a, b, upper, seed, 1 + rng() % 40, between) == errc::ok);
    REQUIRE(a.core.release(dir, upper, seed, 1, 2) == errc::ok);
    a.sync();
    REQUIRE(b.core.activate(dir, upper, seed, 2) == errc::ok);
    b.sync();
    REQUIRE(names_in(b, upper) == want);
    REQUIRE(b.core.check() == "");
  }
}

TEST_CASE("a release leaves its entries to be dropped later, a chunk at a "
          "time, also after a restart, and never serves them") {
  node a{0}, b{1};
  for (int i = 0; i < 3000; ++i)
    REQUIRE(code(a, ns_op::create, "f" + std::to_string(i)) == errc::ok);
  auto held = a.core.entries_in(dir, upper);
  REQUIRE(copy_move(a, b, upper, 2, 500) == errc::ok);
  REQUIRE(a.core.release(dir, upper, 2, 1, 3) == errc::ok);
  a.sync();
  CHECK(a.core.has_garbage());
  CHECK(a.core.entries_in(dir, upper) == held); // still stored
  CHECK(a.core.stats().moved_out == held);
  // Not served: the part lives on shard 1 now.
  auto moved = b.core.part_entries(dir, upper);
  REQUIRE(!moved.empty());
  CHECK(code(a, ns_op::lookup, moved[0].name) == errc::ewrongshard);
  // A restart before any was dropped finds them again.
  a.restart();
  CHECK(a.core.has_garbage());
  size_t rounds = 0;
  while (a.core.has_garbage()) {
    CHECK(a.core.collect_garbage(400) <= 400);
    a.sync();
    ++rounds;
  }
  CHECK(rounds >= held / 400);
  CHECK(a.core.entries_in(dir, upper) == 0);
  CHECK(a.core.entries_in(dir, lower) == 3000 - held);
  CHECK(a.core.check() == "");
  // Garbage left at a guest (the part went on from it) is found at a
  // restart too, and a part coming back purges what is left of it first.
  REQUIRE(b.core.activate(dir, upper, 2, 3) == errc::ok);
  b.sync();
  REQUIRE(copy_move(b, a, upper, 8, 1000) == errc::ok);
  REQUIRE(b.core.release(dir, upper, 8, 0, 5) == errc::ok);
  b.sync();
  b.restart();
  CHECK(b.core.has_garbage());
  REQUIRE(a.core.activate(dir, upper, 8, 5) == errc::ok);
  a.sync();
  REQUIRE(copy_move(a, b, upper, 9, 1000) == errc::ok); // b purges first
  CHECK(b.core.entries_in(dir, upper) == held);
  CHECK(b.core.check() == "");
}
