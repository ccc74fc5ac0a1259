// The namespace protocol's small answers and the steps of moving a part
// through CAF's own serialization.
#include "messages/ns.hpp"

#include <doctest/doctest.h>

#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>
#include <caf/deep_to_string.hpp>

using namespace ds;

TEST_CASE("node_health round-trips through CAF with every field") {
  node_health x{"node2", false, "metadata group has no leader", true};
  std::vector<char> buf;
  caf::binary_serializer sink{nullptr, buf};
  REQUIRE(!sink(x));
  node_health back{"other", true, "", false};
  caf::binary_deserializer source{nullptr, buf};
  REQUIRE(!source(back));
  CHECK(back.id == "node2");
  CHECK_FALSE(back.healthy);
  CHECK(back.reason == "metadata group has no leader");
  CHECK(back.ready);
}

namespace {

std::vector<char> save(part_request x) {
  std::vector<char> buf;
  caf::binary_serializer sink{nullptr, buf};
  REQUIRE(!sink(x));
  return buf;
}

caf::error load(const std::vector<char>& buf, part_request& out) {
  caf::binary_deserializer source{nullptr, buf};
  return source(out);
}

} // namespace

TEST_CASE("every step of a part_request round-trips through CAF") {
  part_ref part{7, {uint64_t{1} << 63, ~uint64_t{0}}, 42};
  entry e;
  e.name = "notes.txt";
  e.hash = 99;
  e.row = 3;
  std::vector<part_request> all{
      part_begin_export{part}, part_release{part, 3, 11},
      part_thaw{part},         part_import{part, {e}},
      part_activate{part, 12}, part_discard{part},
      part_list_unresolved{},  part_copy{part, false, 99, "notes.txt", 64},
      part_freeze{part},       part_patch{part, {99}, {e}}};
  REQUIRE(all.size() == std::variant_size_v<part_request>);
  for (size_t i = 0; i < all.size(); ++i) {
    auto& r = all[i];
    CAPTURE(step_name(r));
    CHECK(kind_of(r) == i);
    auto buf = save(r);
    CHECK(static_cast<uint8_t>(buf.at(0)) == i); // the kind first
    part_request back = part_thaw{};
    REQUIRE(!load(buf, back));
    CHECK(back.index() == r.index());
    CHECK(caf::deep_to_string(back) == caf::deep_to_string(r));
  }
  auto s = caf::deep_to_string(all[1]);
  CHECK(s.find("42") != std::string::npos); // the migration
  CHECK(s.find("11") != std::string::npos); // the epoch
  part_request back = part_thaw{};
  REQUIRE(!load(save(all[3]), back));
  CHECK(std::get<part_import>(back).entries.at(0).name == "notes.txt");
}

TEST_CASE("a part_request of an unknown kind does not load") {
  auto buf = save(part_thaw{part_ref{1, {}, 2}});
  buf[0] = static_cast<char>(std::variant_size_v<part_request>);
  part_request out = part_discard{part_ref{5, {}, 6}};
  CHECK(load(buf, out) == caf::sec::invalid_argument);
  REQUIRE(std::holds_alternative<part_discard>(out)); // unchanged
  CHECK(std::get<part_discard>(out).part.dir == 5);
}

TEST_CASE("part_of names the part of every step but the listing") {
  part_ref part{9, {0, 15}, 4};
  CHECK(part_of(part_release{part, 1, 2})->dir == 9);
  CHECK(part_of(part_import{part, {}})->migration == 4);
  CHECK(part_of(part_list_unresolved{}) == nullptr);
  CHECK(std::string{step_name(part_activate{})} == "activate");
  CHECK(std::string{step_name(part_list_unresolved{})} == "unresolved");
}
