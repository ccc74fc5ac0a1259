#include <doctest/doctest.h>

#include <set>

#include "model/namespace/name.hpp"
#include "model/namespace/ns_shard.hpp"

using namespace ds;

namespace {

struct fixture {
  ns_shard s{3, {}};
  bool wait = false;
  ns_reply run(const ns_request& r) { return s.apply(r, 1000, wait); }
};

} // namespace

TEST_CASE_FIXTURE(fixture, "create, lookup, unlink with POSIX errors") {
  auto c = run(make_request(ns_op::create, root_ino, "a"));
  REQUIRE(c.code == errc::ok);
  CHECK(wait); // a write is answered only after its commit
  CHECK(c.a.kind == entry_kind::file);
  CHECK(c.a.mode == 0644);
  CHECK(c.a.ino == make_ino(3, 1));
  CHECK(run(make_request(ns_op::create, root_ino, "a")).code == errc::eexist);
  CHECK(run(make_request(ns_op::mkdir, root_ino, "a")).code == errc::eexist);
  auto l = run(make_request(ns_op::lookup, root_ino, "a"));
  CHECK(l.code == errc::ok);
  CHECK(l.a == c.a);
  CHECK(run(make_request(ns_op::lookup, root_ino, "b")).code == errc::enoent);
  CHECK(run(make_request(ns_op::lookup, 999, "b")).code == errc::enoent);
  auto d = run(make_request(ns_op::mkdir, root_ino, "d"));
  CHECK(d.a.kind == entry_kind::dir);
  CHECK(d.a.mode == 0755);
  CHECK(run(make_request(ns_op::unlink, root_ino, "d")).code == errc::eisdir);
  CHECK(run(make_request(ns_op::unlink, root_ino, "a")).code == errc::ok);
  CHECK(run(make_request(ns_op::unlink, root_ino, "a")).code == errc::enoent);
}

TEST_CASE_FIXTURE(fixture, "bad names change nothing") {
  CHECK(run(make_request(ns_op::create, root_ino, "")).code == errc::einval);
  CHECK(run(make_request(ns_op::create, root_ino, "a/b")).code == errc::einval);
  CHECK(run(make_request(ns_op::create, root_ino, "..")).code == errc::einval);
  CHECK(run(make_request(ns_op::mkdir, root_ino, std::string(300, 'x'))).code ==
        errc::enametoolong);
  CHECK(run(make_request(ns_op::lookup, root_ino, "\xff")).code ==
        errc::einval);
  CHECK_FALSE(s.dirty());
  CHECK(s.stats().entries == 0);
  CHECK(s.take_changes().empty());
}

TEST_CASE_FIXTURE(fixture, "reads that depend on uncommitted changes wait") {
  run(make_request(ns_op::create, 7, "x"));
  run(make_request(ns_op::lookup, 7, "x"));
  CHECK(wait); // the same name
  run(make_request(ns_op::lookup, 7, "y"));
  CHECK_FALSE(wait); // another name in the same directory
  run(make_request(ns_op::create, 7, "x"));
  CHECK(wait); // EEXIST rests on the uncommitted x
  run(make_request(ns_op::readdir, 7));
  CHECK(wait); // a listing includes x
  run(make_request(ns_op::lookup, 8, "x"));
  CHECK_FALSE(wait); // another directory
  auto b = s.take_changes();
  CHECK(b.put_entries.size() == 1);
  CHECK(b.put_nodes.size() == 2); // the new DAG's root and its list
  run(make_request(ns_op::lookup, 7, "x"));
  CHECK(wait); // taken into a batch, but not yet durable
  s.committed();
  run(make_request(ns_op::lookup, 7, "x"));
  CHECK_FALSE(wait);
}

