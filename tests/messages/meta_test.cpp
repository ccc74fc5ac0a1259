// The metadata protocol's commands through CAF's own serialization: every
// kind of meta_command round-trips as a kind byte and its fields, and a kind
// this build does not know is refused.
#include "messages/meta.hpp"

#include <doctest/doctest.h>

#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>
#include <caf/deep_to_string.hpp>

using namespace ds;

namespace {

std::vector<char> save(meta_command x) {
  std::vector<char> buf;
  caf::binary_serializer sink{nullptr, buf};
  REQUIRE(!sink(x));
  return buf;
}

caf::error load(const std::vector<char>& buf, meta_command& out) {
  caf::binary_deserializer source{nullptr, buf};
  return source(out);
}

const hash_range upper{uint64_t{1} << 63, ~uint64_t{0}};

} // namespace

TEST_CASE("every kind of meta_command round-trips through CAF") {
  std::vector<meta_command> all{config_set{"app.period", "60", 3, true},
                                migration_begin{5, upper, 1, 7, "", 0, false},
                                migration_begin{5, upper, 1, 7, "b", 9, true},
                                migration_commit{11, 4, 70000},
                                migration_abort{12},
                                migration_progress{13, 4096},
                                migration_settled{14, 5, 1000, 60}};
  for (auto& c : all) {
    CAPTURE(kind_name(c));
    auto buf = save(c);
    CHECK(static_cast<uint8_t>(buf.at(0)) == kind_of(c)); // the kind first
    meta_command back = migration_abort{99};
    REQUIRE(!load(buf, back));
    CHECK(back == c);
  }
  // A batch, as the routers and sessions send it.
  std::vector<char> buf;
  caf::binary_serializer sink{nullptr, buf};
  REQUIRE(!sink(all));
  std::vector<meta_command> back;
  caf::binary_deserializer source{nullptr, buf};
  REQUIRE(!source(back));
  CHECK(back == all);
}

TEST_CASE("a meta_command of an unknown kind does not load") {
  auto buf = save(migration_commit{7});
  buf[0] = 9;
  meta_command out = migration_abort{3};
  auto err = load(buf, out);
  CHECK(err == caf::sec::invalid_argument);
  CHECK(out == meta_command{migration_abort{3}}); // unchanged
}

TEST_CASE("a meta_command prints its fields") {
  auto s = caf::deep_to_string(meta_command{config_set{"app.period", "60"}});
  CHECK(s.find("app.period") != std::string::npos);
  CHECK(s.find("60") != std::string::npos);
}

TEST_CASE("a migration query and page round-trip through CAF") {
  migration_query q{42, 7, true};
  migration_record m;
  m.id = 43;
  m.dir = 5;
  m.range = upper;
  m.state = migration_record::committed;
  m.epoch = 3;
  m.owner = "a";
  m.ended_ns = 9;
  m.settled = true;
  m.entries = 4242;
  migration_page p{{m}, 12, 50, true, 90000};
  std::vector<char> buf;
  caf::binary_serializer sink{nullptr, buf};
  REQUIRE(!sink(q, p));
  migration_query q2;
  migration_page p2;
  caf::binary_deserializer source{nullptr, buf};
  REQUIRE(!source(q2, p2));
  CHECK(q2.after == 42);
  CHECK(q2.limit == 7);
  CHECK(q2.unsettled_only);
  REQUIRE(p2.records.size() == 1);
  CHECK(p2.records[0].settled);
  CHECK(p2.records[0].range == upper);
  CHECK(p2.records[0].ended_ns == 9);
  CHECK(p2.records[0].entries == 4242);
  CHECK(p2.entries_moved == 90000);
  CHECK(p2.total == 12);
  CHECK(p2.next_id == 50);
  CHECK(p2.more);
}
