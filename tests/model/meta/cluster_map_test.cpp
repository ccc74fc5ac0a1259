#include <doctest/doctest.h>

#include "model/meta/cluster_map.hpp"

using namespace ds;

TEST_CASE("members parse from id@host:port and bad ones are refused") {
  member m;
  CHECK(parse_member("node2@127.0.0.1:4302", m) == "");
  CHECK(m.id == "node2");
  CHECK(m.host == "127.0.0.1");
  CHECK(m.port == 4302);
  CHECK(parse_member("node2-127.0.0.1:4302", m) != "");
  CHECK(parse_member("@127.0.0.1:4302", m) != "");
  CHECK(parse_member("n o@127.0.0.1:4302", m) != "");
  CHECK(parse_member("n@:4302", m) != "");
  CHECK(parse_member("n@h:0", m) != "");
  CHECK(parse_member("n@h:70000", m) != "");
  CHECK(parse_member("n@h:12x", m) != "");
}

TEST_CASE("every node numbers the cluster's shards the same way") {
  member a{"node1", "127.0.0.1", 4301};
  member b{"node2", "127.0.0.1", 4302};
  member c{"node3", "127.0.0.1", 4303};
  cluster_map on_b;
  cluster_map on_c;
  REQUIRE(cluster_map::make(b, {c, a}, 4, on_b) == "");
  REQUIRE(cluster_map::make(c, {a, b}, 4, on_c) == "");
  CHECK(on_b.self_index() == 1);
  CHECK(on_c.self_index() == 2);
  CHECK(on_b.total_shards() == 12);
  CHECK(on_b.node_of(5) == 1);
  CHECK(on_b.global_shard(2, 3) == 11);
  CHECK(on_b.fingerprint() == on_c.fingerprint());
  cluster_map other;
  REQUIRE(cluster_map::make(b, {c, a}, 8, other) == "");
  CHECK(other.fingerprint() != on_b.fingerprint());
}

TEST_CASE("duplicate ids are refused") {
  cluster_map m;
  CHECK(cluster_map::make({"n1", "h", 1}, {{"n1", "h", 2}}, 2, m) != "");
  CHECK(cluster_map::make({"n1", "h", 1}, {{"n2", "h", 2}, {"n2", "h", 3}}, 2,
                          m) != "");
}
