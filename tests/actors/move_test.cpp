// Moving a part of a directory between shards while requests keep coming,
// and routers whose placement cache is stale or missed a push.
#include "tests/actors/dir_fixture.hpp"
#include "tests/actors/slow_shard.hpp"

#include <map>
#include <set>

#include "model/namespace/name.hpp"

using namespace ds;
using namespace ds::test;

namespace {

const hash_range upper{uint64_t{1} << 63, ~uint64_t{0}};

/// The real metadata replica, except that subscriptions are ignored: a
/// router behind it never receives a push (every push is lost).
/// With `mute`, placement reads are never answered either (no quorum).
/// Commands of kind `lose` are never answered; with `apply_lost` they are
/// applied all the same (the answer is lost), without it they are lost.
metadata_actor::behavior_type deaf_metadata(metadata_actor::pointer self,
                                            metadata_actor real, bool mute,
                                            int lose, bool apply_lost) {
  return {
      [=](meta_atom a, meta_command& c) -> caf::result<meta_result> {
        if (kind_of(c) == lose) {
          if (apply_lost)
            self->request(real, caf::infinite, a, std::move(c))
                .then([](meta_result&) {});
          return self->make_response_promise<meta_result>();
        }
        return self->delegate(real, a, std::move(c));
      },
      [=](meta_batch_atom a, std::vector<meta_command>& cs) {
        return self->delegate(real, a, std::move(cs));
      },
      [=](cfg_get_atom a, std::string& k) {
        return self->delegate(real, a, std::move(k));
      },
      [=](cfg_get_many_atom a, std::vector<std::string>& ks) {
        return self->delegate(real, a, std::move(ks));
      },
      [=](cfg_list_atom a) { return self->delegate(real, a); },
      [=](place_get_atom a, inode_id d) -> caf::result<dir_placement> {
        if (mute)
          return self->make_response_promise<dir_placement>();
        return self->delegate(real, a, d);
      },
      [=](migrations_atom a) { return self->delegate(real, a); },
      [=](migrations_atom a, migration_query& q) {
        return self->delegate(real, a, std::move(q));
      },
      [=](psm_plannings_atom a, int64_t since) {
        return self->delegate(real, a, since);
      },
      [=](place_sub_atom, caf::actor_addr&) {},
      [=](raft_status_atom a) { return self->delegate(real, a); },
      [=](raft_atom, std::string&) {},
      [=](raft_peer_atom, uint64_t, caf::strong_actor_ptr&) {},
      [=](raft_tick_atom) {},
      [=](meta_flush_atom) {},
  };
}

/// The PSM's messages pass through a proxy shard unchanged; the proxy
/// never queues for capacity (the real shard keeps its own).
#define DS_PSM_PASSTHROUGH(self, real)                                         \
  [=](psm_tick_atom a, uint64_t slot) { self->send(real, a, slot); },          \
      [](capacity_atom) {}, [](park_atom) {},                                  \
      [=](psm_import_atom a, std::vector<psm_access>& xs) {                    \
        return self->delegate(real, a, std::move(xs));                         \
      }

/// The kind number of step `Step` in part_request.
template <class Step> uint8_t step_kind() {
  return kind_of(part_request{Step{}});
}

/// A shard as seen through a faulty link for one step: with `lose`, the
/// step of kind `kind` is lost both ways (the shard never hears it, the
/// sender never hears back: a source cut off at the worst moment);
/// otherwise it fails (EIO, the shard's storage failed). Everything else
/// passes through.
shard_actor::behavior_type faulty_step(shard_actor::pointer self,
                                       shard_actor real, uint8_t kind,
                                       bool lose) {
  return {
      [=](ns_atom a, std::vector<ns_request>& reqs) {
        return self->delegate(real, a, std::move(reqs));
      },
      [=](shards_atom a) { return self->delegate(real, a); },
      [=](part_atom a, part_request& req) -> caf::result<part_reply> {
        if (kind_of(req) == kind && lose)
          return self->make_response_promise<part_reply>();
        if (kind_of(req) == kind)
          return part_reply{errc::eio, {}, {}};
        return self->delegate(real, a, std::move(req));
      },
      DS_PSM_PASSTHROUGH(self, real),
  };
}

/// A guest that restarted and forgot where the parts it gave away went:
/// its EWRONGSHARD answers name no holder.
shard_actor::behavior_type forgetful(shard_actor::pointer self,
                                     shard_actor real) {
  return {
      [=](ns_atom a, std::vector<ns_request>& reqs) {
        auto rp = self->make_response_promise<std::vector<ns_reply>>();
        self->request(real, caf::infinite, a, std::move(reqs))
            .then(
                [rp](std::vector<ns_reply>& reps) mutable {
                  for (auto& r : reps)
                    if (r.code == errc::ewrongshard)
                      r.cookie.clear();
                  rp.deliver(std::move(reps));
                },
                [rp](caf::error& e) mutable { rp.deliver(e); });
        return rp;
      },
      [=](shards_atom a) { return self->delegate(real, a); },
      [=](part_atom a, part_request& req) {
        return self->delegate(real, a, std::move(req));
      },
      DS_PSM_PASSTHROUGH(self, real),
  };
}

struct move_fixture : dir_fixture {

