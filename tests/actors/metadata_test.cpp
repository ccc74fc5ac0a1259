#include "tests/actors/fixture.hpp"

using namespace ds;
using namespace ds::test;

namespace {

/// A memory store that counts its transactions.
class counting_store : public meta_store {
public:
  void load(meta_state& out) override { inner_->load(out); }
  void persist(const std::vector<meta_command>& cmds,
               const meta_state& state) override {
    ++transactions;
    inner_->persist(cmds, state);
  }
  int transactions = 0;

private:
  std::unique_ptr<meta_store> inner_ = make_memory_meta_store();
};

struct meta_fixture : test_coordinator_fixture<ns_config> {
  std::shared_ptr<counting_store> store = std::make_shared<counting_store>();
  metadata_actor meta;
  meta_fixture() {
    meta = sys.spawn(metadata_behavior, std::shared_ptr<meta_store>{store});
    sched.run();
  }
  ~meta_fixture() {
    caf::anon_send_exit(meta, caf::exit_reason::user_shutdown);
    sched.run();
  }
};

meta_command set(std::string value) {
  meta_command c;
  c.key = "k";
  c.value = std::move(value);
  return c;
}

} // namespace

TEST_CASE_FIXTURE(meta_fixture, "sets queued together share one transaction") {
  for (int i = 0; i < 5; ++i)
    self->send(meta, meta_atom::value, set(std::to_string(i)));
  sched.run();
  CHECK(store->transactions == 1);
  std::vector<uint64_t> versions;
  for (int i = 0; i < 5; ++i)
    self->receive([&](meta_result& r) { versions.push_back(r.version); });
  CHECK(versions == std::vector<uint64_t>{1, 2, 3, 4, 5});
}

TEST_CASE_FIXTURE(meta_fixture, "a read never sees a set that is not yet durable") {
  self->send(meta, meta_atom::value, set("new"));
  self->send(meta, cfg_get_atom::value, std::string{"k"});
  expect((meta_atom, meta_command), from(self).to(meta));
  CHECK(store->transactions == 0);
  // The get is handled before the flush: it sees the committed state.
  expect((cfg_get_atom, std::string), from(self).to(meta));
  config_entry seen;
  self->receive([&](config_entry& e) { seen = e; });
  CHECK(seen.version == 0);
  expect((meta_flush_atom), from(meta).to(meta));
  CHECK(store->transactions == 1);
  meta_result r;
  self->receive([&](meta_result& x) { r = x; });
  CHECK(r.version == 1);
}
