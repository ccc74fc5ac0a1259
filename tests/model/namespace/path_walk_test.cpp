// The path walk on its own: which request each step sends and how answers
// advance it, with hand-made answers (no shard, no actor).
#include <doctest/doctest.h>

#include "model/namespace/path_walk.hpp"

using namespace ds;

namespace {

path_request req(path_op op, std::string path) {
  path_request r;
  r.op = op;
  r.path = std::move(path);
  return r;
}

ns_reply found(inode_id ino, entry_kind k) {
  ns_reply r;
  r.a.ino = ino;
  r.a.kind = k;
  return r;
}

} // namespace

TEST_CASE("a bad path and operations on the root are answered at once") {
  path_job j;
  ns_reply out;
  CHECK(start_walk(req(path_op::stat, "a/b"), j, out));
  CHECK(out.code == errc::einval);
  CHECK(start_walk(req(path_op::stat, "/"), j, out));
  CHECK(out.code == errc::ok);
  CHECK(out.a.ino == root_ino);
  CHECK(out.a.kind == entry_kind::dir);
  CHECK(start_walk(req(path_op::mkdir, "/"), j, out));
  CHECK(out.code == errc::eexist);
  CHECK(start_walk(req(path_op::rmdir, "/"), j, out));
  CHECK(out.code == errc::ebusy);
  CHECK(start_walk(req(path_op::unlink, "/"), j, out));
  CHECK(out.code == errc::eisdir);
  CHECK(start_walk(req(path_op::locate, "/"), j, out));
  CHECK(out.code == errc::einval);
  // readdir of the root needs a shard: straight to the listing.
  CHECK_FALSE(start_walk(req(path_op::readdir, "/"), j, out));
  auto r = next_request(j);
  CHECK(r.op == ns_op::readdir);
  CHECK(r.dir == root_ino);
}

TEST_CASE("stat walks one lookup per component, the last on its parent") {
  path_job j;
  ns_reply out;
  REQUIRE_FALSE(start_walk(req(path_op::stat, "/a/b/f"), j, out));
  auto r = next_request(j);
  CHECK(r.op == ns_op::lookup);
  CHECK(r.dir == root_ino);
  CHECK(r.name == "a");
  auto rep = found(10, entry_kind::dir);
  REQUIRE_FALSE(advance(j, rep));
  r = next_request(j);
  CHECK(r.dir == 10);
  CHECK(r.name == "b");
  rep = found(20, entry_kind::dir);
  REQUIRE_FALSE(advance(j, rep));
  CHECK(j.stage == path_job::final_op);
  r = next_request(j);
  CHECK(r.op == ns_op::lookup);
  CHECK(r.dir == 20);
  CHECK(r.name == "f");
  rep = found(30, entry_kind::file);
  REQUIRE(advance(j, rep));
  CHECK(final_answer(j, rep).a.ino == 30);
}

TEST_CASE("a file in the middle of a path is ENOTDIR, a missing one ENOENT") {
  path_job j;
  ns_reply out;
  REQUIRE_FALSE(start_walk(req(path_op::create, "/a/b/f"), j, out));
  auto rep = found(10, entry_kind::file);
  REQUIRE(advance(j, rep));
  CHECK(rep.code == errc::enotdir);
  REQUIRE_FALSE(start_walk(req(path_op::create, "/a/b/f"), j, out));
  rep = error_reply(errc::enoent);
  REQUIRE(advance(j, rep));
  CHECK(rep.code == errc::enoent);
}

TEST_CASE("create and mkdir carry the mode to the parent's shard") {
  path_job j;
  ns_reply out;
  auto q = req(path_op::mkdir, "/d");
  q.mode = 0700;
  REQUIRE_FALSE(start_walk(q, j, out));
  auto r = next_request(j);
  CHECK(r.op == ns_op::mkdir);
  CHECK(r.dir == root_ino);
  CHECK(r.name == "d");
  CHECK(r.mode == 0700);
}

