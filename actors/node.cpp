#include "actors/node.hpp"

#include "actors/psm/planner.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <memory>

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include "actors/gateway.hpp"
#include "actors/guard/tls.hpp"
#include "actors/member_gate.hpp"
#include "actors/meta_replica.hpp"
#include "actors/peers.hpp"
#include "actors/psm/forecaster.hpp"
#include "actors/router/router.hpp"
#include "actors/shard.hpp"

namespace ds {

namespace {

void make_dirs(const std::string& path) {
  std::string cur;
  for (size_t i = 0; i <= path.size(); ++i) {
    if (i == path.size() || path[i] == '/') {
      if (!cur.empty() && ::mkdir(cur.c_str(), 0755) != 0 && errno != EEXIST)
        throw node_error("cannot create " + cur + ": " + std::strerror(errno));
    }
    if (i < path.size())
      cur += path[i];
  }
}

/// An exclusive lock on the data folder: two nodes must never share it.
int lock_data_dir(const std::string& dir) {
  auto path = dir + "/LOCK";
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0)
    throw node_error("cannot open " + path + ": " + std::strerror(errno));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    throw node_error(dir + " is in use by another dagshard node");
  }
  return fd;
}

/// Refuses a folder holding shard files beyond the configured count.
void check_extra_shards(const std::string& dir, uint32_t count) {
  auto d = ::opendir(dir.c_str());
  if (!d)
    throw node_error("cannot read " + dir + ": " + std::strerror(errno));
  std::unique_ptr<DIR, int (*)(DIR*)> guard{d, ::closedir};
  while (auto e = ::readdir(d)) {
    unsigned n = 0;
    char tail = 0;
    if (std::sscanf(e->d_name, "shard-%u.d%c", &n, &tail) == 2 && tail == 'b' &&
        n >= count)
      throw node_error(dir + " holds " + e->d_name +
                       ", but this node is configured with " +
                       std::to_string(count) + " shards");
  }
}

} // namespace

namespace {

/// Opens, checks and restores every local shard; throws node_error.
void open_shards(const node_options& opts, const cluster_map& cluster,
                 std::vector<std::shared_ptr<ns_shard>>& cores,
                 std::vector<std::shared_ptr<shard_store>>& stores) {
  for (uint32_t i = 0; i < opts.shards; ++i) {
    auto path = opts.data_dir + "/shard-" + std::to_string(i) + ".db";
    auto id = cluster.global_shard(cluster.self_index(), i);
    try {
      auto st = open_sqlite_shard_store(path, {id, cluster.total_shards()},
                                        opts.sync);
      auto loaded = st->load();
      auto core = std::make_shared<ns_shard>(id, opts.ns);
      auto err = core->restore(
          std::move(loaded.nodes), std::move(loaded.entries),
          std::move(loaded.dead), loaded.next_seq, loaded.next_row,
          std::move(loaded.parts), std::move(loaded.requests));
      if (!err.empty())
        throw node_error(path + ": " + err);
      cores.push_back(std::move(core));
      stores.push_back(std::move(st));
    } catch (const sql::storage_error& e) {
      throw node_error(e.what());
    }
  }
}

/// Every node runs a planner; it plans only beside the metadata leader.
psm_planner_actor spawn_planner(caf::actor_system& sys,
                                const node_options& opts,
                                const cluster_map& cluster,
                                const node_handles& h) {
  psm_planner_options po;
  po.default_policy = opts.psm_policy;
  po.node = opts.node_id;
  po.shards = cluster.total_shards();
  po.timeout = opts.request_timeout;
  // Plans once per forecast period, over the forecasters' horizon.
  po.period = opts.psm_period;
  po.slot_seconds = opts.psm_slot;
  po.horizon = opts.psm_horizon;
  po.period_slots =
      static_cast<int64_t>(psm_period_slots(opts.psm_period, opts.psm_slot));
  // Rates of the last periods: the reactive floor, two periods of
  // reactive-load, the cold periods before a consolidation.
  po.recent_slots =
      static_cast<uint64_t>(std::max<int64_t>(64, 8 * po.period_slots));
  return sys.spawn(psm_planner_behavior, h.router, h.metadata, po);
}

/// The PSM forecaster over psm.db in the data folder, detached.
psm_forecaster_actor start_forecaster(caf::actor_system& sys,
                                      const node_options& opts,
                                      const cluster_map& cluster) {
  psm_forecaster_options fo;
  if (cluster.replicas() > 1) {
    fo.self_member = cluster.self_index();
    for (uint32_t s = 0; s < cluster.total_shards(); ++s)
      fo.home_of.push_back(cluster.node_of(s));
  }
  fo.period = opts.psm_period;
  fo.slot_seconds = opts.psm_slot;
  fo.tiers.period = static_cast<int>(opts.psm_season);
  fo.tiers.horizon = static_cast<int>(opts.psm_horizon);
  fo.tiers.threshold = opts.psm_threshold;
  // Two seasons at least, so that the seasonal models see one repeat.
  fo.max_slots = std::max<std::uint64_t>(fo.max_slots, 2 * opts.psm_season);
  try {
    std::shared_ptr<psm_history::history_store> store =
        psm_history::open_sqlite_history_store(opts.data_dir + "/psm.db");
    return spawn_forecaster(sys, std::move(store), fo);
  } catch (const sql::storage_error& e) {
    throw node_error(e.what());
  }
}

/// How the node's shards count for the PSM.
shard_psm_options shard_psm(const node_options& opts,
                            const psm_forecaster_actor& forecaster) {
  shard_psm_options o;
  o.forecaster = forecaster;
  o.slot_seconds = opts.psm_slot;
  o.count = opts.psm_count;
  return o;
}

/// A node id as a BASP handshake carries it, or none.
caf::node_id decode_node(caf::actor_system& sys, const std::string& bytes) {
  caf::node_id id;
  caf::binary_deserializer src{sys, bytes.data(), bytes.size()};
  if (src(id))
    return caf::node_id{};
  return id;
}

/// The node's guard (actors/guard/): the connections of its port and those
/// it opens to its peers cross it. With tls, over mutual TLS whose
/// certificates tell members from consoles: the member gate then knows a
/// member by its certificate, not by what it says it is.
void spawn_guard(caf::actor_system& sys, const node_options& opts,
                 const cluster_map& cluster, node_handles& h) {
  guard::guard_options go;
  go.max_payload = opts.max_message_bytes;
  go.handshake_timeout = opts.handshake_timeout;
  h.guard_meters = go.meters;
  if (opts.tls) {
    auto& cfg = sys.config();
    std::string err;
    go.tls = guard::tls_context::make(cfg.openssl_certificate, cfg.openssl_key,
                                      cfg.openssl_cafile, err);
    if (!go.tls)
      throw node_error(err);
    std::vector<std::string> ids;
    for (auto& m : cluster.members())
      ids.push_back(m.id);
    h.gate->require_certificates(std::move(ids));
    std::weak_ptr<member_gate> gate = h.gate;
    go.on_greet = [&sys, gate](const std::string& bytes,
                               const guard::peer_certificate& cert) {
      auto g = gate.lock();
      auto id = decode_node(sys, bytes);
      return g && id && g->bind(id, cert.id);
    };
    go.on_close = [&sys, gate](const std::string& bytes) {
      if (auto g = gate.lock())
        if (auto id = decode_node(sys, bytes))
          g->unbind(id);
    };
  }
  h.guard = guard::spawn_guarded_middleman(sys, std::move(go));
}

} // namespace

