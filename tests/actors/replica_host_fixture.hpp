// The fixture of the shard groups' host tests: three hosts with memory group
// logs, four groups on all three, recording sinks, virtual time by
// hand-sent ticks, crashes by killing a host and starting it again on the
// same disk.
#pragma once

#include <sstream>

#include "tests/actors/fixture.hpp"

#include "actors/replica/host.hpp"
#include "messages/raft_codec.hpp"
#include "storage/batch_codec.hpp"

namespace ds::test {

using applied_map = std::map<uint32_t, std::vector<group_entry>>;

// A sink that records what it is handed, as a shard replica would apply it:
// entries at or below the last one it holds are skipped. It reports what it
// holds to the host (so logs compact), cuts snapshots of one entry per chunk
// ("index term data", the view fixed at the first chunk) and installs them.
struct recorder_state {
  std::map<uint32_t, std::vector<group_entry>> staged;
  /// Snapshots being read, by transfer: their chunks and index.
  std::map<uint64_t, std::pair<std::vector<std::string>, uint64_t>> views;
  static inline const char* name = "test.recorder";
};

inline group_sink_actor::behavior_type
recorder(group_sink_actor::stateful_pointer<recorder_state> self,
         std::shared_ptr<applied_map> into,
         std::shared_ptr<std::map<uint32_t, int>> installs) {
  auto held = [into](uint32_t g) {
    auto& v = (*into)[g];
    return v.empty() ? uint64_t{0} : v.back().index;
  };
  return {
      [self, into, held](group_apply_atom, uint32_t g,
                         std::vector<group_entry>& es) {
        auto& v = (*into)[g];
        for (auto& e : es)
          if (e.index > held(g))
            v.push_back(e);
        if (!v.empty() && self->current_sender())
          self->send(
              caf::actor_cast<replica_host_actor>(self->current_sender()),
              group_applied_atom::value, g, held(g));
      },
      [self, into,
       held](group_snapshot_atom, uint32_t g, uint64_t t, uint32_t seq,
             uint64_t bytes) -> caf::result<std::string, uint64_t, bool> {
        auto& views = self->state.views;
        if (bytes == 0) {
          views.erase(t);
          return {std::string{}, uint64_t{0}, true};
        }
        if (seq == 0) { // the view is fixed at the first chunk
          auto& v = views[t];
          v = {{}, held(g)};
          for (auto& e : (*into)[g])
            v.first.push_back(std::to_string(e.index) + " " +
                              std::to_string(e.term) + " " + e.data);
        }
        auto it = views.find(t);
        if (it == views.end() || seq >= it->second.first.size())
          return caf::make_error(caf::sec::invalid_argument, "no such chunk");
        auto view = it->second;
        bool last = seq + 1 == view.first.size();
        if (last)
          views.erase(it);
        return {view.first[seq], view.second, last};
      },
      [self, into, installs, held](group_install_atom, uint32_t g, uint64_t,
                                   uint32_t seq, std::string& chunk,
                                   uint64_t index) -> uint64_t {
        auto& st = self->state.staged[g];
        if (seq == 0)
          st.clear();
        std::istringstream in{chunk};
        group_entry e;
        in >> e.index >> e.term;
        std::getline(in >> std::ws, e.data);
        st.push_back(e);
        if (index == 0)
          return 0;
        if (index > held(g)) {
          (*into)[g] = st;
          ++(*installs)[g];
        }
        return held(g);
      },
  };
}

struct host_fixture : test_coordinator_fixture<ns_config> {
  static constexpr uint32_t groups = 4;
  std::vector<std::shared_ptr<memory_group_log_disk>> disks;
  std::vector<replica_host_actor> hosts;
  std::vector<std::shared_ptr<applied_map>> applied;
  /// Snapshots each node's sink installed, by group.
  std::vector<std::shared_ptr<std::map<uint32_t, int>>> installs;
  /// Compaction settings of hosts started from now on (0: never).
  uint64_t compact_every = 0;
  uint64_t compact_keep = 0;
  int fail_after_on_first = 0;