TEST_CASE("readdir looks its target up, then lists it with the cookie") {
  path_job j;
  ns_reply out;
  auto q = req(path_op::readdir, "/a");
  q.cookie = "c";
  q.max_entries = 7;
  REQUIRE_FALSE(start_walk(q, j, out));
  CHECK(next_request(j).op == ns_op::lookup);
  auto rep = found(10, entry_kind::dir);
  REQUIRE_FALSE(advance(j, rep));
  auto r = next_request(j);
  CHECK(r.op == ns_op::readdir);
  CHECK(r.dir == 10);
  CHECK(r.cookie == "c");
  CHECK(r.max_entries == 7);
  rep = ns_reply{};
  rep.eof = true;
  CHECK(advance(j, rep));
  // Of a file: ENOTDIR, without listing anything.
  REQUIRE_FALSE(start_walk(q, j, out));
  rep = found(11, entry_kind::file);
  REQUIRE(advance(j, rep));
  CHECK(rep.code == errc::enotdir);
}

TEST_CASE("rmdir: lookup, prepare, unlink, commit, the unlink's answer") {
  path_job j;
  ns_reply out;
  REQUIRE_FALSE(start_walk(req(path_op::rmdir, "/d"), j, out));
  auto rep = found(40, entry_kind::dir);
  REQUIRE_FALSE(advance(j, rep));
  auto r = next_request(j);
  CHECK(r.op == ns_op::rmdir_prepare);
  CHECK(r.dir == 40);
  rep = ns_reply{};
  REQUIRE_FALSE(advance(j, rep));
  r = next_request(j);
  CHECK(r.op == ns_op::rmdir_unlink);
  CHECK(r.dir == root_ino);
  CHECK(r.name == "d");
  CHECK(r.expect_ino == 40);
  auto unlinked = found(40, entry_kind::dir);
  REQUIRE_FALSE(advance(j, unlinked));
  r = next_request(j);
  CHECK(r.op == ns_op::rmdir_commit);
  CHECK(r.dir == 40);
  rep = ns_reply{};
  REQUIRE(advance(j, rep));
  CHECK(rep.code == errc::ok);
  CHECK(rep.a.ino == 40); // the unlink's answer: what was removed
}

TEST_CASE("rmdir whose unlink fails aborts, and answers the unlink's error") {
  path_job j;
  ns_reply out;
  REQUIRE_FALSE(start_walk(req(path_op::rmdir, "/d"), j, out));
  auto rep = found(40, entry_kind::dir);
  REQUIRE_FALSE(advance(j, rep));
  rep = ns_reply{};
  REQUIRE_FALSE(advance(j, rep));  // prepared
  rep = error_reply(errc::enoent); // replaced meanwhile
  REQUIRE_FALSE(advance(j, rep));
  CHECK(next_request(j).op == ns_op::rmdir_abort);
  rep = ns_reply{};
  REQUIRE(advance(j, rep));
  CHECK(rep.code == errc::enoent);
  // A prepare that fails (not empty) ends the walk with its answer.
  REQUIRE_FALSE(start_walk(req(path_op::rmdir, "/d"), j, out));
  rep = found(40, entry_kind::dir);
  REQUIRE_FALSE(advance(j, rep));
  rep = error_reply(errc::enotempty);
  REQUIRE(advance(j, rep));
  CHECK(rep.code == errc::enotempty);
}

TEST_CASE("locate answers with the directory that was resolved") {
  path_job j;
  ns_reply out;
  REQUIRE_FALSE(start_walk(req(path_op::locate, "/a/f"), j, out));
  auto rep = found(10, entry_kind::dir);
  REQUIRE_FALSE(advance(j, rep));
  auto r = next_request(j);
  CHECK(r.op == ns_op::locate);
  CHECK(r.dir == 10);
  rep = ns_reply{};
  rep.node = 5;
  REQUIRE(advance(j, rep));
  auto fin = final_answer(j, rep);
  CHECK(fin.a.ino == 10);
  CHECK(fin.node == 5);
}