node_handles start_node(caf::actor_system& sys, const node_options& opts,
                        bool publish) {
  cluster_map cluster;
  if (auto err =
          cluster_map::make({opts.node_id, opts.bind, opts.port}, opts.peers,
                            opts.shards, cluster, opts.replicas);
      !err.empty())
    throw node_error(err);
  node_handles h;
  make_dirs(opts.data_dir);
  // Before any actor exists: every internal actor consults it.
  h.gate = std::make_shared<member_gate>();
  set_gate(sys, h.gate);
  h.lock_fd = lock_data_dir(opts.data_dir);
  try {
    check_extra_shards(opts.data_dir, opts.shards);
    // Open and check every file before spawning anything.
    std::vector<std::shared_ptr<ns_shard>> cores;
    std::vector<std::shared_ptr<shard_store>> stores;
    if (cluster.replicas() == 1)
      open_shards(opts, cluster, cores, stores);
    h.forecaster = start_forecaster(sys, opts, cluster);
    if (cluster.replicas() > 1) {
      try {
        start_groups(sys, opts, cluster, h.forecaster, h);
      } catch (...) {
        stop_node(sys, h);
        throw;
      }
    }
    for (uint32_t i = 0; i < cores.size(); ++i) {
      h.committers.push_back(
          sys.spawn<caf::detached>(committer_behavior, stores[i]));
      h.meters.push_back(std::make_shared<shard_meters>());
      h.shards.push_back(
          sys.spawn(metered_shard_behavior, cores[i], h.committers.back(),
                    h.meters.back(), shard_psm(opts, h.forecaster),
                    shard_capacity_options{opts.shard_capacity, 0, {}}));
    }
    // Every member runs one replica of the metadata Raft group.
    try {
      raft_identity who{cluster.fingerprint(), cluster.self_index() + 1ull,
                        "meta"};
      std::shared_ptr<raft_store> rs =
          open_sqlite_raft_store(opts.data_dir + "/raft.db", who, opts.sync);
      if (auto why = check_meta_store(*rs); !why.empty()) {
        stop_node(sys, h);
        throw node_error(opts.data_dir + "/raft.db is damaged: " + why);
      }
      meta_replica_options ro;
      ro.id = who.node;
      ro.voters.clear();
      for (uint64_t i = 1; i <= cluster.members().size(); ++i)
        ro.voters.push_back(i);
      ro.seed = cluster.fingerprint();
      ro.meters = h.raft_meters = std::make_shared<ds::raft_meters>();
      h.metadata = sys.spawn<caf::detached>(meta_replica_behavior, rs, ro);
    } catch (const sql::storage_error& e) {
      stop_node(sys, h);
      throw node_error(e.what());
    }
    h.router =
        sys.spawn(router_with_history, cluster, h.shards, h.metadata,
                  opts.request_timeout, caf::timespan{std::chrono::seconds(5)},
                  opts.dir_cache_entries, opts.history, opts.move_copy_rate);
    caf::anon_send(h.router, psm_fcaster_atom::value, h.forecaster);
    if (h.groups)
      caf::anon_send(h.router, group_local_atom::value, h.groups, h.replicas);
    if (publish) {
      try {
        spawn_guard(sys, opts, cluster, h);
      } catch (...) {
        stop_node(sys, h);
        throw;
      }
    }
    if (!opts.peers.empty())
      h.peers = sys.spawn(peers_behavior, cluster, h.router, h.guard);
    std::string address = publish ? opts.bind + ":" + std::to_string(opts.port)
                                  : std::string{"in-process"};
    h.planner = spawn_planner(sys, opts, cluster, h);
    h.gateway = sys.spawn(gateway_behavior, h.router, h.peers, cluster,
                          h.shards, h.metadata, address, h.planner,
                          h.forecaster, opts.max_pending_bytes);
    // Before the port opens: a peer that greets the gateway at once must get
    // the Raft host and the replicas in the hello (without them it would
    // take this node for one without shard groups until they meet again).
    // (From a local sender: the gateway takes these from its own node only.)
    if (h.groups) {
      caf::scoped_actor self{sys};
      self->send(h.gateway, group_local_atom::value, h.groups, h.replicas);
    }
    if (publish) {
      auto port = guard::publish_guarded(
          sys, h.guard, caf::actor_cast<caf::strong_actor_ptr>(h.gateway),
          sys.message_types(h.gateway), opts.port, opts.bind);
      if (!port) {
        stop_node(sys, h);
        throw node_error("cannot listen on " + address + ": " +
                         sys.render(port.error()));
      }
      h.port = *port;
      caf::scoped_actor self{sys};
      self->send(h.gateway, node_atom::value,
                 opts.bind + ":" + std::to_string(h.port));
    }
  } catch (...) {
    if (gate_of(sys) == h.gate)
      set_gate(sys, nullptr);
    if (h.lock_fd >= 0) {
      ::close(h.lock_fd);
      h.lock_fd = -1;
    }
    throw;
  }
  return h;
}

