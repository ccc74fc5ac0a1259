// A node's actors (fixture.hpp) with one directory, /hot, to move parts of,
// and a way to run until everything, timers included, is done.
#pragma once

#include "tests/actors/fixture.hpp"

#include <set>
#include <string>
#include <vector>

#include "model/meta/placement.hpp"
#include "model/namespace/name.hpp"

namespace ds::test {

struct dir_fixture : node_fixture {
  inode_id dir = 0;
  uint32_t home = 0; ///< the home shard of /hot
  /// Actors a test spawned beside the node's (proxies, routers): stopped
  /// at the end.
  std::vector<caf::actor> extras;

  ~dir_fixture() {
    for (auto& a : extras)
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    sched.run();
  }

  /// Runs until nothing is left, pauses included (virtual time).
  void run_all() {
    for (int i = 0; i < 100000; ++i) {
      sched.run();
      if (!sched.trigger_timeout())
        return;
    }
    FAIL("the system never became idle");
  }

  /// Router `r`'s counters.
  router_stats stats_of(const router_actor& r) {
    router_stats out;
    auto rh = self->request(r, caf::infinite, router_stats_atom::value);
    sched.run();
    rh.receive([&](router_stats& s) { out = s; }, [](caf::error&) {});
    return out;
  }

  /// Moves part `r` of /hot to shard `to` through router `via` (a copy in
  /// chunks of `chunk`, 0: the router's), running until all is done.
  meta_result move_via(const router_actor& via, hash_range r, uint32_t to,
                       uint32_t chunk = 0) {
    meta_result out;
    out.code = errc::eio;
    auto rh = self->request(via, caf::infinite, move_atom::value,
                            move_request{dir, r, to, false, chunk});
    run_all();
    rh.receive([&](meta_result& m) { out = m; },
               [&](caf::error& e) { FAIL(sys.render(e)); });
    return out;
  }

  /// How many of f0 .. f(files - 1) fall in part `r`.
  static size_t files_in(hash_range r, int files) {
    size_t n = 0;
    for (int i = 0; i < files; ++i)
      n += r.contains(name_hash("f" + std::to_string(i)));
    return n;
  }

  /// Every name of /hot, through the gateway, each listed once.
  std::set<std::string> list_all() {
    std::set<std::string> names;
    path_request req;
    req.op = path_op::readdir;
    req.path = "/hot";
    req.max_entries = 50;
    for (;;) {
      ns_reply out;
      auto rh = self->request(gateway, caf::infinite, path_atom::value, req);
      run_all();
      rh.receive([&](ns_reply& r) { out = std::move(r); }, [](caf::error&) {});
      REQUIRE(out.code == errc::ok);
      for (auto& e : out.entries)
        CHECK(names.insert(e.name).second); // each name once
      if (out.eof)
        return names;
      req.cookie = out.cookie;
    }
  }

  /// Makes /hot with `files` files f0, f1, ...
  void make_dir(int files) {
    REQUIRE(path(path_op::mkdir, "/hot").code == errc::ok);
    dir = path(path_op::stat, "/hot").a.ino;
    home = hash_ring{static_cast<uint32_t>(shards.size())}.home(dir);
    for (int i = 0; i < files; ++i)
      REQUIRE(path(path_op::create, "/hot/f" + std::to_string(i)).code ==
              errc::ok);
  }
};

} // namespace ds::test
