#include "actors/metrics/collector.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <fstream>

#include <prometheus/client_metric.h>
#include <prometheus/metric_family.h>
#include <prometheus/metric_type.h>

#include <caf/all.hpp>

#include "actors/peers.hpp"

namespace ds {

namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;
using labels = std::vector<ClientMetric::Label>;

// Families of one scrape, in the order they are first named.
class families {
public:
  void add(const std::string& name, const std::string& help, MetricType type,
           labels ls, double value) {
    ClientMetric m;
    m.label = std::move(ls);
    if (type == MetricType::Counter)
      m.counter.value = value;
    else
      m.gauge.value = value;
    family(name, help, type).metric.push_back(std::move(m));
  }
  void add_histogram(const std::string& name, const std::string& help,
                     labels ls, const histogram_meter::snapshot& s) {
    ClientMetric m;
    m.label = std::move(ls);
    for (size_t i = 0; i < s.bounds.size(); ++i)
      m.histogram.bucket.push_back({s.cumulative[i], s.bounds[i]});
    m.histogram.sample_count = s.cumulative.back();
    m.histogram.sample_sum = s.sum;
    family(name, help, MetricType::Histogram).metric.push_back(std::move(m));
  }
  std::vector<MetricFamily> take() { return std::move(fs_); }

private:
  MetricFamily& family(const std::string& name, const std::string& help,
                       MetricType type) {
    for (auto& f : fs_)
      if (f.name == "dagshard_" + name)
        return f;
    fs_.push_back(MetricFamily{"dagshard_" + name, help, type, {}});
    return fs_.back();
  }
  std::vector<MetricFamily> fs_;
};

constexpr auto counter = MetricType::Counter;
constexpr auto gauge = MetricType::Gauge;

// The guard of the node's connections (actors/guard/).
void add_guard(families& fs, const guard::guard_meters& m) {
  fs.add("guard_accepted_total", "connections accepted on the node's port",
         counter, {}, double(m.accepted.load(std::memory_order_relaxed)));
  for (size_t i = 1; i < guard::refusal_kinds; ++i)
    fs.add("guard_refused_total",
           "connections the guard closed (their bytes, TLS, certificate or "
           "unread backlog), by reason",
           counter, {{"reason", to_string(static_cast<guard::refusal>(i))}},
           double(m.refused[i].load(std::memory_order_relaxed)));
}

void add_shard(families& fs, const shard_info& x, const shard_meters* m) {
  labels l{{"shard", std::to_string(x.shard)}};
  auto& s = x.stats;
  fs.add("shard_entries", "entries held by the shard", gauge, l,
         double(s.entries));
  fs.add("shard_dag_nodes", "DAG list nodes held by the shard", gauge, l,
         double(s.nodes));
  fs.add("shard_directories", "directories with a DAG on the shard", gauge, l,
         double(s.dirs));
  fs.add("shard_splits_total", "DAG list splits", counter, l, double(s.splits));
  fs.add("shard_merges_total", "DAG list merges", counter, l, double(s.merges));
  fs.add("shard_wrong_shard_total",
         "EWRONGSHARD answers (requests for parts not held here)", counter, l,
         double(s.wrong_shard));
  fs.add("shard_commits_total", "storage transactions", counter, l,
         double(x.commits));
  fs.add("shard_parts_moved_total", "parts of directories moved", counter,
         {l[0], {"direction", "in"}}, double(s.parts_in));
  fs.add("shard_parts_moved_total", "parts of directories moved", counter,
         {l[0], {"direction", "out"}}, double(s.parts_out));
  fs.add("shard_entries_moved_total", "entries moved by migrations", counter,
         {l[0], {"direction", "in"}}, double(s.moved_in));
  fs.add("shard_entries_moved_total", "entries moved by migrations", counter,
         {l[0], {"direction", "out"}}, double(s.moved_out));
  fs.add("shard_requests_replayed_total",
         "requests sent again after a lost answer, answered from their "
         "record instead of applied twice",
         counter, l, double(s.replayed));
  if (!m)
    return;
  for (size_t op = 0; op < ns_op_count; ++op)
    fs.add("shard_ops_total", "requests served, by kind", counter,
           {l[0], {"op", to_string(static_cast<ns_op>(op))}},
           double(m->ops[op].load(std::memory_order_relaxed)));
  fs.add_histogram("shard_request_duration_seconds",
                   "arrival to answer of a request, durability included", l,
                   m->request_seconds.read());
  fs.add_histogram("shard_commit_duration_seconds",
                   "one storage transaction, fsync included", l,
                   m->commit_seconds.read());
  fs.add_histogram("shard_commit_records",
                   "records written per storage transaction", l,
                   m->commit_records.read());
  fs.add("shard_waiting_answers",
         "answers held until their changes are "
         "durable",
         gauge, l, double(m->waiting.load(std::memory_order_relaxed)));
  fs.add("shard_capacity_queued_requests",
         "requests queued beyond the emulated shard capacity "
         "(shard-capacity; 0 when unlimited)",
         gauge, l, double(m->held.load(std::memory_order_relaxed)));
  fs.add("shard_parked_requests",
         "requests held while their part changes hands (a move's last "
         "steps)",
         gauge, l, double(m->parked.load(std::memory_order_relaxed)));
  fs.add("shard_parked_requests_total",
         "requests that were held while their part changed hands", counter, l,
         double(m->parked_total.load(std::memory_order_relaxed)));
}

void add_raft(families& fs, const raft_status& r) {
  labels l{{"group", "meta"}};
  for (auto role : {"follower", "pre_candidate", "candidate", "leader"})
    fs.add("raft_role", "1 for the replica's current role", gauge,
           {l[0], {"role", role}}, r.role == role ? 1 : 0);
  fs.add("raft_term", "current term", gauge, l, double(r.term));
  fs.add("raft_has_leader", "1 if the replica knows a leader", gauge, l,
         r.leader != 0 ? 1 : 0);
  fs.add("raft_commit_index", "commit index", gauge, l, double(r.commit));
  fs.add("raft_applied_index", "applied index", gauge, l, double(r.applied));
  fs.add("raft_last_index", "last index in the log", gauge, l, double(r.last));
  fs.add("raft_snapshot_index", "index of the latest snapshot", gauge, l,
         double(r.snapshot));
  fs.add("raft_log_entries", "entries in the on-disk log", gauge, l,
         double(r.stored));
}

void add_psm(families& fs, const psm_status& p) {
  fs.add("psm_planner_active",
         "1 while this node's PSM planner plans (beside the metadata leader)",
         gauge, {}, p.active ? 1 : 0);
  fs.add("psm_periods_total", "PSM periods this node's planner has seen",
         counter, {}, double(p.ticks));
  fs.add("psm_plannings_total", "plannings this node's planner recorded",
         counter, {}, double(p.plannings));
  fs.add("psm_steps_total", "planned splits and moves carried out, by result",
         counter, {{"result", "done"}}, double(p.executed));
  fs.add("psm_steps_total", "planned splits and moves carried out, by result",
         counter, {{"result", "failed"}}, double(p.failed));
  fs.add("psm_planning_seconds", "time the last planning took", gauge, {},
         double(p.last_cost_us) / 1e6);
  fs.add("psm_series", "parts the last planning planned over", gauge, {},
         double(p.last_series));
}

void add_process(families& fs) {
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  auto secs = [](const timeval& t) { return t.tv_sec + t.tv_usec / 1e6; };
  fs.add("process_cpu_seconds_total", "user and system CPU time", counter, {},
         secs(ru.ru_utime) + secs(ru.ru_stime));
  long pages = 0, resident = 0;
  std::ifstream statm("/proc/self/statm");
  if (statm >> pages >> resident)
    fs.add("process_resident_memory_bytes", "resident memory", gauge, {},
           double(resident) * double(::sysconf(_SC_PAGESIZE)));
}

// The moves recorded and their entries, by state; the entries moved by
// every committed move (when `moved` is known).
void add_migrations(families& fs, const std::vector<migration_record>& ms,
                    const uint64_t* moved) {
  for (auto st : {migration_record::started, migration_record::committed,
                  migration_record::aborted}) {
    double n = 0, entries = 0;
    for (auto& m : ms)
      if (m.state == st) {
        ++n;
        entries += double(m.entries);
      }
    fs.add("migrations", "moves of parts recorded, by state", gauge,
           {{"state", to_string(st)}}, n);
    fs.add("migration_entries",
           "entries sent by the moves recorded, by state (started: so far; "
           "aborted: before the abort)",
           gauge, {{"state", to_string(st)}}, entries);
  }
  if (moved)
    fs.add("migration_entries_moved_total",
           "entries moved by every committed move of the cluster, pruned "
           "records included",
           counter, {}, double(*moved));
}

// Asks `dst` within `timeout`; false if it did not answer.
template <class Handle, class Result, class... Ts>
bool ask(caf::scoped_actor& self, const Handle& dst, caf::timespan timeout,
         Result& out, Ts... xs) {
  if (!dst)
    return false;
  bool ok = false;
  self->request(dst, timeout, xs...)
      .receive(
          [&](Result& r) {
            out = std::move(r);
            ok = true;
          },
          [](caf::error&) {});
  return ok;
}

} // namespace

