// The client's settings session: concurrent sets travel together, each
// caller gets its own answer; the gateway's checks on batches of settings;
// a session over a node's gateway end to end. Virtual time only.
#include "tests/actors/fixture.hpp"

#include <memory>

#include "client/settings_session.hpp"

using namespace ds;
using namespace ds::test;

namespace {

/// Stands in for a gateway: records each batch of settings and answers it
/// only when told, numbering the sets it has seen (version = 1, 2, ...).
struct spy_state {
  std::vector<size_t> sizes;
  std::vector<std::vector<std::string>> reads; ///< keys of each get batch
  std::vector<std::pair<caf::typed_response_promise<meta_batch_reply>,
                        std::vector<meta_command>>>
      held;
  uint64_t seen = 0;
};

caf::behavior spy_gateway(caf::stateful_actor<spy_state>* self) {
  return {
      [self](meta_batch_atom,
             std::vector<meta_command>& cmds) -> caf::result<meta_batch_reply> {
        self->state.sizes.push_back(cmds.size());
        auto rp = self->make_response_promise<meta_batch_reply>();
        self->state.held.emplace_back(rp, std::move(cmds));
        return rp;
      },
      [self](cfg_get_many_atom, std::vector<std::string>& keys) {
        self->state.reads.push_back(keys);
        std::vector<config_entry> out;
        for (auto& k : keys)
          out.push_back(config_entry{k, "value of " + k, 7});
        return out;
      },
      [self](caf::ok_atom) { // answer every held batch
        auto& st = self->state;
        for (auto& [rp, cmds] : st.held) {
          meta_batch_reply r;
          for (auto& c : cmds)
            r.results.push_back(meta_result{
                std::get<config_set>(c).key == "bad" ? errc::einval : errc::ok,
                ++st.seen, 0});
          rp.deliver(std::move(r));
        }
        st.held.clear();
      },
  };
}

meta_command set_cmd(std::string key, std::string value) {
  return config_set{std::move(key), std::move(value)};
}

using caller_list = std::vector<std::unique_ptr<caf::scoped_actor>>;

caller_list make_callers(caf::actor_system& sys, int n) {
  caller_list out;
  for (int i = 0; i < n; ++i)
    out.push_back(std::make_unique<caf::scoped_actor>(sys));
  return out;
}

/// The answer waiting for `who`: a T, or the error it got instead (no
/// answer at all fails the test).
template <class T> caf::expected<T> answer_of(caf::scoped_actor& who) {
  caf::expected<T> out{caf::sec::unexpected_message};
  who->receive([&](T& x) { out = std::move(x); },
               [&](caf::error& e) { out = std::move(e); },
               caf::after(std::chrono::seconds(0)) >>
                   [] { FAIL("no answer"); });
  return out;
}

struct session_fixture : test_coordinator_fixture<ns_config> {
  caf::actor spy = sys.spawn(spy_gateway);
  spy_state& spied() {
    return caf::actor_cast<caf::stateful_actor<spy_state>*>(spy)->state;
  }
  std::vector<size_t> sizes() { return spied().sizes; }
  ~session_fixture() {
    caf::anon_send_exit(spy, caf::exit_reason::user_shutdown);
    sched.run();
  }
};

} // namespace

