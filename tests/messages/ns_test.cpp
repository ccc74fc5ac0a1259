// The namespace protocol's small answers through CAF's own serialization.
#include "messages/ns.hpp"

#include <doctest/doctest.h>

#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>

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
