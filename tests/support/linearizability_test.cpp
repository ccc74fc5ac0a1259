#include <doctest/doctest.h>

#include <algorithm>
#include <random>

#include "tests/support/linearizability.hpp"

using namespace ds::lin;

namespace {

op w(std::string k, std::string v, int64_t call, int64_t ret) {
  op o;
  o.kind = op::write;
  o.key = std::move(k);
  o.value = std::move(v);
  o.call = call;
  o.ret = ret;
  return o;
}

op r(std::string k, std::optional<std::string> v, int64_t call, int64_t ret) {
  op o;
  o.kind = op::read;
  o.key = std::move(k);
  o.result = std::move(v);
  o.call = call;
  o.ret = ret;
  return o;
}

} // namespace

TEST_CASE(
    "sequential histories are linearizable when reads see the last write") {
  CHECK(check({w("x", "1", 0, 1), r("x", "1", 2, 3), w("x", "2", 4, 5),
               r("x", "2", 6, 7)})
            .linearizable);
  CHECK_FALSE(check({w("x", "1", 0, 1), w("x", "2", 2, 3), r("x", "1", 4, 5)})
                  .linearizable);
  CHECK_FALSE(check({r("x", "1", 0, 1)}).linearizable); // read from nowhere
  CHECK(check({r("x", std::nullopt, 0, 1)}).linearizable);
}

TEST_CASE("concurrent operations may take effect in either order") {
  // The write overlaps both reads: old then new is fine...
  CHECK(check({w("x", "0", 0, 1), w("x", "1", 2, 10), r("x", "0", 3, 4),
               r("x", "1", 5, 6)})
            .linearizable);
  // ...but new then old is a stale read.
  auto v = check({w("x", "0", 0, 1), w("x", "1", 2, 10), r("x", "1", 3, 4),
                  r("x", "0", 5, 6)});
  CHECK_FALSE(v.linearizable);
  CHECK(v.key == "x");
}

TEST_CASE("an unanswered write may or may not have happened") {
  auto lost = w("x", "2", 2, 0);
  lost.answered = false;
  lost.ret = std::numeric_limits<int64_t>::max();
  CHECK(check({w("x", "1", 0, 1), lost, r("x", "1", 5, 6)}).linearizable);
  CHECK(check({w("x", "1", 0, 1), lost, r("x", "2", 5, 6)}).linearizable);
  CHECK(check({w("x", "1", 0, 1), lost, r("x", "2", 5, 6), r("x", "2", 7, 8)})
            .linearizable);
  // Once seen, it cannot be unseen.
  CHECK_FALSE(
      check({w("x", "1", 0, 1), lost, r("x", "2", 5, 6), r("x", "1", 7, 8)})
          .linearizable);
}

TEST_CASE("compare-and-set answers must match the state") {
  op c;
  c.kind = op::cas;
  c.key = "k";
  c.expected = "a";
  c.value = "b";
  c.ok = true;
  c.call = 2;
  c.ret = 3;
  CHECK(check({w("k", "a", 0, 1), c, r("k", "b", 4, 5)}).linearizable);
  c.ok = false;
  CHECK_FALSE(check({w("k", "a", 0, 1), c}).linearizable);
}

TEST_CASE("keys are checked independently") {
  CHECK(check({w("a", "1", 0, 10), w("b", "1", 0, 10), r("a", "1", 11, 12),
               r("b", "1", 11, 12)})
            .linearizable);
  auto v = check({w("a", "1", 0, 1), r("b", "1", 2, 3)});
  CHECK_FALSE(v.linearizable);
  CHECK(v.key == "b");
}

TEST_CASE("a simulated atomic register always passes, a corrupted one fails") {
  std::mt19937_64 rng{7};
  for (int round = 0; round < 20; ++round) {
    // Clients run overlapping operations; the register applies each at a
    // random instant inside its interval.
    std::vector<op> hist;
    struct pending {
      op o;
      int64_t at;
    };
    std::vector<pending> evs;
    for (int i = 0; i < 40; ++i) {
      int64_t call = static_cast<int64_t>(rng() % 1000);
      int64_t ret = call + 1 + static_cast<int64_t>(rng() % 50);
      int64_t at = call + static_cast<int64_t>(rng() % (ret - call));
      op o = rng() % 2 ? w("x", std::to_string(i), call, ret)
                       : r("x", std::nullopt, call, ret);
      evs.push_back({o, at});
    }
    std::sort(evs.begin(), evs.end(),
              [](auto& a, auto& b) { return a.at < b.at; });
    std::optional<std::string> reg;
    for (auto& e : evs) {
      if (e.o.kind == op::write)
        reg = e.o.value;
      else
        e.o.result = reg;
      hist.push_back(e.o);
    }
    CHECK(check(hist).linearizable);
    // A read that returns a value nobody wrote cannot be explained.
    for (auto& o : hist)
      if (o.kind == op::read) {
        o.result = "never-written";
        break;
      }
    CHECK_FALSE(check(hist).linearizable);
  }
}
