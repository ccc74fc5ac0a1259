#include "tests/actors/fixture.hpp"

#include <set>

using namespace ds;
using namespace ds::test;

TEST_CASE_FIXTURE(node_fixture,
                  "paths resolve across shards with POSIX errors") {
  CHECK(path(path_op::mkdir, "/a").code == errc::ok);
  CHECK(path(path_op::mkdir, "/a/b").code == errc::ok);
  auto f = path(path_op::create, "/a/b/f");
  CHECK(f.code == errc::ok);
  CHECK(f.a.kind == entry_kind::file);
  auto st = path(path_op::stat, "/a/b/f");
  CHECK(st.code == errc::ok);
  CHECK(st.a == f.a);
  CHECK(path(path_op::create, "/a/b/f").code == errc::eexist);
  CHECK(path(path_op::stat, "/a/x/f").code == errc::enoent);
  CHECK(path(path_op::stat, "/a/b/f/g").code == errc::enotdir);
  CHECK(path(path_op::create, "/a/b/f/g").code == errc::enotdir);
  CHECK(path(path_op::readdir, "/a/b/f").code == errc::enotdir);
  CHECK(path(path_op::unlink, "/a/b").code == errc::eisdir);
  CHECK(path(path_op::rmdir, "/a/b/f").code == errc::enotdir);
  CHECK(path(path_op::rmdir, "/a/b").code == errc::enotempty);
  CHECK(path(path_op::unlink, "/a/b/f").code == errc::ok);
  CHECK(path(path_op::rmdir, "/a/b").code == errc::ok);
  CHECK(path(path_op::stat, "/a/b").code == errc::enoent);
  CHECK(path(path_op::rmdir, "/a/b").code == errc::enoent);
  CHECK(path(path_op::stat, "/").a.kind == entry_kind::dir);
  CHECK(path(path_op::rmdir, "/").code == errc::ebusy);
  CHECK(path(path_op::mkdir, "/").code == errc::eexist);
  CHECK(path(path_op::create, "a").code == errc::einval);
  CHECK(path(path_op::create, "/a/").code == errc::einval);
  CHECK(path(path_op::create, "/a/..").code == errc::einval);
  CHECK(path(path_op::create, "/" + std::string(256, 'n')).code ==
        errc::enametoolong);
}

TEST_CASE_FIXTURE(node_fixture, "a removed directory refuses later creates") {
  REQUIRE(path(path_op::mkdir, "/d").code == errc::ok);
  auto d = path(path_op::stat, "/d").a;
  REQUIRE(path(path_op::rmdir, "/d").code == errc::ok);
  // A client that still holds the old inode cannot create into it.
  auto reps = batch(gateway, {make_request(ns_op::create, d.ino, "late")});
  CHECK(reps[0].code == errc::enoent);
}

TEST_CASE_FIXTURE(node_fixture,
                  "a batch over several shards comes back in order") {
  std::vector<ns_request> reqs;
  for (inode_id dir = 100; dir < 140; ++dir)
    reqs.push_back(make_request(ns_op::create, dir, "n" + std::to_string(dir)));
  reqs.push_back(make_request(ns_op::lookup, 100, "n100"));
  auto reps = batch(gateway, reqs);
  REQUIRE(reps.size() == reqs.size());
  std::set<uint64_t> inos;
  for (size_t i = 0; i + 1 < reps.size(); ++i) {
    CHECK(reps[i].code == errc::ok);
    inos.insert(reps[i].a.ino);
  }
  CHECK(inos.size() == 40);
  CHECK(reps.back().code == errc::ok);
  CHECK(reps.back().a.ino == reps[0].a.ino);
  // The directories really landed on more than one shard.
  int used = 0;
  for (auto& c : cores)
    used += c->stats().entries > 0;
  CHECK(used > 1);
}

TEST_CASE_FIXTURE(node_fixture,
                  "readdir pages through a directory that splits") {
  REQUIRE(path(path_op::mkdir, "/big").code == errc::ok);
  for (int i = 0; i < 300; ++i)
    REQUIRE(path(path_op::create, "/big/f" + std::to_string(i)).code ==
            errc::ok);
  std::set<std::string> names;
  path_request req;
  req.op = path_op::readdir;
  req.path = "/big";
  req.max_entries = 64;
  bool eof = false;
  while (!eof) {
    ns_reply out;
    auto rh = self->request(gateway, caf::infinite, path_atom::value, req);
    sched.run();
    rh.receive([&](ns_reply& r) { out = std::move(r); }, [](caf::error&) {});
    REQUIRE(out.code == errc::ok);
    for (auto& e : out.entries)
      CHECK(names.insert(e.name).second);
    req.cookie = out.cookie;
    eof = out.eof;
  }
  CHECK(names.size() == 300);
}

TEST_CASE_FIXTURE(node_fixture,
                  "an oversize batch is refused and changes nothing") {
  std::vector<ns_request> reqs(max_batch + 1,
                               make_request(ns_op::create, root_ino, "x"));
  bool refused = false;
  auto rh = self->request(gateway, caf::infinite, ns_atom::value, reqs);
  sched.run();
  rh.receive([](std::vector<ns_reply>&) {},
             [&](caf::error& e) { refused = e == caf::sec::invalid_argument; });
  CHECK(refused);
  CHECK(path(path_op::stat, "/x").code == errc::enoent);
}