TEST_CASE_FIXTURE(session_fixture,
                  "sets made together travel together, each caller answered "
                  "in order") {
  settings_session_options o;
  o.max_in_flight = 1;
  auto s = spawn_settings_session(sys, caf::actor_cast<gateway_actor>(spy), o);
  auto callers = make_callers(sys, 8);
  // Five callers at once: one batch of five.
  for (int i = 0; i < 5; ++i)
    (*callers[i])
        ->send(s, meta_atom::value,
               set_cmd(i == 3 ? "bad" : "k", "v" + std::to_string(i)));
  sched.run();
  CHECK(sizes() == std::vector<size_t>{5});
  // Three more while it is on its way: they wait for it, then go together.
  for (int i = 5; i < 8; ++i)
    (*callers[i])->send(s, meta_atom::value, set_cmd("k", "v"));
  sched.run();
  CHECK(sizes() == std::vector<size_t>{5});
  self->send(spy, caf::ok_atom::value);
  sched.run();
  CHECK(sizes() == std::vector<size_t>{5, 3});
  self->send(spy, caf::ok_atom::value);
  sched.run();
  for (int i = 0; i < 8; ++i) {
    auto r = answer_of<meta_result>(*callers[i]);
    REQUIRE(r);
    CHECK(r->version == uint64_t(i + 1)); // its own answer, in order
    CHECK(r->code == (i == 3 ? errc::einval : errc::ok));
  }
  caf::anon_send_exit(s, caf::exit_reason::user_shutdown);
}

TEST_CASE_FIXTURE(session_fixture,
                  "batches in flight are bounded, a batch without an answer "
                  "fails its callers only") {
  settings_session_options o;
  o.max_in_flight = 2;
  o.timeout = std::chrono::seconds(1);
  auto s = spawn_settings_session(sys, caf::actor_cast<gateway_actor>(spy), o);
  auto callers = make_callers(sys, 3);
  for (int i = 0; i < 3; ++i) {
    (*callers[i])->send(s, meta_atom::value, set_cmd("k", "v"));
    sched.run();
  }
  CHECK(sizes() == std::vector<size_t>{1, 1}); // the third waits
  // The spy never answers: the two batches time out, the third goes.
  sched.trigger_timeouts();
  sched.run();
  CHECK(sizes() == std::vector<size_t>{1, 1, 1});
  for (int i = 0; i < 2; ++i)
    CHECK(!answer_of<meta_result>(*callers[i]));
  self->send(spy, caf::ok_atom::value);
  sched.run();
  auto third = answer_of<meta_result>(*callers[2]);
  REQUIRE(third);
  CHECK(third->code == errc::ok);
  caf::anon_send_exit(s, caf::exit_reason::user_shutdown);
}

TEST_CASE_FIXTURE(node_fixture,
                  "the gateway refuses a batch of settings that is empty, too "
                  "big or holds other commands, and changes nothing") {
  auto refused = [&](std::vector<meta_command> cmds) {
    bool failed = false;
    auto rh = self->request(gateway, caf::infinite, meta_batch_atom::value,
                            std::move(cmds));
    sched.run();
    rh.receive(
        [&](meta_batch_reply&) {},
        [&](caf::error& e) { failed = e == caf::sec::invalid_argument; });
    return failed;
  };
  CHECK(refused({}));
  CHECK(refused(
      std::vector<meta_command>(max_meta_batch + 1, set_cmd("k", "v"))));
  auto mixed = std::vector<meta_command>{set_cmd("k", "v"), set_cmd("j", "w")};
  mixed[1] = migration_commit{1};
  CHECK(refused(mixed));
  std::vector<config_entry> all{config_entry{}};
  auto rh = self->request(gateway, caf::infinite, cfg_list_atom::value);
  for (int i = 0; i < 300; ++i) { // the replica elects itself meanwhile
    sched.run();
    sched.trigger_timeout();
  }
  rh.receive([&](std::vector<config_entry>& x) { all = x; },
             [&](caf::error& e) { FAIL(sys.render(e)); });
  CHECK(all.empty());
}

