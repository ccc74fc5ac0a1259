// A node's actors on CAF's test coordinator: shards on memory stores (or a
// store that fails on demand), a router, a gateway; virtual time only.
#pragma once

#include "tests/actors/caf_doctest.hpp"

#include <functional>
#include <memory>
#include <vector>

#include "actors/gateway.hpp"
#include "actors/meta_replica.hpp"
#include "actors/router/router.hpp"
#include "actors/shard.hpp"

namespace ds::test {

/// A memory store whose next commit can be made to fail.
class faulty_store : public shard_store {
public:
  faulty_store() : inner_(make_memory_shard_store()) {}
  loaded_shard load() override { return inner_->load(); }
  void commit(const commit_batch& b) override {
    if (fail_next)
      throw sql::storage_error("injected fsync failure");
    inner_->commit(b);
  }
  uint64_t commits() const override { return inner_->commits(); }
  void apply_group(const std::vector<commit_batch>& batches,
                   uint64_t applied) override {
    if (fail_next)
      throw sql::storage_error("injected fsync failure");
    inner_->apply_group(batches, applied);
  }
  void install(const commit_batch& whole, uint64_t applied) override {
    if (fail_next)
      throw sql::storage_error("injected fsync failure");
    inner_->install(whole, applied);
  }
  uint64_t applied() override { return inner_->applied(); }
  bool fail_next = false;

private:
  std::unique_ptr<shard_store> inner_;
};

struct ns_config : caf::actor_system_config {
  ns_config() { add_ns_message_types(*this); }
};

struct node_fixture : test_coordinator_fixture<ns_config> {
  std::vector<std::shared_ptr<faulty_store>> stores;
  std::vector<std::shared_ptr<ns_shard>> cores;
  std::vector<shard_actor> shards;
  std::vector<committer_actor> committers;
  router_actor router;
  gateway_actor gateway;
  metadata_actor metadata;

  /// `n` shards; the router caches up to `dir_cache` directory lookups.
  explicit node_fixture(uint32_t n = 4, size_t dir_cache = 256) {
    for (uint32_t i = 0; i < n; ++i) {
      stores.push_back(std::make_shared<faulty_store>());
      ns_shard_config cfg;
      cfg.dag.list_capacity = 8;
      cores.push_back(std::make_shared<ns_shard>(i, cfg));
      committers.push_back(sys.spawn(
          committer_behavior, std::shared_ptr<shard_store>{stores.back()}));
      shards.push_back(
          sys.spawn(shard_behavior, cores.back(), committers.back()));
    }
    cluster_map cluster;
    REQUIRE(cluster_map::make({"test", "127.0.0.1", 1}, {}, n, cluster) == "");
    metadata = sys.spawn(meta_replica_behavior,
                         std::shared_ptr<raft_store>{make_memory_raft_store()},
                         meta_replica_options{});
    router = sys.spawn(router_behavior, cluster, shards, metadata,
                       caf::timespan{std::chrono::seconds(1)}, caf::timespan{0},
                       dir_cache);
    gateway =
        sys.spawn(gateway_behavior, router, peers_actor{}, cluster, shards,
                  metadata, std::string{"test"}, psm_planner_actor{},
                  psm_forecaster_actor{}, uint64_t{0});
    sched.run();
  }

  ~node_fixture() {
    for (auto& s : shards)
      caf::anon_send_exit(s, caf::exit_reason::user_shutdown);
    for (auto& c : committers)
      caf::anon_send_exit(c, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(router, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(gateway, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(metadata, caf::exit_reason::user_shutdown);
    sched.run();
  }

  /// Sends a path request to the gateway, runs everything (by `run`, if
  /// given: timers too, say), returns the reply.
  ns_reply path(path_op op, std::string p, std::function<void()> run = {}) {
    path_request req;
    req.op = op;
    req.path = std::move(p);
    ns_reply out;
    out.code = errc::eio;
    auto rh = self->request(gateway, caf::infinite, path_atom::value, req);
    if (run)
      run();
    else
      sched.run();
    rh.receive(
        [&](ns_reply& r) { out = std::move(r); },
        [&](caf::error& e) { FAIL("path request failed: " << sys.render(e)); });
    return out;
  }

  /// Sends a handle batch to `dst`, runs everything, returns the replies.
  template <class Handle>
  std::vector<ns_reply> batch(const Handle& dst, std::vector<ns_request> reqs) {
    std::vector<ns_reply> out;
    auto rh =
        self->request(dst, caf::infinite, ns_atom::value, std::move(reqs));
    sched.run();
    rh.receive([&](std::vector<ns_reply>& r) { out = std::move(r); },
               [&](caf::error& e) { FAIL("batch failed: " << sys.render(e)); });
    return out;
  }
};

} // namespace ds::test
