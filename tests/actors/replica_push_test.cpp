// Hosts push the leaders they become to the routers that watch them, so
// that routers aim at a new leader without first meeting ENOTLEADER.
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
  for (int k = 0; k < 60 && !all_led(); ++k)
    tick();
  REQUIRE(all_led());
  tick(5);
  for (uint32_t g = 0; g < groups; ++g) {
    auto p = last(*log, g);
    REQUIRE(p);
    CHECK(p->leader == leader(g));
    CHECK(p->term == status(p->leader)[g].term);
  }
  // One push per group and term: idle ticks push nothing more.
  auto before = log->size();
  tick(20);
  CHECK(log->size() == before);

  // The leader of group 0 dies: the next one pushes a later term.
  uint64_t victim = leader(0);
  auto old_term = last(*log, 0)->term;
  kill(victim);
  for (int k = 0; k < 80 && (!last(*log, 0) || last(*log, 0)->leader == victim);
       ++k)
    tick();
  auto p = last(*log, 0);
  REQUIRE(p);
  CHECK(p->leader != victim);
  CHECK(p->term > old_term);
  CHECK(p->leader == leader(0));

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
  for (int k = 0; k < 60 && !all_led(); ++k)
    tick();
  REQUIRE(all_led());
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