  template <class Handle>
  meta_result move(const Handle& via, hash_range r, uint32_t to,
                   bool force = false) {
    meta_result out;
    out.code = errc::eio;
    auto rh = self->request(via, caf::infinite, move_atom::value,
                            move_request{dir, r, to, force});
    run_all();
    rh.receive([&](meta_result& m) { out = m; },
               [&](caf::error& e) { FAIL(sys.render(e)); });
    return out;
  }

  /// Another router, with `md` as its metadata store, over `via` (by
  /// default the same shards).
  router_actor extra_router(metadata_actor md,
                            std::vector<shard_actor> via = {}) {
    cluster_map cluster;
    REQUIRE(cluster_map::make({"test", "127.0.0.1", 1}, {}, 4, cluster) == "");
    auto r = sys.spawn(router_behavior, cluster, via.empty() ? shards : via, md,
                       caf::timespan{std::chrono::seconds(1)}, caf::timespan{0},
                       size_t{256});
    sched.run();
    return r;
  }

  /// Actors a test made; stopped at its end.
  template <class Handle> Handle keep(Handle h) {
    extras.push_back(caf::actor_cast<caf::actor>(h));
    return h;
  }

  /// A path request through the gateway, run until it is answered (paused
  /// retries included).
  ns_reply path_run(path_op op, std::string p) {
    return path(op, std::move(p), [this] { run_all(); });
  }

  /// A lookup of `name` in the directory through router `r`, run until it
  /// is answered.
  errc lookup_via(const router_actor& r, const std::string& name) {
    errc out = errc::eio;
    auto rh = self->request(
        r, caf::infinite, ns_atom::value,
        std::vector<ns_request>{make_request(ns_op::lookup, dir, name)});
    run_all();
    rh.receive([&](std::vector<ns_reply>& x) { out = x.at(0).code; },
               [&](caf::error& e) { FAIL(sys.render(e)); });
    return out;
  }

  /// A name not made by make_dir whose hash is in `r`.
  static std::string fresh_name(const hash_range& r) {
    for (int i = 0;; ++i)
      if (r.contains(name_hash("new" + std::to_string(i))))
        return "new" + std::to_string(i);
  }

  /// The router of member `node` of a two-member cluster of two shards each
  /// (shards 0-1 on "a", 2-3 on "b"), reaching the shards through `view`.
  /// It hears no placement pushes; its scan runs when it is sent resolve.
  router_actor node_router(uint32_t node, std::vector<shard_actor> view) {
    member a{"a", "127.0.0.1", 1};
    member b{"b", "127.0.0.1", 2};
    cluster_map cluster;
    REQUIRE(cluster_map::make(node == 0 ? a : b, {node == 0 ? b : a}, 2,
                              cluster) == "");
    auto md = keep(sys.spawn(deaf_metadata, metadata, false, -1, false));
    auto r = keep(sys.spawn(
        router_behavior, cluster,
        std::vector<shard_actor>{view[2 * node], view[2 * node + 1]}, md,
        caf::timespan{std::chrono::seconds(1)}, caf::timespan{0}, size_t{256}));
    uint32_t other = 1 - node;
    node_hello hello;
    hello.id = other == 0 ? "a" : "b";
    hello.fingerprint = cluster.fingerprint();
    hello.shards = {view[2 * other], view[2 * other + 1]};
    self->send(r, peer_atom::value, other, hello);
    sched.run();
    return r;
  }

  /// Two scans of router `r` (a part must be seen by both to be settled).
  void scan_twice(const router_actor& r) {
    for (int i = 0; i < 2; ++i) {
      self->send(r, resolve_atom::value);
      run_all();
    }
  }

  /// Sets a cluster setting through the gateway (no timer fires).
  errc set_config(const std::string& key, const std::string& value) {
    errc out = errc::eio;
    auto rh = self->request(gateway, caf::infinite, meta_atom::value,
                            meta_command{config_set{key, value, 0, false}});
    sched.run();
    REQUIRE_FALSE(self->mailbox().empty());
    rh.receive([&](meta_result& r) { out = r.code; },
               [&](caf::error& e) { FAIL(sys.render(e)); });
    return out;
  }

