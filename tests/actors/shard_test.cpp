#include "tests/actors/fixture.hpp"

using namespace ds;
using namespace ds::test;

namespace {

struct one_shard : node_fixture {
  one_shard() : node_fixture(1) {}
  shard_actor shard() { return shards[0]; }
};

} // namespace

TEST_CASE_FIXTURE(one_shard, "a write is answered only after its commit") {
  self->send(
      shard(), ns_atom::value,
      std::vector<ns_request>{make_request(ns_op::create, root_ino, "a")});
  // The shard applies the batch in memory and hands the change to its
  // committer...
  expect((ns_atom, std::vector<ns_request>), from(self).to(shard()));
  CHECK(stores[0]->commits() == 0);
  CHECK(self->mailbox().empty()); // ...without answering yet.
  expect((commit_atom, commit_batch), from(shard()).to(committers[0]));
  CHECK(stores[0]->commits() == 1);
  CHECK(self->mailbox().empty());
  expect((uint64_t), from(committers[0]).to(shard()));
  // Now the answer is there.
  bool got = false;
  self->receive([&](std::vector<ns_reply>& r) {
    REQUIRE(r.size() == 1);
    CHECK(r[0].code == errc::ok);
    got = true;
  });
  CHECK(got);
}

TEST_CASE_FIXTURE(one_shard,
                  "writes that arrive during a commit share the next one") {
  for (int i = 0; i < 5; ++i)
    self->send(shard(), ns_atom::value,
               std::vector<ns_request>{make_request(ns_op::create, root_ino,
                                                    "f" + std::to_string(i))});
  sched.run();
  // The first write starts a commit at once; the other four queue up behind
  // it and go into the second.
  CHECK(stores[0]->commits() == 2);
  CHECK(stores[0]->load().entries.size() == 5);
  int answers = 0;
  for (int i = 0; i < 5; ++i)
    self->receive([&](std::vector<ns_reply>& r) {
      CHECK(r[0].code == errc::ok);
      ++answers;
    });
  CHECK(answers == 5);
}

TEST_CASE_FIXTURE(one_shard,
                  "a read of a directory with changes in flight waits") {
  self->send(shard(), ns_atom::value,
             std::vector<ns_request>{make_request(ns_op::create, 77, "x")});
  self->send(shard(), ns_atom::value,
             std::vector<ns_request>{make_request(ns_op::lookup, 77, "x")});
  self->send(shard(), ns_atom::value,
             std::vector<ns_request>{make_request(ns_op::lookup, 88, "x")});
  expect((ns_atom, std::vector<ns_request>), from(self).to(shard()));
  expect((ns_atom, std::vector<ns_request>), from(self).to(shard()));
  expect((ns_atom, std::vector<ns_request>), from(self).to(shard()));
  // Only the lookup in the clean directory 88 was answered so far.
  bool first = false;
  self->receive([&](std::vector<ns_reply>& r) {
    CHECK(r[0].code == errc::enoent);
    first = true;
  });
  CHECK(first);
  CHECK(self->mailbox().empty());
  expect((commit_atom, commit_batch), from(shard()).to(committers[0]));
  expect((uint64_t), from(committers[0]).to(shard()));
  int n = 0;
  for (int i = 0; i < 2; ++i)
    self->receive([&](std::vector<ns_reply>& r) {
      CHECK(r[0].code == errc::ok);
      ++n;
    });
  CHECK(n == 2);
}

TEST_CASE_FIXTURE(one_shard,
                  "a failed commit acknowledges nothing and stops the shard") {
  stores[0]->fail_next = true;
  auto reps = batch(shard(), {make_request(ns_op::create, root_ino, "lost")});
  REQUIRE(reps.size() == 1);
  CHECK(reps[0].code == errc::eio);
  CHECK(stores[0]->load().entries.empty());
  // The shard is gone; the router reports it unavailable.
  auto r = path(path_op::stat, "/lost");
  CHECK(r.code == errc::eunavailable);
}

TEST_CASE_FIXTURE(one_shard, "a listing of unresolved parts is answered only "
                             "once what it reports is durable") {
  // A received part, pending and durable.
  const inode_id dir = 99;
  const hash_range upper{uint64_t{1} << 63, ~uint64_t{0}};
  part_ref part{dir, upper, 5};
  self->send(shard(), part_atom::value, part_request{part_import{part, {}}});
  sched.run();
  self->receive([](part_reply& r) { CHECK(r.code == errc::ok); });
  // The activate is applied in memory; its commit has not run yet. A
  // listing that reported "nothing unresolved" now would let the scans
  // settle the move, and a crash before the commit would bring the
  // pending mark back as a mark of a settled move, which the scans undo
  // by discarding the part the source already released.
  self->send(shard(), part_atom::value, part_request{part_activate{part, 1}});
  self->send(shard(), part_atom::value, part_request{part_list_unresolved{}});
  expect((part_atom, part_request), from(self).to(shard()));
  expect((part_atom, part_request), from(self).to(shard()));
  CHECK(self->mailbox().empty());
  sched.run();
  int answers = 0;
  for (int i = 0; i < 2; ++i)
    self->receive([&](part_reply& r) {
      CHECK(r.code == errc::ok);
      CHECK(r.unresolved.empty());
      ++answers;
    });
  CHECK(answers == 2);
}