TEST_CASE_FIXTURE(node_fixture,
                  "a session over a node's gateway: every set its own Raft "
                  "command, versions in the callers' order") {
  auto s = spawn_settings_session(sys, gateway, settings_session_options{});
  auto callers = make_callers(sys, 6);
  for (int i = 0; i < 6; ++i)
    (*callers[i])
        ->send(s, meta_atom::value,
               set_cmd(i == 4 ? "no spaces allowed" : "session.k",
                       "v" + std::to_string(i)));
  for (int i = 0; i < 300; ++i) {
    sched.run();
    sched.trigger_timeout();
  }
  uint64_t want = 1;
  for (int i = 0; i < 6; ++i) {
    auto r = answer_of<meta_result>(*callers[i]);
    REQUIRE(r);
    if (i == 4) {
      CHECK(r->code == errc::einval);
      continue;
    }
    CHECK(r->code == errc::ok);
    CHECK(r->version == want++);
  }
  config_entry e;
  auto rh = self->request(gateway, caf::infinite, cfg_get_atom::value,
                          std::string{"session.k"});
  for (int i = 0; i < 50; ++i) {
    sched.run();
    sched.trigger_timeout();
  }
  rh.receive([&](config_entry& x) { e = x; },
             [&](caf::error& err) { FAIL(sys.render(err)); });

  CHECK(e.value == "v5");
  CHECK(e.version == 5);
  caf::anon_send_exit(s, caf::exit_reason::user_shutdown);
}

TEST_CASE_FIXTURE(session_fixture,
                  "gets made together travel together, apart from sets, each "
                  "caller answered for its own key") {
  auto s = spawn_settings_session(sys, caf::actor_cast<gateway_actor>(spy),
                                  settings_session_options{});
  auto callers = make_callers(sys, 4);
  (*callers[0])->send(s, cfg_get_atom::value, std::string{"a"});
  (*callers[1])->send(s, meta_atom::value, set_cmd("k", "v"));
  (*callers[2])->send(s, cfg_get_atom::value, std::string{"b"});
  (*callers[3])->send(s, cfg_get_atom::value, std::string{"a"});
  sched.run();
  CHECK(spied().reads ==
        std::vector<std::vector<std::string>>{{"a", "b", "a"}});
  CHECK(sizes() == std::vector<size_t>{1});
  for (int i : {0, 2, 3}) {
    auto e = answer_of<config_entry>(*callers[i]);
    REQUIRE(e);
    CHECK(e->key == (i == 2 ? "b" : "a"));
    CHECK(e->value == "value of " + e->key);
  }
  caf::anon_send_exit(s, caf::exit_reason::user_shutdown);
}

TEST_CASE_FIXTURE(node_fixture,
                  "gets through a session see the sets acknowledged before "
                  "them, the gateway refuses an empty or oversized read") {
  auto s = spawn_settings_session(sys, gateway, settings_session_options{});
  auto run = [&] {
    for (int i = 0; i < 300; ++i) {
      sched.run();
      sched.trigger_timeout();
    }
  };
  caf::scoped_actor a{sys};
  a->send(s, meta_atom::value, set_cmd("g.x", "one"));
  run();
  auto set = answer_of<meta_result>(a);
  REQUIRE(set);
  CHECK(set->code == errc::ok);
  auto readers = make_callers(sys, 3);
  for (int i = 0; i < 3; ++i)
    (*readers[i])
        ->send(s, cfg_get_atom::value, std::string{i == 1 ? "g.y" : "g.x"});
  run();
  for (int i = 0; i < 3; ++i) {
    auto e = answer_of<config_entry>(*readers[i]);
    REQUIRE(e);
    if (i == 1) {
      CHECK(e->version == 0); // absent
    } else {
      CHECK(e->value == "one");
      CHECK(e->version == 1);
    }
  }
  for (auto n : {size_t{0}, max_meta_batch + 1}) {
    bool refused = false;
    auto rh = self->request(gateway, caf::infinite, cfg_get_many_atom::value,
                            std::vector<std::string>(n, "g.x"));
    sched.run();
    rh.receive(
        [&](std::vector<config_entry>&) {},
        [&](caf::error& e) { refused = e == caf::sec::invalid_argument; });
    CHECK(refused);
  }
  caf::anon_send_exit(s, caf::exit_reason::user_shutdown);
}