  /// Every migration record, from the metadata store.
  std::map<uint64_t, migration_record> records() {
    std::map<uint64_t, migration_record> out;
    auto rh = self->request(metadata, caf::infinite, migrations_atom::value);
    run_all();
    rh.receive(
        [&](std::vector<migration_record>& log) {
          for (auto& m : log)
            out[m.id] = m;
        },
        [&](caf::error& e) { FAIL(sys.render(e)); });
    return out;
  }

  /// Scans of the node's router over a move lease without progress: the
  /// first notes what it finds, the second comes after the lease, the
  /// third settles what the second decided.
  void scans_over_lease() {
    self->send(router, resolve_atom::value);
    run_all();
    sched.advance_time(std::chrono::seconds(16));
    for (int i = 0; i < 2; ++i) {
      self->send(router, resolve_atom::value);
      run_all();
    }
  }

  /// True if shard `s` serves reads of hash `h` of the directory.
  bool serves(uint32_t s, uint64_t h) {
    auto p = cores[s]->parts(dir);
    return p ? p->reads(h) : cores[s]->dag(dir) != nullptr;
  }

  /// The code of a lookup of `name` sent to shard `s` itself, run until it is
  /// answered (a request to a part changing hands there may be held a while).
  errc at_shard(uint32_t s, const std::string& name) {
    errc out = errc::eio;
    auto rh = self->request(
        shards[s], caf::infinite, ns_atom::value,
        std::vector<ns_request>{make_request(ns_op::lookup, dir, name)});
    run_all();
    rh.receive([&](std::vector<ns_reply>& x) { out = x.at(0).code; },
               [&](caf::error& e) { FAIL(sys.render(e)); });
    return out;
  }

  /// One of make_dir's files whose name hashes into the upper half.
  static std::string upper_name() {
    for (int i = 0;; ++i)
      if (upper.contains(name_hash("f" + std::to_string(i))))
        return "f" + std::to_string(i);
  }
};

} // namespace

TEST_CASE_FIXTURE(move_fixture,
                  "a part moves under load, no request fails, none is lost") {
  make_dir(200);
  auto to = (home + 1) % 4;
  // The move and 300 single requests, interleaved with its steps.
  auto mv = self->request(gateway, caf::infinite, move_atom::value,
                          move_request{dir, upper, to});
  using handle = decltype(self->request(gateway, caf::infinite,
                                        path_atom::value, path_request{}));
  std::vector<handle> sent;
  for (int i = 0; i < 300; ++i) {
    path_request req;
    req.op = i % 2 ? path_op::create : path_op::stat;
    req.path = "/hot/" + std::string(i % 2 ? "n" : "f") +
               std::to_string(i % 2 ? i : i % 200);
    sent.push_back(
        self->request(gateway, caf::infinite, path_atom::value, req));
    for (int k = 0; k < 2; ++k) // interleave with the move's steps
      sched.run_once();
  }
  run_all();
  meta_result moved;
  mv.receive([&](meta_result& m) { moved = m; },
             [&](caf::error& e) { FAIL(sys.render(e)); });
  REQUIRE(moved.code == errc::ok);
  CHECK(moved.epoch == 1);
  int got = 0;
  for (auto& rh : sent)
    rh.receive(
        [&](ns_reply& r) {
          CHECK(r.code == errc::ok); // neither EUNAVAILABLE nor EWRONGSHARD
          ++got;
        },
        [&](caf::error& e) { FAIL(sys.render(e)); });
  CHECK(got == 300);
  // Everything is where the placement says, and all of it is there.
  auto names = list_all();
  CHECK(names.size() == 200 + 150);
  for (int i = 0; i < 200; ++i)
    CHECK(path(path_op::stat, "/hot/f" + std::to_string(i)).code == errc::ok);
  auto out = cores[home]->stats();
  auto in = cores[to]->stats();
  CHECK(out.parts_out == 1);
  CHECK(in.parts_in == 1);
  CHECK(in.moved_in == out.moved_out);
  CHECK(in.moved_in > 50);
  for (auto& c : cores)
    CHECK(c->check() == "");
  // The requests met the move, mostly while the part was being copied (the
  // source served them); any that met the freeze were sent again.
  auto rs = stats_of(router);
  CHECK(rs.retries == rs.wrong_shard);
  CHECK(rs.pushes == 1);
}

