// The choice of a shard from a cached placement and the cut of a readdir at
// a part boundary, without a router.
#include <doctest/doctest.h>

#include "model/meta/route.hpp"
#include "model/namespace/hdag.hpp"
#include "model/namespace/name.hpp"

using namespace ds;

namespace {

constexpr uint64_t half = uint64_t{1} << 63;

/// Directory 7 whose upper half lives on shard 5.
dir_placement upper_on_5() {
  dir_placement p;
  p.dir = 7;
  p.epoch = 2;
  p.parts.push_back({hash_range{half, ~uint64_t{0}}, 5, 2});
  return p;
}

/// A name whose hash falls in the upper (or lower) half.
std::string name_in(bool upper) {
  for (int i = 0;; ++i) {
    auto n = "n" + std::to_string(i);
    if ((name_hash(n) >= half) == upper)
      return n;
  }
}

} // namespace

TEST_CASE("without a placement, or with nothing moved, a request goes home") {
  auto r = make_request(ns_op::lookup, 7, "x");
  CHECK(choose_shard(r, nullptr, 3, ~uint64_t{0}) == 3);
  dir_placement none;
  none.dir = 7;
  CHECK(choose_shard(r, &none, 3, ~uint64_t{0}) == 3);
  auto rd = make_request(ns_op::readdir, 7);
  CHECK(choose_shard(rd, &none, 3, ~uint64_t{0}) == 3);
  CHECK(rd.until == ~uint64_t{0}); // nothing to cut at
}

TEST_CASE("a name goes to the shard of the part its hash falls in") {
  auto p = upper_on_5();
  auto up = make_request(ns_op::create, 7, name_in(true));
  auto low = make_request(ns_op::create, 7, name_in(false));
  CHECK(choose_shard(up, &p, 3, ~uint64_t{0}) == 5);
  CHECK(choose_shard(low, &p, 3, ~uint64_t{0}) == 3);
  CHECK(holder_of(&p, half, 3) == 5);
  CHECK(holder_of(&p, half - 1, 3) == 3);
  CHECK(holder_of(nullptr, half, 3) == 3);
  // A malformed name goes home, whose shard refuses it.
  auto bad = make_request(ns_op::lookup, 7, "a/b");
  CHECK(choose_shard(bad, &p, 3, ~uint64_t{0}) == 3);
}

TEST_CASE("the segment between parts is the home's") {
  dir_placement p;
  p.parts.push_back({hash_range{0, 99}, 1, 1});
  p.parts.push_back({hash_range{200, 299}, 2, 1});
  auto s = segment_of(p, 150, 9);
  CHECK(s.shard == 9);
  CHECK(s.lo == 100);
  CHECK(s.hi == 199);
  s = segment_of(p, 250, 9);
  CHECK(s.shard == 2);
  CHECK(s.lo == 200);
  CHECK(s.hi == 299);
  s = segment_of(p, 300, 9);
  CHECK(s.lo == 300);
  CHECK(s.hi == ~uint64_t{0});
}

TEST_CASE("a readdir is cut at the end of the part it starts in") {
  auto p = upper_on_5();
  auto r = make_request(ns_op::readdir, 7);
  CHECK(choose_shard(r, &p, 3, ~uint64_t{0}) == 3);
  CHECK(r.until == half - 1);
  // The page ends at the cut: it goes on in the next part.
  ns_reply page;
  page.eof = true;
  continue_at_cut(r, ~uint64_t{0}, page);
  CHECK_FALSE(page.eof);
  readdir_cookie c;
  REQUIRE(readdir_cookie::decode(page.cookie, c));
  CHECK(c.next_hash() == half);
  // The next page starts there, on the part's shard, to the end.
  auto next = make_request(ns_op::readdir, 7);
  next.cookie = page.cookie;
  CHECK(choose_shard(next, &p, 3, ~uint64_t{0}) == 5);
  CHECK(next.until == ~uint64_t{0});
  ns_reply last;
  last.eof = true;
  continue_at_cut(next, ~uint64_t{0}, last);
  CHECK(last.eof);
}

TEST_CASE("the caller's own end is never passed, and ends the listing") {
  auto p = upper_on_5();
  auto r = make_request(ns_op::readdir, 7);
  r.until = 1000;
  CHECK(choose_shard(r, &p, 3, 1000) == 3);
  CHECK(r.until == 1000);
  ns_reply page;
  page.eof = true;
  continue_at_cut(r, 1000, page);
  CHECK(page.eof);
  // A page that is not at its end is left alone.
  auto q = make_request(ns_op::readdir, 7);
  choose_shard(q, &p, 3, ~uint64_t{0});
  ns_reply more;
  more.cookie = "k";
  continue_at_cut(q, ~uint64_t{0}, more);
  CHECK(more.cookie == "k");
  // A malformed cookie goes home uncut: the shard answers EINVAL.
  auto bad = make_request(ns_op::readdir, 7);
  bad.cookie = "garbage";
  CHECK(choose_shard(bad, &p, 3, ~uint64_t{0}) == 3);
  CHECK(bad.until == ~uint64_t{0});
}

TEST_CASE("a redirect's part replaces what the cache said of its range") {
  auto p = upper_on_5();
  // A later move of the upper quarter to shard 9.
  placement_entry q{hash_range{half + (half >> 1), ~uint64_t{0}}, 9, 4};
  CHECK(learn_part(p, q));
  CHECK(p.epoch == 2); // the rest of the map keeps its date
  REQUIRE(p.parts.size() == 1);
  CHECK(p.parts[0].shard == 9);
  CHECK(holder_of(&p, half + (half >> 1) + 1, 0) == 9);
  CHECK(holder_of(&p, half + 1, 0) == 0); // the home, until told more
  // An older redirect does not undo a newer entry.
  CHECK_FALSE(
      learn_part(p, placement_entry{hash_range{half, ~uint64_t{0}}, 5, 3}));
  CHECK(p.parts[0].shard == 9);
  // Entries stay sorted by hash.
  CHECK(learn_part(p, placement_entry{hash_range{0, (half >> 1) - 1}, 3, 6}));
  REQUIRE(p.parts.size() == 2);
  CHECK(p.parts[0].range.lo == 0);
}

TEST_CASE("a redirect round-trips, and anything else is not one") {
  part_redirect r{hash_range{half, ~uint64_t{0}}, 7, 12};
  part_redirect back;
  REQUIRE(part_redirect::decode(r.encode(), back));
  CHECK(back.range == r.range);
  CHECK(back.shard == 7);
  CHECK(back.epoch == 12);
  CHECK_FALSE(part_redirect::decode("", back));
  auto bad = r.encode();
  bad[0] = 'X';
  CHECK_FALSE(part_redirect::decode(bad, back));
  CHECK_FALSE(part_redirect::decode(r.encode() + "x", back));
  // A range that is not a DAG node's is refused.
  part_redirect odd{hash_range{1, 2}, 7, 12};
  CHECK_FALSE(part_redirect::decode(odd.encode(), back));
}
