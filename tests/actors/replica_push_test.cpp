// Hosts push the leaders they become to the routers that watch them, so
// that routers aim at a new leader without first meeting ENOTLEADER; and
// leaders go back to their home member after a failover.
#include "tests/actors/replica_host_fixture.hpp"

using namespace ds;
using namespace ds::test;

namespace {

struct push {
  uint32_t group;
  uint64_t term;
  uint64_t leader;
};

using push_log = std::vector<push>;

// Stands for a router: watches the hosts it is told of as member `m`, and
// records what they push.
caf::behavior watcher(caf::event_based_actor* self,
                      std::shared_ptr<push_log> log) {
  return {
      [self](group_watch_atom, replica_host_actor& h, uint32_t m) {
        self->send(h, group_watch_atom::value, m);
      },
      [log](group_leader_atom, uint32_t g, uint64_t term, uint64_t leader) {
        log->push_back(push{g, term, leader});
      },
  };
}

// Ticks until every group is led by its home member (node 1, the first
// voter of every group here): leaders go back home after elections.
bool settle_home(host_fixture& f, int max_ticks = 400) {
  auto home = [&] {
    for (uint32_t g = 0; g < host_fixture::groups; ++g)
      if (f.leader(g) != 1)
        return false;
    return true;
  };
  for (int k = 0; k < max_ticks && !home(); ++k)
    f.tick();
  return home();
}

// The last push about group `g`, if any.
std::optional<push> last(const push_log& log, uint32_t g) {
  std::optional<push> out;
  for (auto& p : log)
    if (p.group == g)
      out = p;
  return out;
}

} // namespace

TEST_CASE_FIXTURE(host_fixture, "a new leader pushes itself to the watching "
                                "routers, once per term") {
  auto log = std::make_shared<push_log>();
  auto w = sys.spawn(watcher, log);
  for (auto& h : hosts)
    self->send(w, group_watch_atom::value, h, uint32_t{0});
  sched.run();
  REQUIRE(settle_home(*this));
  tick(5);
  for (uint32_t g = 0; g < groups; ++g) {
    auto p = last(*log, g);
    REQUIRE(p);
    CHECK(p->leader == 1);
    CHECK(p->term == status(1)[g].term);
  }
  // One push per group and term: idle ticks push nothing more.
  auto before = log->size();
  tick(40);
  CHECK(log->size() == before);

  // The home dies: the next leaders push later terms.
  std::vector<uint64_t> old_terms;
  for (uint32_t g = 0; g < groups; ++g)
    old_terms.push_back(last(*log, g)->term);
  kill(1);
  auto moved = [&] {
    for (uint32_t g = 0; g < groups; ++g)
      if (last(*log, g)->leader == 1)
        return false;
    return true;
  };
  for (int k = 0; k < 100 && !moved(); ++k)
    tick();
  REQUIRE(moved());
  for (uint32_t g = 0; g < groups; ++g) {
    auto p = last(*log, g);
    CHECK(p->term > old_terms[g]);
    CHECK(p->leader == leader(g));
  }
  // It comes back: the leaders hand their groups back, and the home
  // pushes each in a later term still.
  start(1);
  link(1, true);
  self->send(w, group_watch_atom::value, hosts[0], uint32_t{0});
  REQUIRE(settle_home(*this));
  tick(5);
  for (uint32_t g = 0; g < groups; ++g) {
    auto p = last(*log, g);
    CHECK(p->leader == 1);
    CHECK(p->term == status(1)[g].term);
  }

  // A router that starts watching later hears of the current leaders at
  // once.
  auto late = std::make_shared<push_log>();
  auto w2 = sys.spawn(watcher, late);
  for (auto& h : hosts)
    if (h)
      self->send(w2, group_watch_atom::value, h, uint32_t{1});
  sched.run();
  for (uint32_t g = 0; g < groups; ++g) {
    auto q = last(*late, g);
    REQUIRE(q);
    CHECK(q->leader == leader(g));
  }
  caf::anon_send_exit(w, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(w2, caf::exit_reason::user_shutdown);
  sched.run();
}

TEST_CASE_FIXTURE(host_fixture, "an idle cluster's quiet groups keep their "
                                "leaders: pings keep the peers alive") {
  REQUIRE(settle_home(*this));
  tick(5);
  auto terms = [&] {
    std::vector<uint64_t> out;
    for (uint64_t i = 1; i <= 3; ++i)
      for (auto& x : status(i))
        out.push_back(x.term);
    return out;
  };
  auto before = terms();
  for (auto& x : status(1))
    CHECK(x.quiescent);
  tick(100); // ten times the peers' liveness
  CHECK(terms() == before);
}