TEST_CASE_FIXTURE(move_fixture,
                  "a part is copied in chunks while its source serves writes "
                  "to it, and the freeze hands over only what they changed") {
  make_dir(300);
  auto to = (home + 1) % 4;
  // A copy of many chunks, with creates and unlinks in the part in between.
  move_request m{dir, upper, to, false, 7};
  auto mv = self->request(gateway, caf::infinite, move_atom::value, m);
  std::set<std::string> want;
  for (int i = 0; i < 300; ++i)
    want.insert("f" + std::to_string(i));
  using handle = decltype(self->request(gateway, caf::infinite,
                                        path_atom::value, path_request{}));
  std::vector<std::pair<handle, std::string>> sent;
  for (int i = 0; i < 200; ++i) {
    path_request req;
    req.op = i % 4 == 3 ? path_op::unlink : path_op::create;
    req.path = "/hot/" + (req.op == path_op::unlink ? "f" + std::to_string(i)
                                                    : "c" + std::to_string(i));
    if (req.op == path_op::unlink)
      want.erase("f" + std::to_string(i));
    else
      want.insert("c" + std::to_string(i));
    sent.emplace_back(
        self->request(gateway, caf::infinite, path_atom::value, req), req.path);
    for (int k = 0; k < 3; ++k) // interleave with the copy's chunks
      sched.run_once();
  }
  run_all();
  meta_result moved;
  mv.receive([&](meta_result& r) { moved = r; },
             [&](caf::error& e) { FAIL(sys.render(e)); });
  REQUIRE(moved.code == errc::ok);
  for (auto& [rh, p] : sent)
    rh.receive(
        [&, p = p](ns_reply& r) { CHECK_MESSAGE(r.code == errc::ok, p); },
        [&](caf::error& e) { FAIL(sys.render(e)); });
  std::set<std::string> names;
  for (auto& n : list_all())
    names.insert(n.substr(n.rfind('/') + 1));
  CHECK(names == want);
  auto out = cores[home]->stats();
  auto in = cores[to]->stats();
  CHECK(in.moved_in == out.moved_out);
  CHECK(in.moved_in > 100);
  CHECK(cores[home]->copies() == 0);
  for (auto& c : cores)
    CHECK(c->check() == "");
  // Most writes to the part were served during the copy, not sent back:
  // only those in the short freeze met EWRONGSHARD.
  auto rs = stats_of(router);
  CHECK(rs.wrong_shard < 50);
}

TEST_CASE_FIXTURE(move_fixture, "a shard serves writes to a part it is "
                                "copying, and its freeze answers them") {
  make_dir(50);
  auto step = [&](part_request r) {
    part_reply out;
    auto rh = self->request(shards[home], caf::infinite, part_atom::value,
                            std::move(r));
    run_all();
    rh.receive([&](part_reply& x) { out = std::move(x); },
               [&](caf::error& e) { FAIL(sys.render(e)); });
    return out;
  };
  part_ref part{dir, upper, 77};
  auto first = step(part_copy{part, true, 0, "", 1000});
  REQUIRE(first.code == errc::ok);
  CHECK(first.eof);
  auto n = fresh_name(upper);
  CHECK(path_run(path_op::create, "/hot/" + n).code == errc::ok);
  auto delta = step(part_freeze{part});
  REQUIRE(delta.code == errc::ok);
  REQUIRE(delta.hashes.size() == 1);
  CHECK(delta.hashes[0] == name_hash(n));
  REQUIRE(delta.entries.size() == 1);
  CHECK(delta.entries[0].name == n);
  // Frozen: the write waits for the move (the router retries until its
  // deadline and then answers EUNAVAILABLE); a thaw ends it.
  CHECK(step(part_thaw{part}).code == errc::ok);
  CHECK(path_run(path_op::create, "/hot/" + n + "x").code == errc::ok);
  CHECK(cores[home]->copies() == 0);
}