TEST_CASE("a warm cache leaves only the final operation to a shard") {
  dir_cache cache{16};
  path_job j;
  ns_reply out;
  // Cold: every component is looked up, and the directories are learnt.
  REQUIRE_FALSE(start_walk(req(path_op::stat, "/a/b/c/f"), j, out));
  inode_id ino = 10;
  int sent = 0;
  for (;;) {
    use_cache(j, cache);
    auto r = next_request(j);
    CHECK_FALSE(r.cached);
    ++sent;
    auto rep = found(ino++, r.name == "f" ? entry_kind::file : entry_kind::dir);
    if (advance(j, rep, &cache))
      break;
  }
  CHECK(sent == 4);
  CHECK(cache.size() == 3);
  // Warm: one request, on the cached handle of /a/b/c, marked so.
  REQUIRE_FALSE(start_walk(req(path_op::stat, "/a/b/c/f"), j, out));
  use_cache(j, cache);
  auto r = next_request(j);
  CHECK(r.op == ns_op::lookup);
  CHECK(r.dir == 12);
  CHECK(r.name == "f");
  CHECK(r.cached);
  auto rep = found(13, entry_kind::file);
  CHECK(advance(j, rep, &cache));
}

TEST_CASE("ESTALE on a cached handle drops it and resolves from the parent") {
  dir_cache cache{16};
  cache.insert(root_ino, "a", 10);
  cache.insert(10, "b", 20);
  path_job j;
  ns_reply out;
  REQUIRE_FALSE(start_walk(req(path_op::create, "/a/b/f"), j, out));
  use_cache(j, cache);
  auto r = next_request(j);
  CHECK(r.op == ns_op::create);
  CHECK(r.dir == 20);
  CHECK(r.cached);
  // /a/b was removed and made again: its old inode is stale.
  auto rep = error_reply(errc::estale);
  REQUIRE_FALSE(advance(j, rep, &cache));
  CHECK(cache.find(10, "b") == 0);
  use_cache(j, cache); // b must come from its shard now
  r = next_request(j);
  CHECK(r.op == ns_op::lookup);
  CHECK(r.dir == 10);
  CHECK(r.name == "b");
  CHECK(r.cached); // /a itself is still a cached handle
  rep = found(21, entry_kind::dir);
  REQUIRE_FALSE(advance(j, rep, &cache));
  CHECK(cache.find(10, "b") == 21); // learnt again
  use_cache(j, cache);
  r = next_request(j);
  CHECK(r.op == ns_op::create);
  CHECK(r.dir == 21);
  CHECK_FALSE(r.cached);
  rep = found(30, entry_kind::file);
  CHECK(advance(j, rep, &cache));
  CHECK(cache.stats().stale == 1);
}

TEST_CASE("stale ancestors are dropped one level at a time") {
  dir_cache cache{16};
  cache.insert(root_ino, "a", 10);
  cache.insert(10, "b", 20);
  path_job j;
  ns_reply out;
  REQUIRE_FALSE(start_walk(req(path_op::stat, "/a/b/f"), j, out));
  use_cache(j, cache);
  auto rep = error_reply(errc::estale); // on b
  REQUIRE_FALSE(advance(j, rep, &cache));
  use_cache(j, cache);
  auto r = next_request(j);
  CHECK(r.dir == 10);
  rep = error_reply(errc::estale); // a is gone too
  REQUIRE_FALSE(advance(j, rep, &cache));
  use_cache(j, cache);
  r = next_request(j);
  CHECK(r.dir == root_ino);
  CHECK(r.name == "a");
  CHECK_FALSE(r.cached);
  rep = error_reply(errc::enoent); // no /a now
  REQUIRE(advance(j, rep, &cache));
  CHECK(rep.code == errc::enoent);
  CHECK(cache.size() == 0);
}