TEST_CASE_FIXTURE(fixture, "a batch writes the final state of each name") {
  run(make_request(ns_op::create, 7, "x"));
  run(make_request(ns_op::unlink, 7, "x"));
  run(make_request(ns_op::create, 7, "x"));
  run(make_request(ns_op::create, 7, "y"));
  run(make_request(ns_op::unlink, 7, "y"));
  auto b = s.take_changes();
  REQUIRE(b.put_entries.size() == 1);
  CHECK(b.put_entries[0].e.name == "x");
  CHECK(b.put_entries[0].e.a.ino == make_ino(3, 2));
  // x's first row and y's row were erased; the rows are deleted (neither was
  // ever written, which deleting by row tolerates).
  CHECK(b.del_rows.size() == 2);
  CHECK(b.next_seq == 4);
}

TEST_CASE_FIXTURE(fixture, "rmdir protocol: prepare, unlink entry, commit") {
  auto d = run(make_request(ns_op::mkdir, root_ino, "d")).a;
  run(make_request(ns_op::create, d.ino, "f"));
  CHECK(run(make_request(ns_op::rmdir_prepare, d.ino)).code == errc::enotempty);
  run(make_request(ns_op::unlink, d.ino, "f"));
  CHECK(run(make_request(ns_op::rmdir_prepare, d.ino)).code == errc::ok);
  CHECK(run(make_request(ns_op::rmdir_prepare, d.ino)).code == errc::ebusy);
  CHECK(run(make_request(ns_op::create, d.ino, "g")).code == errc::ebusy);
  auto u = make_request(ns_op::rmdir_unlink, root_ino, "d");
  u.expect_ino = d.ino + 1;
  CHECK(run(u).code == errc::enoent); // not the directory we checked
  u.expect_ino = d.ino;
  CHECK(run(u).code == errc::ok);
  CHECK(run(make_request(ns_op::rmdir_commit, d.ino)).code == errc::ok);
  // A handle of a removed directory is stale (the router says ENOENT).
  CHECK(run(make_request(ns_op::create, d.ino, "g")).code == errc::estale);
  CHECK(wait); // rests on the removal, which is not durable yet
  CHECK(run(make_request(ns_op::readdir, d.ino)).code == errc::estale);
  auto b = s.take_changes();
  CHECK(b.dead_dirs == std::vector<inode_id>{d.ino});
  CHECK(b.del_nodes.size() == 2);
}

TEST_CASE("an abandoned rmdir_prepare lapses after its lease") {
  ns_shard_config cfg;
  cfg.rmdir_lease_ns = 1000;
  ns_shard s{0, cfg};
  bool wait = false;
  auto prep = make_request(ns_op::rmdir_prepare, 77);
  CHECK(s.apply(prep, 0, wait).code == errc::ok);
  CHECK(s.apply(make_request(ns_op::create, 77, "x"), 500, wait).code ==
        errc::ebusy);
  CHECK(s.apply(prep, 600, wait).code == errc::ebusy);
  // The router died: after the lease, the directory takes creates again...
  CHECK(s.apply(make_request(ns_op::create, 77, "x"), 1500, wait).code ==
        errc::ok);
  // ...and a late commit does not remove a directory that has entries.
  CHECK(s.apply(make_request(ns_op::rmdir_commit, 77), 1600, wait).code ==
        errc::enotempty);
  CHECK(s.apply(make_request(ns_op::lookup, 77, "x"), 1700, wait).code ==
        errc::ok);
}