TEST_CASE_FIXTURE(move_fixture,
                  "a router that missed a push is corrected by the shard") {
  make_dir(40);
  auto to = (home + 2) % 4;
  REQUIRE(move(gateway, upper, to).code == errc::ok);
  // A router that was not there for the push: its cache says "home".
  auto late = extra_router(metadata);
  auto moved_name = upper_name();
  auto r = batch(late, {make_request(ns_op::lookup, dir, moved_name)});
  CHECK(r.at(0).code == errc::ok);
  auto s1 = stats_of(late);
  CHECK(s1.wrong_shard == 1); // the home said so, and where the part went
  CHECK(s1.redirects == 1);
  CHECK(s1.refreshes == 0); // one redirect, no placement read
  CHECK(s1.retries == 1);
  // Now it knows: the next request goes straight to the part's shard.
  r = batch(late, {make_request(ns_op::lookup, dir, moved_name)});
  CHECK(r.at(0).code == errc::ok);
  CHECK(stats_of(late).wrong_shard == 1);
  CHECK(stats_of(late).cache_hits >= 2);
  // A second move (forced: within the quiet time) is pushed to it: still
  // no wrong shard.
  REQUIRE(move(gateway, upper, (to + 1) % 4, true).code == errc::ok);
  r = batch(late, {make_request(ns_op::lookup, dir, moved_name)});
  CHECK(r.at(0).code == errc::ok);
  auto s2 = stats_of(late);
  CHECK(s2.pushes == 1);
  CHECK(s2.wrong_shard == 1);
  // Moving it back home empties the other shards' records.
  REQUIRE(move(gateway, upper, home, true).code == errc::ok);
  CHECK(cores[home]->parts(dir) == nullptr);
  CHECK(list_all().size() == 40);
  caf::anon_send_exit(late, caf::exit_reason::user_shutdown);
}