TEST_CASE("ESTALE on a handle the walk looked up itself is ENOENT") {
  dir_cache cache{16};
  path_job j;
  ns_reply out;
  REQUIRE_FALSE(start_walk(req(path_op::stat, "/a/f"), j, out));
  use_cache(j, cache);
  auto rep = found(10, entry_kind::dir);
  REQUIRE_FALSE(advance(j, rep, &cache));
  rep = error_reply(errc::estale); // /a was removed after the lookup
  REQUIRE(advance(j, rep, &cache));
  CHECK(rep.code == errc::enoent);
  // Without a cache, too.
  REQUIRE_FALSE(start_walk(req(path_op::stat, "/a"), j, out));
  rep = error_reply(errc::estale);
  REQUIRE(advance(j, rep));
  CHECK(rep.code == errc::enoent);
}

TEST_CASE("readdir lists a cached target, stale, it looks the target up") {
  dir_cache cache{16};
  cache.insert(root_ino, "a", 10);
  path_job j;
  ns_reply out;
  REQUIRE_FALSE(start_walk(req(path_op::readdir, "/a"), j, out));
  use_cache(j, cache);
  auto r = next_request(j);
  CHECK(r.op == ns_op::readdir);
  CHECK(r.dir == 10);
  CHECK(r.cached);
  auto rep = error_reply(errc::estale);
  REQUIRE_FALSE(advance(j, rep, &cache));
  use_cache(j, cache);
  r = next_request(j);
  CHECK(r.op == ns_op::lookup);
  CHECK(r.name == "a");
  rep = found(11, entry_kind::dir);
  REQUIRE_FALSE(advance(j, rep, &cache));
  r = next_request(j);
  CHECK(r.op == ns_op::readdir);
  CHECK(r.dir == 11);
  CHECK_FALSE(r.cached);
}

TEST_CASE("mkdir and stat of a directory teach the cache, rmdir drops it") {
  dir_cache cache{16};
  path_job j;
  ns_reply out;
  REQUIRE_FALSE(start_walk(req(path_op::mkdir, "/d"), j, out));
  auto rep = found(40, entry_kind::dir);
  REQUIRE(advance(j, rep, &cache));
  CHECK(cache.find(root_ino, "d") == 40);
  // rmdir never trusts the cache for its target, and drops the entry.
  REQUIRE_FALSE(start_walk(req(path_op::rmdir, "/d"), j, out));
  use_cache(j, cache);
  auto r = next_request(j);
  CHECK(r.op == ns_op::lookup);
  CHECK_FALSE(r.cached);
  rep = found(40, entry_kind::dir);
  REQUIRE_FALSE(advance(j, rep, &cache));
  CHECK(cache.find(root_ino, "d") == 0);
  cache.insert(root_ino, "d", 40); // a concurrent walk learnt it again
  rep = ns_reply{};
  REQUIRE_FALSE(advance(j, rep, &cache)); // prepared
  rep = found(40, entry_kind::dir);
  REQUIRE_FALSE(advance(j, rep, &cache)); // unlinked
  rep = ns_reply{};
  REQUIRE(advance(j, rep, &cache)); // committed
  CHECK(cache.find(root_ino, "d") == 0);
  // stat of a directory teaches it, of a file not.
  REQUIRE_FALSE(start_walk(req(path_op::stat, "/e"), j, out));
  rep = found(50, entry_kind::dir);
  REQUIRE(advance(j, rep, &cache));
  CHECK(cache.find(root_ino, "e") == 50);
  REQUIRE_FALSE(start_walk(req(path_op::stat, "/g"), j, out));
  rep = found(51, entry_kind::file);
  REQUIRE(advance(j, rep, &cache));
  CHECK(cache.find(root_ino, "g") == 0);
}

TEST_CASE("a walk that met ESTALE often enough stops using the cache") {
  dir_cache cache{16};
  cache.insert(root_ino, "a", 10);
  path_job j;
  ns_reply out;
  REQUIRE_FALSE(start_walk(req(path_op::stat, "/a/f"), j, out));
  j.stale_seen = max_stale_per_walk;
  use_cache(j, cache);
  auto r = next_request(j);
  CHECK(r.dir == root_ino);
  CHECK(r.name == "a");
  CHECK_FALSE(r.cached);
}