std::vector<MetricFamily>
migration_metrics(const std::vector<migration_record>& records,
                  const uint64_t* entries_moved) {
  families fs;
  add_migrations(fs, records, entries_moved);
  return fs.take();
}

std::vector<named_counter> router_counters(const router_stats& s) {
  return {
      {"router_routed_total", "requests sent to a shard", s.routed},
      {"router_cache_hits_total", "routed by a cached placement", s.cache_hits},
      {"router_cache_misses_total",
       "no placement cached: sent to the home "
       "shard",
       s.cache_misses},
      {"router_wrong_shard_total", "EWRONGSHARD answers received",
       s.wrong_shard},
      {"router_refreshes_total", "placement reads from the metadata store",
       s.refreshes},
      {"router_retries_total", "requests sent again after EWRONGSHARD",
       s.retries},
      {"router_redirects_total",
       "EWRONGSHARD answers naming the holder (no placement read)",
       s.redirects},
      {"router_pushes_total", "placement changes pushed to this router",
       s.pushes},
      {"router_not_leader_total",
       "ENOTLEADER answers of shard replicas (replicated shards)",
       s.not_leader},
      {"router_unanswered_total",
       "requests a shard replica did not answer, sent to another",
       s.unanswered},
      {"router_leader_pushes_total",
       "leaders of shard groups pushed by their hosts (replicated shards)",
       s.leader_pushes},
      {"router_copy_restarts_total",
       "copies of moves driven here started again after their source lost "
       "them",
       s.copy_restarts},
      {"router_outcome_unknown_total",
       "EUNAVAILABLE answers of shard replicas (outcome unknown), sent again",
       s.outcome_unknown},
      {"router_gave_up_no_leader_total",
       "requests answered EUNAVAILABLE: no replica of the group led in time",
       s.gave_up_no_leader},
      {"router_gave_up_no_placement_total",
       "requests answered EUNAVAILABLE: the placement could not be read",
       s.gave_up_no_placement},
      {"router_gave_up_moving_total",
       "requests answered EUNAVAILABLE: a move of the part did not end in "
       "time",
       s.gave_up_moving},
      {"router_gave_up_unknown_total",
       "requests answered EUNAVAILABLE: a replica's outcome stayed unknown",
       s.gave_up_unknown},
      {"router_dir_cache_hits_total",
       "path components found in the "
       "directory-lookup cache",
       s.dir_hits},
      {"router_dir_cache_misses_total", "path components looked up on a shard",
       s.dir_misses},
      {"router_dir_cache_stale_total",
       "cached directories found removed "
       "(ESTALE)",
       s.dir_stale},
      {"router_dir_cache_evictions_total", "entries dropped for room",
       s.dir_evictions},
  };
}

