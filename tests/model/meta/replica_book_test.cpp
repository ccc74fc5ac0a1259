#include <doctest/doctest.h>

#include <optional>

#include "model/meta/replica_book.hpp"

using namespace ds;

namespace {

// What happened to one piece of work: nothing yet, a result, a failure.
struct outcome {
  int calls = 0;
  std::optional<meta_result> result;
  std::optional<replica_failure> failure;

  replica_book::on_result done() {
    return [this](const meta_result& r) {
      ++calls;
      result = r;
    };
  }
  replica_book::on_failure fail() {
    return [this](const replica_failure& f) {
      ++calls;
      failure = f;
    };
  }
  std::function<void()> serve() {
    return [this] {
      ++calls;
      result = meta_result{};
    };
  }
};

meta_result ok_version(uint64_t v) {
  meta_result r;
  r.version = v;
  return r;
}

} // namespace

TEST_CASE("a proposal is answered with its result when its entry applies") {
  replica_book book{1};
  outcome a, b;
  book.proposed(3, 2, a.done(), a.fail());
  book.proposed(4, 2, b.done(), b.fail());
  auto r = ok_version(7);
  book.applied(3, 2, &r);
  CHECK(a.calls == 1);
  CHECK(a.result->version == 7);
  CHECK(b.calls == 0); // index 4 has not applied yet
  CHECK(book.proposals() == 1);
  book.applied(3, 2, &r); // applied twice (a restart): answered once
  CHECK(a.calls == 1);
}

TEST_CASE("a proposal replaced by another leader's entry answers "
          "EUNAVAILABLE") {
  replica_book book{1};
  outcome same_index_other_term, skipped, no_command;
  book.proposed(5, 2, same_index_other_term.done(),
                same_index_other_term.fail());
  auto r = ok_version(1);
  book.applied(5, 3, &r); // term 3 wrote index 5: ours never applies
  CHECK(same_index_other_term.result->code == errc::eunavailable);
  // An entry below the applied index that never reported (it came with a
  // snapshot) is answered by the next entry that applies.
  book.proposed(6, 3, skipped.done(), skipped.fail());
  book.applied(9, 4, &r);
  CHECK(skipped.result->code == errc::eunavailable);
  // The new leader's no-op at our index: no command, no result.
  book.proposed(10, 4, no_command.done(), no_command.fail());
  book.applied(10, 4, nullptr);
  CHECK(no_command.result->code == errc::eunavailable);
  CHECK(!no_command.failure);
  CHECK(book.proposals() == 0);
}

TEST_CASE("a read is served once its read index is known and applied") {
  replica_book book{2};
  outcome a, b;
  auto ca = book.open_read(a.serve(), a.fail());
  auto cb = book.open_read(b.serve(), b.fail());
  CHECK(ca != cb);
  CHECK(ca.rfind("2:", 0) == 0); // the replica's id keeps contexts unique
  CHECK(book.reading(ca));
  book.serve_reads(100); // no read index yet: nothing served
  CHECK(a.calls + b.calls == 0);
  book.read_index(ca, 8);
  book.read_index(cb, 12);
  book.read_index("2:99", 1); // unknown: ignored
  book.serve_reads(10);
  CHECK(a.calls == 1);
  CHECK(b.calls == 0);
  CHECK(!book.reading(ca));
  book.serve_reads(12);
  CHECK(b.calls == 1);
  CHECK(book.reads() == 0);
}

TEST_CASE("a read without a read index is asked again every retry period "
          "and fails after the wait") {
  replica_book book{1};
  outcome lost, answered;
  auto c = book.open_read(lost.serve(), lost.fail());
  auto d = book.open_read(answered.serve(), answered.fail());
  book.read_index(d, 50); // known, waits for apply: never asked again
  std::vector<int> asked_at;
  for (int t = 1; t <= 40 && book.reading(c); ++t)
    for (auto& ctx : book.tick(10, 20)) {
      CHECK(ctx == c);
      asked_at.push_back(t);
    }
  CHECK(asked_at == std::vector<int>{10, 20});
  CHECK(lost.failure);
  CHECK(lost.failure->kind == replica_failure::unavailable);
  CHECK(lost.calls == 1);
  CHECK(book.reading(d));
  CHECK(answered.calls == 0);
}

TEST_CASE("parked work is retried every tick until handed on or expired") {
  replica_book book{1};
  int tries = 0, expired = 0;
  bool leader_known = false;
  book.park([&] { return ++tries, leader_known; }, [&] { ++expired; });
  int gave_up = 0;
  book.park([] { return false; }, [&] { ++gave_up; });
  book.tick(10, 3);
  book.tick(10, 3);
  CHECK(tries == 2);
  leader_known = true;
  book.tick(10, 3);
  CHECK(tries == 3);
  CHECK(expired == 0);
  CHECK(gave_up == 0); // three tries so far, the wait is three
  book.tick(10, 3);
  CHECK(gave_up == 1);
  CHECK(book.parked() == 0);
  CHECK(tries == 3);
}

TEST_CASE("work parked by a retry waits for the next tick") {
  replica_book book{1};
  int inner = 0;
  book.park(
      [&] {
        book.park([&] { return ++inner, true; }, [] {});
        return true;
      },
      [] {});
  book.tick(10, 3);
  CHECK(inner == 0);
  CHECK(book.parked() == 1);
  book.tick(10, 3);
  CHECK(inner == 1);
  CHECK(book.parked() == 0);
}

TEST_CASE("a replica that stops fails everything open, once") {
  replica_book book{1};
  outcome p, r;
  int expired = 0;
  book.proposed(1, 1, p.done(), p.fail());
  auto ctx = book.open_read(r.serve(), r.fail());
  book.park([] { return false; }, [&] { ++expired; });
  book.fail_all({replica_failure::stopped, "disk full"});
  CHECK(p.failure->kind == replica_failure::stopped);
  CHECK(p.failure->what == "disk full");
  CHECK(r.failure->what == "disk full");
  CHECK(expired == 1);
  CHECK(book.proposals() + book.reads() + book.parked() == 0);
  auto any = ok_version(1);
  book.applied(1, 1, &any);
  book.read_index(ctx, 1);
  book.serve_reads(1);
  book.fail_read(ctx, {});
  CHECK(p.calls == 1);
  CHECK(r.calls == 1);
}