TEST_CASE_FIXTURE(node_fixture,
                  "a client's batch with an internal rmdir step is refused "
                  "whole and changes nothing") {
  REQUIRE(path(path_op::mkdir, "/d").code == errc::ok);
  auto d = path(path_op::stat, "/d").a.ino;
  // A lone rmdir_commit of the empty directory, after a create that would
  // otherwise have gone through: neither happens.
  std::vector<ns_request> reqs{make_request(ns_op::create, root_ino, "x"),
                               make_request(ns_op::rmdir_commit, d)};
  bool refused = false;
  auto rh = self->request(gateway, caf::infinite, ns_atom::value, reqs);
  sched.run();
  rh.receive([](std::vector<ns_reply>&) {},
             [&](caf::error& e) { refused = e == caf::sec::invalid_argument; });
  CHECK(refused);
  CHECK(path(path_op::stat, "/x").code == errc::enoent);
  CHECK(path(path_op::create, "/d/still-here").code == errc::ok);
  // The router itself still takes them: it is how rmdir works.
  CHECK(path(path_op::unlink, "/d/still-here").code == errc::ok);
  CHECK(path(path_op::rmdir, "/d").code == errc::ok);
}

TEST_CASE_FIXTURE(node_fixture,
                  "shard counters are gathered from every shard") {
  path(path_op::mkdir, "/s");
  std::vector<shard_info> xs;
  auto rh = self->request(gateway, caf::infinite, shards_atom::value);
  sched.run();
  rh.receive([&](std::vector<shard_info>& r) { xs = r; }, [](caf::error&) {});
  REQUIRE(xs.size() == 4);
  uint64_t entries = 0;
  for (size_t i = 0; i < xs.size(); ++i) {
    CHECK(xs[i].shard == i);
    entries += xs[i].stats.entries;
  }
  CHECK(entries == 1);
}

TEST_CASE_FIXTURE(
    node_fixture,
    "a malformed message gets an error and the node keeps serving") {
  auto untyped = caf::actor_cast<caf::actor>(gateway);
  bool refused = false;
  auto rh = self->request(untyped, caf::infinite, std::string{"garbage"}, 42);
  sched.run();
  rh.receive([](const caf::message&) {}, [&](caf::error&) { refused = true; });
  CHECK(refused);
  CHECK(path(path_op::mkdir, "/still-here").code == errc::ok);
  CHECK(path(path_op::stat, "/still-here").a.kind == entry_kind::dir);
}

TEST_CASE_FIXTURE(node_fixture,
                  "settings go through the gateway to the metadata replica") {
  auto ask = [&](meta_command cmd) {
    meta_result out;
    auto rh = self->request(gateway, caf::infinite, meta_atom::value, cmd);
    sched.run();
    rh.receive([&](meta_result& r) { out = r; }, [](caf::error&) {});
    return out;
  };
  CHECK(ask(config_set{"app.period", "5m"}).version == 1);
  CHECK(ask(config_set{"app.period", "1m", 3, true}).code == errc::econflict);
  config_entry e;
  auto rh = self->request(gateway, caf::infinite, cfg_get_atom::value,
                          std::string{"app.period"});
  sched.run();
  rh.receive([&](config_entry& x) { e = x; }, [](caf::error&) {});
  CHECK(e.value == "5m");
  CHECK(e.version == 1);
  // Placement is not the clients' business.
  CHECK(ask(migration_begin{}).code == errc::einval);
}

TEST_CASE_FIXTURE(node_fixture,
                  "a shard on an unreachable node answers EUNAVAILABLE at "
                  "once, the other shards serve") {
  REQUIRE(path(path_op::mkdir, "/far").code == errc::ok);
  REQUIRE(path(path_op::mkdir, "/near").code == errc::ok);
  auto far = path(path_op::stat, "/far").a.ino;
  auto near = path(path_op::stat, "/near").a.ino;
  hash_ring ring{static_cast<uint32_t>(shards.size())};
  if (ring.home(near) == ring.home(far)) { // find a directory elsewhere
    for (int i = 0; ring.home(near) == ring.home(far); ++i) {
      auto p = "/near" + std::to_string(i);
      REQUIRE(path(path_op::mkdir, p).code == errc::ok);
      near = path(path_op::stat, p).a.ino;
    }
  }
  // A router that sees the shard of /far as unreachable (its node missed
  // its heartbeats): an empty handle, as set_peer leaves it.
  auto cut = shards;
  cut[ring.home(far)] = shard_actor{};
  cluster_map cluster;
  REQUIRE(cluster_map::make({"test", "127.0.0.1", 1}, {},
                            static_cast<uint32_t>(shards.size()),
                            cluster) == "");
  auto r = sys.spawn(router_behavior, cluster, cut, metadata,
                     caf::timespan{std::chrono::seconds(1)}, caf::timespan{0},
                     size_t{256});
  sched.run();
  // No virtual time passes: an answer that needed the request timeout
  // would not be here.
  auto reps = batch(r, {make_request(ns_op::lookup, far, "x"),
                        make_request(ns_op::lookup, near, "x")});
  REQUIRE(reps.size() == 2);
  CHECK(reps[0].code == errc::eunavailable);
  CHECK(reps[1].code == errc::enoent);
  caf::anon_send_exit(r, caf::exit_reason::user_shutdown);
}