TEST_CASE_FIXTURE(move_fixture,
                  "a stale cached placement is caught by the epoch check") {
  make_dir(40);
  auto deaf = sys.spawn(deaf_metadata, metadata, false, -1, false);
  auto r2 = extra_router(deaf);
  auto moved_name = upper_name();
  auto first = (home + 1) % 4;
  REQUIRE(move(gateway, upper, first).code == errc::ok);
  auto lookup = [&] {
    auto r = batch(r2, {make_request(ns_op::lookup, dir, moved_name)});
    run_all();
    return r.at(0).code;
  };
  CHECK(lookup() == errc::ok); // the home names `first`: one redirect
  CHECK(stats_of(r2).redirects == 1);
  CHECK(stats_of(r2).refreshes == 0);
  CHECK(lookup() == errc::ok); // from its cache
  CHECK(stats_of(r2).wrong_shard == 1);
  // The part moves on; the push to r2 is lost. Its cached entry is stale:
  // the old holder, a guest that remembers where the part went, answers
  // EWRONGSHARD naming the new holder and epoch, and r2 resends there
  // without reading the placement. Nothing stale is ever served.
  REQUIRE(move(gateway, upper, (home + 2) % 4, true).code == errc::ok);
  CHECK(lookup() == errc::ok);
  auto s = stats_of(r2);
  CHECK(s.pushes == 0);
  CHECK(s.wrong_shard == 2);
  CHECK(s.redirects == 2);
  CHECK(s.refreshes == 0);
  CHECK(s.retries == 2);
  // A create through the stale router lands where the part lives now.
  auto c = batch(r2, {make_request(ns_op::create, dir, "late-create")});
  CHECK(c.at(0).code == errc::ok);
  CHECK(path(path_op::stat, "/hot/late-create").code == errc::ok);
  caf::anon_send_exit(r2, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(deaf, caf::exit_reason::user_shutdown);
}

TEST_CASE_FIXTURE(move_fixture,
                  "without a placement to read, a router answers in time") {
  make_dir(40);
  // Moved on from its first holder, which then forgot where it went (a
  // restart): the home's redirect leads there, and only the placement
  // could tell more.
  auto first = (home + 1) % 4;
  REQUIRE(move(gateway, upper, first).code == errc::ok);
  REQUIRE(move(gateway, upper, (home + 2) % 4, true).code == errc::ok);
  auto mute = sys.spawn(deaf_metadata, metadata, true, -1, false);
  auto via = shards;
  via[first] = sys.spawn(forgetful, shards[first]);
  auto r3 = extra_router(mute, via);
  auto moved_name = upper_name();
  auto t0 = sched.clock().now();
  std::vector<ns_reply> out;
  auto rh = self->request(
      r3, caf::infinite, ns_atom::value,
      std::vector<ns_request>{make_request(ns_op::lookup, dir, moved_name)});
  run_all();
  rh.receive([&](std::vector<ns_reply>& r) { out = std::move(r); },
             [](caf::error&) {});
  REQUIRE(out.size() == 1);
  CHECK(out[0].code == errc::eunavailable); // never a stale answer
  CHECK(sched.clock().now() - t0 <= std::chrono::seconds(2));
  caf::anon_send_exit(r3, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(mute, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(via[first], caf::exit_reason::user_shutdown);
}

TEST_CASE_FIXTURE(move_fixture,
                  "a move whose destination fails is aborted and undone") {
  make_dir(60);
  // A destination that holds neither the directory nor the root.
  auto root_home = hash_ring{4}.home(root_ino);
  uint32_t to = 0;
  while (to == home || to == root_home)
    ++to;
  stores[to]->fail_next = true; // the import's commit fails
  auto m = move(gateway, upper, to);
  CHECK(m.code == errc::eio); // the destination could not store it
  // The log says aborted; the source serves the part again, writes too.
  CHECK(cores[home]->parts(dir) == nullptr);
  for (int i = 0; i < 60; ++i)
    CHECK(path(path_op::stat, "/hot/f" + std::to_string(i)).code == errc::ok);
  for (int i = 0; i < 20; ++i)
    CHECK(path(path_op::create, "/hot/g" + std::to_string(i)).code == errc::ok);
  CHECK(list_all().size() == 80);
  // Bad moves change nothing.
  CHECK(move(gateway, hash_range{1, 5}, to).code == errc::einval);
  CHECK(move(gateway, upper, 99).code == errc::einval);
  CHECK(move(gateway, upper, home).code == errc::eexist);
}

TEST_CASE_FIXTURE(move_fixture,
                  "a committed move whose release is lost is not activated") {
  make_dir(40);
  auto to = (home + 1) % 4;
  // The driver reaches the source through a link that loses `release`.
  auto via = shards;
  via[home] = keep(
      sys.spawn(faulty_step, shards[home], step_kind<part_release>(), true));
  auto driver = keep(extra_router(metadata, via));
  auto m = move(driver, upper, to);
  CHECK(m.code == errc::eunavailable); // committed, not finished
  // The source never heard the release, so it still serves reads of the
  // part; the destination must not serve it yet.
  auto h = name_hash(upper_name());
  CHECK(serves(home, h));
  CHECK_FALSE(serves(to, h));
  CHECK(at_shard(to, upper_name()) == errc::ewrongshard);
  // A create in the part through the gateway (whose router was told of the
  // move), then a lookup through a router with no cache (it asks the home,
  // the source): an acknowledged create is never answered ENOENT.
  auto name = fresh_name(upper);
  auto created = path_run(path_op::create, "/hot/" + name);
  auto cold = keep(extra_router(metadata));
  auto seen = lookup_via(cold, name);
  CHECK_FALSE((created.code == errc::ok && seen == errc::enoent));
  CHECK(created.code != errc::ok); // writes wait for the release
  // The scan of the node finishes it: release first, then activate.
  scan_twice(router);
  CHECK_FALSE(serves(home, h));
  CHECK(serves(to, h));
  CHECK(at_shard(home, upper_name()) == errc::ewrongshard);
  REQUIRE(path_run(path_op::create, "/hot/" + name).code == errc::ok);
  auto later = keep(extra_router(metadata));
  CHECK(lookup_via(later, name) == errc::ok);
  CHECK(list_all().size() == 41);
}

TEST_CASE_FIXTURE(move_fixture, "a move whose freeze is never durable at "
                                "the source is aborted, not committed") {
  make_dir(40);
  auto to = (home + 1) % 4;
  // The freeze is answered at once and the destination stores its delta
  // meanwhile; the source's commit of the freeze (its next commit) fails,
  // and the shard stops. The move must not commit on the delta alone.
  stores[home]->fail_next = true;
  auto m = move(gateway, upper, to);
  CHECK(m.code != errc::ok);
  REQUIRE(m.migration != 0);
  CHECK(records().at(m.migration).state == migration_record::aborted);
  CHECK_FALSE(serves(to, name_hash(upper_name())));
  CHECK(cores[to]->unresolved().empty()); // the copy was discarded
}

namespace {

/// A move whose driver died after the destination stored the part: the
/// source is left exporting, the destination pending. With `commit`, the
/// log had recorded the commit before the driver died.
struct orphan_fixture : move_fixture {
  uint32_t to = 0;
  uint64_t id = 0;

  meta_result meta(meta_command c) {
    meta_result out;
    auto rh = self->request(metadata, caf::infinite, meta_atom::value, c);
    run_all();
    rh.receive([&](meta_result& r) { out = r; }, [](caf::error&) {});
    return out;
  }

  part_reply step(uint32_t shard, part_request p) {
    part_reply out;
    auto rh = self->request(shards[shard], caf::infinite, part_atom::value, p);
    run_all();
    rh.receive([&](part_reply& r) { out = std::move(r); }, [](caf::error&) {});
    return out;
  }

  /// The steps up to the commit (included if `commit`), by hand, to the
  /// shard `hop` places after the home; then nobody drives it.
  void half_done(bool commit, uint32_t hop = 1) {
    make_dir(50);
    to = (home + hop) % 4;
    id =
        meta(migration_begin{dir, upper, home, to, "gone", 0, false}).migration;
    REQUIRE(id != 0);
    part_ref part{dir, upper, id};
    auto ex = step(home, part_begin_export{part});
    REQUIRE(ex.code == errc::ok);
    REQUIRE(step(to, part_import{part, ex.entries}).code == errc::ok);
    if (commit) {
      REQUIRE(meta(migration_commit{id}).code == errc::ok);
    }
  }

  void orphan(bool commit) {
    half_done(commit);
    // The driver is gone. One scan only notes what it finds.
    self->send(router, resolve_atom::value);
    run_all();
    REQUIRE(cores[home]->unresolved().size() == 1);
    REQUIRE(cores[to]->unresolved().size() == 1);
    if (!commit) {
      // Started: a second scan soon after does not abort it (its driver
      // may be slow); once a lease passed without progress, one does.
      self->send(router, resolve_atom::value);
      run_all();
      CHECK(records().at(id).state == migration_record::started);
      CHECK(cores[home]->unresolved().size() == 1);
      sched.advance_time(std::chrono::seconds(16));
    }
    self->send(router, resolve_atom::value); // this one settles
    run_all();
    CHECK(cores[home]->unresolved().empty());
    CHECK(cores[to]->unresolved().empty());
  }
};

} // namespace

TEST_CASE_FIXTURE(orphan_fixture,
                  "a move left half done before its commit is rolled back") {
  orphan(false);
  CHECK(cores[home]->parts(dir) == nullptr); // writes served again
  auto copy = cores[to]->dag(dir);
  CHECK((copy == nullptr || copy->size() == 0)); // the copy is gone
  CHECK(path(path_op::create, "/hot/after").code == errc::ok);
  CHECK(list_all().size() == 51);
}

TEST_CASE_FIXTURE(orphan_fixture,
                  "a move left half done after its commit is finished") {
  orphan(true);
  CHECK(cores[home]->stats().parts_out == 1);
  CHECK(cores[to]->stats().parts_in == 1);
  for (int i = 0; i < 50; ++i)
    CHECK(path(path_op::stat, "/hot/f" + std::to_string(i)).code == errc::ok);
  CHECK(list_all().size() == 50);
}

TEST_CASE_FIXTURE(orphan_fixture,
                  "a destination's node does not activate a part its source "
                  "has not released") {
  half_done(true, 2); // the source and the destination on different members
  auto h = name_hash(upper_name());
  // The destination's node reaches the source through a link that loses
  // `release`: its scan must leave the part pending.
  auto view = shards;
  view[home] = keep(
      sys.spawn(faulty_step, shards[home], step_kind<part_release>(), true));
  scan_twice(node_router(to / 2, view));
  CHECK(serves(home, h));
  CHECK_FALSE(serves(to, h));
  CHECK(cores[to]->unresolved().size() == 1);
  // With the link healed, the same node's scan releases, then activates.
  scan_twice(node_router(to / 2, shards));
  CHECK(cores[home]->unresolved().empty());
  CHECK(cores[to]->unresolved().empty());
  CHECK_FALSE(serves(home, h));
  CHECK(serves(to, h));
  CHECK(list_all().size() == 50);
}

namespace {

/// A move that no driver owns any more, left in one of the ways the
/// metadata store can hear of a begin and then nothing.
struct ownerless_fixture : move_fixture {
  uint32_t to = 0;

  /// Nothing may stay started without an owner: after a lease without
  /// progress the scan aborts it, and the part can move again.
  void check_settled() {
    auto before = records();
    REQUIRE(before.size() == 1);
    auto id = before.begin()->first;
    REQUIRE(before.at(id).state == migration_record::started);
    CHECK(move(gateway, upper, to).code == errc::ebusy); // it is in the way
    scans_over_lease();
    CHECK(records().at(id).state == migration_record::aborted);
    CHECK(cores[home]->parts(dir) == nullptr); // writes served again
    CHECK(path_run(path_op::create, "/hot/" + fresh_name(upper)).code ==
          errc::ok);
    CHECK(move(gateway, upper, to).code == errc::ok);
    CHECK(list_all().size() == 31);
  }
};

} // namespace

TEST_CASE_FIXTURE(ownerless_fixture,
                  "a begin whose answer was lost does not stay started") {
  make_dir(30);
  to = (home + 1) % 4;
  // The entry commits, its answer never reaches the driver (say the
  // leader changed): the driver gives up without knowing the id.
  auto lossy = keep(sys.spawn(deaf_metadata, metadata, false, 1, true));
  auto driver = keep(extra_router(lossy));
  CHECK(move(driver, upper, to).code == errc::eunavailable);
  check_settled();
}

TEST_CASE_FIXTURE(ownerless_fixture,
                  "a begin whose driver died before the export does not "
                  "stay started") {
  make_dir(30);
  to = (home + 1) % 4;
  meta_result r;
  auto rh = self->request(
      metadata, caf::infinite, meta_atom::value,
      meta_command{migration_begin{dir, upper, home, to, "gone", 0, false}});
  run_all();
  rh.receive([&](meta_result& x) { r = x; }, [](caf::error&) {});
  REQUIRE(r.code == errc::ok); // and then its node died
  check_settled();
}

TEST_CASE_FIXTURE(ownerless_fixture,
                  "a move whose export and then abort failed does not stay "
                  "started") {
  make_dir(30);
  to = (home + 1) % 4;
  auto lossy =
      keep(sys.spawn(deaf_metadata, metadata, false, 3, false)); // aborts
  auto via = shards;
  via[home] =
      keep(sys.spawn(faulty_step, shards[home], step_kind<part_copy>(), false));
  auto driver = keep(extra_router(lossy, via));
  CHECK(move(driver, upper, to).code == errc::eunavailable);
  check_settled();
}

TEST_CASE_FIXTURE(move_fixture,
                  "a slow move whose driver is alive is not aborted") {
  make_dir(40);
  auto to = (home + 1) % 4;
  // The destination takes 6 s to store each chunk of 4 entries (the move
  // takes well over a lease); the node's scan runs every 5 s meanwhile and
  // sees the destination's pending copy all along.
  auto via = shards;
  via[to] = caf::actor_cast<shard_actor>(keep(sys.spawn(
      slow_import, shards[to], caf::timespan{std::chrono::seconds(6)})));
  auto driver = keep(extra_router(metadata, via));
  auto rh = self->request(driver, caf::infinite, move_atom::value,
                          move_request{dir, upper, to, false, 4});
  size_t scans_met_it = 0;
  for (int t = 0; t < 60; ++t) {
    sched.run();
    if (t % 5 == 0) {
      scans_met_it += !cores[to]->unresolved().empty();
      self->send(router, resolve_atom::value);
      sched.run();
    }
    sched.advance_time(std::chrono::seconds(1));
  }
  run_all();
  meta_result m;
  rh.receive([&](meta_result& x) { m = x; },
             [&](caf::error& e) { FAIL(sys.render(e)); });
  CHECK(scans_met_it >= 6);
  CHECK(m.code == errc::ok);
  auto rec = records().at(m.migration);
  CHECK(rec.state == migration_record::committed);
  CHECK(rec.progress >= 7); // renewed every 5 s
  CHECK(serves(to, name_hash(upper_name())));
  CHECK(list_all().size() == 40);
}

TEST_CASE_FIXTURE(move_fixture,
                  "a part that moved waits out the quiet time unless forced") {
  make_dir(20);
  auto to = (home + 1) % 4;
  // Moves here are run without firing timers: the virtual clock moves
  // only when the test says (a stale request timeout would jump it).
  auto move_at_once = [&](uint32_t dest, bool force) {
    meta_result out;
    out.code = errc::eio;
    auto rh = self->request(gateway, caf::infinite, move_atom::value,
                            move_request{dir, upper, dest, force});
    sched.run();
    REQUIRE_FALSE(self->mailbox().empty()); // answered without a timer
    rh.receive([&](meta_result& m) { out = m; },
               [&](caf::error& e) { FAIL(sys.render(e)); });
    return out;
  };
  REQUIRE(move_at_once(to, false).code == errc::ok);
  sched.advance_time(std::chrono::seconds(30));
  auto again = move_at_once(home, false);
  CHECK(again.code == errc::ebusy);
  CHECK(again.detail.find("moved 30 s ago") != std::string::npos);
  CHECK(again.detail.find("move-quiet-time is 60 s") != std::string::npos);
  CHECK(records().size() == 1);                     // refused: nothing recorded
  CHECK(move_at_once(home, true).code == errc::ok); // forced
  // The quiet time is the cluster setting's, measured by the proposers'
  // clocks: after it, the part moves again without force.
  REQUIRE(set_config("move-quiet-time", "10s") == errc::ok);
  CHECK(set_config("move-quiet-time", "later") == errc::einval);
  auto t0 = sched.clock().now();
  sched.advance_time(std::chrono::seconds(9));
  CHECK(move_at_once(to, false).code == errc::ebusy);
  sched.advance_time(std::chrono::seconds(2));
  CHECK(move_at_once(to, false).code == errc::ok);
  CHECK(sched.clock().now() - t0 == std::chrono::seconds(11));
  CHECK(list_all().size() == 20);
}
