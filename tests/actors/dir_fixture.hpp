// A node's actors (fixture.hpp) with one directory, /hot, to move parts of,
// and a way to run until everything, timers included, is done.
#pragma once

#include "tests/actors/fixture.hpp"

#include <set>
#include <string>

#include "model/meta/placement.hpp"

namespace ds::test {

struct dir_fixture : node_fixture {
  inode_id dir = 0;
  uint32_t home = 0; ///< the home shard of /hot

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
