#include "model/batch_queue.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace ds;

TEST_CASE("batch_queue: items that arrive together leave together, in order") {
  batch_queue<int, std::string> q{3};
  CHECK(q.push(1, "a")); // first: schedule a flush
  CHECK_FALSE(q.push(2, "b")); // already scheduled
  CHECK_FALSE(q.push(3, "c"));
  CHECK_FALSE(q.push(4, "d"));
  q.flushing();
  REQUIRE(q.ready());
  auto b = q.take();
  CHECK(b.items == std::vector<int>{1, 2, 3});
  CHECK(b.waiters == std::vector<std::string>{"a", "b", "c"});
  REQUIRE(q.ready());
  auto c = q.take(); // no in-flight bound: the rest leaves too
  CHECK(c.items == std::vector<int>{4});
  CHECK_FALSE(q.ready());
  CHECK(q.in_flight() == 2);
}

TEST_CASE("batch_queue: no more than max_in_flight batches on their way") {
  batch_queue<int, int> q{2, 1};
  CHECK(q.push(1, 1));
  q.flushing();
  auto b = q.take();
  CHECK(b.items.size() == 1);
  // One batch on its way: a new item waits and asks for no flush.
  CHECK_FALSE(q.push(2, 2));
  CHECK_FALSE(q.push(3, 3));
  CHECK_FALSE(q.push(4, 4));
  CHECK_FALSE(q.ready());
  q.done(); // the answer came: the owner flushes at once
  REQUIRE(q.ready());
  CHECK(q.take().items == std::vector<int>{2, 3});
  CHECK_FALSE(q.ready());
  q.done();
  CHECK(q.take().items == std::vector<int>{4});
}

TEST_CASE("batch_queue: an in-flight bound of 0 means one") {
  batch_queue<int, int> q{8, 0};
  CHECK(q.push(1, 1));
  q.flushing();
  q.take();
  CHECK_FALSE(q.push(2, 2));
  CHECK_FALSE(q.ready());
}