TEST_CASE_FIXTURE(fixture, "a cached handle of a directory being removed is "
                           "stale, a fresh one is served") {
  auto d = run(make_request(ns_op::mkdir, root_ino, "d")).a;
  auto cached = [&](ns_op op, std::string name = {}) {
    auto r = make_request(op, d.ino, std::move(name));
    r.cached = true;
    return run(r).code;
  };
  CHECK(cached(ns_op::lookup, "x") == errc::enoent); // alive: served
  REQUIRE(run(make_request(ns_op::rmdir_prepare, d.ino)).code == errc::ok);
  // Prepared: the parent may already have unlinked it.
  CHECK(cached(ns_op::lookup, "x") == errc::estale);
  CHECK(cached(ns_op::create, "x") == errc::estale);
  CHECK(cached(ns_op::readdir) == errc::estale);
  CHECK(cached(ns_op::locate, "x") == errc::estale);
  // A handle just looked up in the parent: still linked, served.
  CHECK(run(make_request(ns_op::lookup, d.ino, "x")).code == errc::enoent);
  CHECK(run(make_request(ns_op::create, d.ino, "x")).code == errc::ebusy);
  // Aborted: alive again for everyone.
  REQUIRE(run(make_request(ns_op::rmdir_abort, d.ino)).code == errc::ok);
  CHECK(cached(ns_op::lookup, "x") == errc::enoent);
  // Removed: stale for everyone, cached or not; rmdir's own steps say
  // ENOENT as before.
  REQUIRE(run(make_request(ns_op::rmdir_prepare, d.ino)).code == errc::ok);
  REQUIRE(run(make_request(ns_op::rmdir_commit, d.ino)).code == errc::ok);
  CHECK(cached(ns_op::lookup, "x") == errc::estale);
  CHECK(run(make_request(ns_op::lookup, d.ino, "x")).code == errc::estale);
  CHECK(run(make_request(ns_op::unlink, d.ino, "x")).code == errc::estale);
  CHECK(run(make_request(ns_op::mkdir, d.ino, "x")).code == errc::estale);
  CHECK(run(make_request(ns_op::rmdir_prepare, d.ino)).code == errc::enoent);
}

TEST_CASE("a directory whose rmdir lease lapsed is never trusted on a cached "
          "handle") {
  ns_shard_config cfg;
  cfg.rmdir_lease_ns = 1000;
  ns_shard s{0, cfg};
  bool wait = false;
  CHECK(s.apply(make_request(ns_op::rmdir_prepare, 77), 0, wait).code ==
        errc::ok);
  auto look = make_request(ns_op::lookup, 77, "x");
  look.cached = true;
  // Its rmdir may have unlinked it before the driver died.
  CHECK(s.apply(look, 1500, wait).code == errc::estale);
  CHECK(s.apply(look, 2500, wait).code == errc::estale);
  look.cached = false;
  CHECK(s.apply(look, 2600, wait).code == errc::enoent);
}

TEST_CASE_FIXTURE(fixture, "rmdir of a file entry is ENOTDIR") {
  auto f = run(make_request(ns_op::create, root_ino, "f")).a;
  auto u = make_request(ns_op::rmdir_unlink, root_ino, "f");
  u.expect_ino = f.ino;
  CHECK(run(u).code == errc::enotdir);
}

TEST_CASE_FIXTURE(fixture, "readdir pages through a directory") {
  for (int i = 0; i < 2500; ++i)
    run(make_request(ns_op::create, 9, "n" + std::to_string(i)));
  std::set<std::string> seen;
  std::string cookie;
  bool eof = false;
  int pages = 0;
  while (!eof) {
    auto r = make_request(ns_op::readdir, 9);
    r.cookie = cookie;
    r.max_entries = 1000;
    auto rep = run(r);
    REQUIRE(rep.code == errc::ok);
    for (auto& e : rep.entries)
      CHECK(seen.insert(e.name).second);
    cookie = rep.cookie;
    eof = rep.eof;
    ++pages;
  }
  CHECK(seen.size() == 2500);
  CHECK(pages == 3);
  auto bad = make_request(ns_op::readdir, 9);
  bad.cookie = "garbage";
  CHECK(run(bad).code == errc::einval);
}

TEST_CASE("restore keeps inode numbers unique") {
  ns_shard a{0, {}};
  bool wait = false;
  ns_request r;
  r.op = ns_op::create;
  r.dir = root_ino;
  r.name = "x";
  a.apply(r, 0, wait);
  auto b = a.take_changes();
  ns_shard back{0, {}};
  // The stored counter is stale (1): restore must still skip used numbers.
  REQUIRE(back.restore(b.put_nodes, b.put_entries, {}, 1) == "");
  r.name = "y";
  auto rep = back.apply(r, 0, wait);
  CHECK(rep.a.ino != a.dag(root_ino)->find("x", name_hash("x"))->a.ino);
  CHECK(back.check() == "");
}