node_collector::node_collector(caf::actor_system& sys, const node_handles& node,
                               std::string node_id)
    : sys_(sys), node_(node), node_id_(std::move(node_id)) {}

node_snapshot node_collector::snapshot(caf::timespan timeout) const {
  node_snapshot s;
  caf::scoped_actor self{sys_};
  for (uint32_t i = 0; i < node_.shards.size(); ++i) {
    shard_info x;
    if (ask(self, node_.shards[i], timeout, x, shards_atom::value)) {
      s.shards.push_back(x);
      s.local_index.push_back(i);
    } else
      s.silent.push_back(i);
  }
  s.router_ok =
      ask(self, node_.router, timeout, s.router, router_stats_atom::value);
  s.replica_ok =
      ask(self, node_.metadata, timeout, s.replica, raft_status_atom::value);
  ask(self, node_.metadata, timeout, s.migrations, migrations_atom::value);
  // A page after every id: no records, only the counts kept beside them.
  migration_page none;
  s.moved_ok = ask(self, node_.metadata, timeout, none, migrations_atom::value,
                   migration_query{~uint64_t{0}, 1, false});
  s.entries_moved = none.entries_moved;
  ask(self, node_.peers, timeout, s.nodes, nodes_atom::value);
  s.psm_ok = ask(self, node_.planner, timeout, s.psm, psm_status_atom::value);
  return s;
}