void stop_node(caf::actor_system& sys, node_handles& h) {
  // Close the port, end the guard's middleman actor.
  if (h.guard)
    guard::stop_guarded_middleman(sys, h.guard, h.gateway.address(), h.port);
  h.port = 0;
  auto stop = [](const auto& hdl) {
    if (hdl)
      caf::anon_send_exit(hdl, caf::exit_reason::user_shutdown);
  };
  stop(h.gateway);
  stop(h.planner);
  stop(h.peers);
  stop(h.router);
  for (auto& s : h.shards)
    stop(s);
  for (auto& s : h.replicas)
    stop(s);
  stop(h.groups);
  for (auto& c : h.committers)
    stop(c);
  stop(h.metadata);
  stop(h.forecaster);
  // Wait until every committer has closed its database before releasing the
  // folder: a node restarted in the same process must not share a file.
  caf::scoped_actor self{sys};
  for (auto& s : h.shards)
    self->wait_for(s);
  for (auto& s : h.replicas)
    self->wait_for(s);
  if (h.groups)
    self->wait_for(h.groups); // groups.db closed before the lock goes
  for (auto& c : h.committers)
    self->wait_for(c);
  if (h.metadata)
    self->wait_for(h.metadata);
  if (h.forecaster)
    self->wait_for(h.forecaster); // psm.db closed before the lock goes
  h.forecaster = nullptr;
  h.committers.clear();
  h.replicas.clear();
  h.groups = nullptr;
  h.metadata = nullptr;
  h.gateway = nullptr;
  h.peers = nullptr;
  h.router = nullptr;
  h.planner = nullptr;
  h.shards.clear();
  if (h.gate && gate_of(sys) == h.gate)
    set_gate(sys, nullptr);
  if (h.lock_fd >= 0) {
    ::close(h.lock_fd);
    h.lock_fd = -1;
  }
}

} // namespace ds