  explicit host_fixture(uint64_t every = 0, uint64_t keep = 0)
      : compact_every(every), compact_keep(keep) {
    for (int i = 0; i < 3; ++i) {
      disks.push_back(make_memory_group_log_disk());
      applied.push_back(std::make_shared<applied_map>());
      installs.push_back(std::make_shared<std::map<uint32_t, int>>());
    }
    hosts.resize(3);
    for (uint64_t i = 1; i <= 3; ++i)
      start(i);
    for (uint64_t i = 1; i <= 3; ++i)
      link(i, true);
  }

  ~host_fixture() {
    for (auto& h : hosts)
      caf::anon_send_exit(h, caf::exit_reason::user_shutdown);
    sched.run();
  }

  void start(uint64_t id, int fail_after = 0) {
    replica_host_options o;
    o.id = id;
    for (uint32_t g = 0; g < groups; ++g)
      o.groups[g] = {1, 2, 3};
    o.tick = caf::timespan{0};
    o.multi = default_group_settings();
    o.seed = 11;
    o.compact_every = compact_every;
    o.compact_keep = compact_keep;
    std::shared_ptr<group_log_store> store =
        make_memory_group_log_store(fail_after, disks[id - 1]);
    hosts[id - 1] = sys.spawn(replica_host_behavior, store, o);
    applied[id - 1]->clear();
    auto sink = sys.spawn(recorder, applied[id - 1], installs[id - 1]);
    for (uint32_t g = 0; g < groups; ++g)
      self->send(hosts[id - 1], group_sink_atom::value, g, sink);
    sched.run();
  }

  void link(uint64_t id, bool up) {
    for (uint64_t j = 1; j <= 3; ++j) {
      if (j == id)
        continue;
      auto handle = [&](uint64_t k) {
        return caf::actor_cast<caf::strong_actor_ptr>(
            up ? hosts[k - 1] : replica_host_actor{});
      };
      self->send(hosts[id - 1], group_peer_atom::value, j, handle(j));
      self->send(hosts[j - 1], group_peer_atom::value, id, handle(id));
    }
    sched.run();
  }

  void kill(uint64_t id) {
    link(id, false);
    caf::anon_send_exit(hosts[id - 1], caf::exit_reason::kill);
    sched.run();
    hosts[id - 1] = nullptr;
  }

  void tick(int n = 1, uint64_t skip = 0) {
    for (int k = 0; k < n; ++k) {
      for (uint64_t i = 1; i <= 3; ++i)
        if (i != skip && hosts[i - 1])
          self->send(hosts[i - 1], group_tick_atom::value);
      sched.run();
    }
  }

  std::vector<group_state_info> status(uint64_t id) {
    std::vector<group_state_info> out;
    self->send(hosts[id - 1], group_status_atom::value);
    sched.run();
    self->receive([&](std::vector<group_state_info>& x) { out = x; });
    return out;
  }

  uint64_t leader(uint32_t g) {
    for (uint64_t i = 1; i <= 3; ++i)
      if (hosts[i - 1] && status(i)[g].role == "leader")
        return i;
    return 0;
  }

  bool all_led() {
    for (uint32_t g = 0; g < groups; ++g)
      if (leader(g) == 0)
        return false;
    return true;
  }

  template <class... Ts>
  std::optional<group_answer> ask(uint64_t at, Ts... xs) {
    std::optional<group_answer> out;
    self->send(hosts[at - 1], xs...);
    for (int k = 0; k < 30 && !out; ++k) {
      sched.run();
      self->receive([&](group_answer& a) { out = a; },
                    caf::after(std::chrono::seconds(0)) >> [] {});
      if (!out)
        tick();
    }
    return out;
  }

  std::optional<group_answer> propose(uint64_t at, uint32_t g,
                                      std::string data) {
    return ask(at, group_propose_atom::value, g, uint64_t{0}, std::move(data));
  }

  // The commands (non-empty entries) node `id`'s sink got for group `g`.
  std::vector<std::string> commands(uint64_t id, uint32_t g) {
    std::vector<std::string> out;
    for (auto& e : (*applied[id - 1])[g])
      if (!e.data.empty())
        out.push_back(e.data);
    return out;
  }
};

inline bool in_order(const std::vector<group_entry>& es) {
  for (size_t i = 1; i < es.size(); ++i)
    if (es[i].index != es[i - 1].index + 1)
      return false;
  return !es.empty() && es.front().index == 1;
}

} // namespace ds::test