health_verdict node_collector::health() const {
  auto s = snapshot(std::chrono::seconds(1));
  if (!s.silent.empty())
    return {false,
            "shard " + std::to_string(s.silent.front()) + " does not answer"};
  node_info self{node_id_, "", true, true, ""};
  return judge_health(self, s.replica_ok ? &s.replica : nullptr, s.shards);
}

bool node_collector::peers_greeted() const {
  if (!node_.peers)
    return true;
  caf::scoped_actor self{sys_};
  std::vector<node_info> nodes;
  if (!ask(self, node_.peers, std::chrono::seconds(1), nodes,
           nodes_atom::value))
    return false;
  for (auto& n : nodes)
    if (!n.tried)
      return false;
  return true;
}

std::vector<MetricFamily> node_collector::Collect() const {
  auto s = snapshot(std::chrono::seconds(1));
  families fs;
  for (size_t i = 0; i < s.shards.size(); ++i) {
    auto local = s.local_index[i];
    add_shard(fs, s.shards[i],
              local < node_.meters.size() ? node_.meters[local].get()
                                          : nullptr);
  }
  if (s.router_ok)
    for (auto& c : router_counters(s.router))
      fs.add(c.name, c.help, counter, {}, double(c.value));
  if (s.replica_ok)
    add_raft(fs, s.replica);
  if (auto m = node_.raft_meters.get()) {
    labels l{{"group", "meta"}};
    fs.add("raft_proposals_total",
           "commands proposed by this replica as leader", counter, l,
           double(m->proposals.load(std::memory_order_relaxed)));
    fs.add_histogram("raft_append_duration_seconds",
                     "one append to the raft log, fsync included", l,
                     m->append_seconds.read());
    fs.add_histogram("raft_append_entries", "entries written per append", l,
                     m->append_entries.read());
  }
  if (auto g = node_.gate.get()) {
    fs.add("refused_messages_total",
           "messages to internal actors from non-members, dropped", counter, {},
           double(g->refused()));
    fs.add("undecodable_messages_total",
           "internal messages that did not decode or named another sender, "
           "dropped",
           counter, {}, double(g->undecodable()));
  }
  if (auto m = node_.guard_meters.get())
    add_guard(fs, *m);
  add_migrations(fs, s.migrations, s.moved_ok ? &s.entries_moved : nullptr);
  double reachable = 0;
  for (auto& n : s.nodes)
    reachable += !n.self && n.reachable;
  fs.add("peers", "other members of the cluster", gauge, {},
         s.nodes.empty() ? 0 : double(s.nodes.size() - 1));
  fs.add("peers_reachable", "other members this node reaches", gauge, {},
         reachable);
  if (s.psm_ok)
    add_psm(fs, s.psm);
  add_process(fs);
  return fs.take();
}

} // namespace ds
