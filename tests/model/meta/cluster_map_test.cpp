#include <doctest/doctest.h>

#include "model/meta/cluster_map.hpp"

#include <algorithm>

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

TEST_CASE("replicas sit on distinct members and leaders spread evenly") {
  std::vector<member> peers;
  for (int i = 2; i <= 5; ++i)
    peers.push_back(member{"node" + std::to_string(i), "127.0.0.1",
                           static_cast<uint16_t>(4300 + i)});
  member self{"node1", "127.0.0.1", 4301};
  cluster_map m;
  REQUIRE(cluster_map::make(self, peers, 4, m, 3) == "");
  CHECK(m.replicas() == 3);
  std::vector<int> held(5), homes(5);
  for (uint32_t s = 0; s < m.total_shards(); ++s) {
    auto rs = m.replicas_of(s);
    REQUIRE(rs.size() == 3);
    CHECK(rs.front() == m.node_of(s)); // the preferred leader is its home
    std::sort(rs.begin(), rs.end());
    CHECK(std::unique(rs.begin(), rs.end()) == rs.end());
    for (auto r : rs)
      ++held[r];
    ++homes[rs.empty() ? 0 : m.node_of(s)];
  }
  for (uint32_t n = 0; n < 5; ++n) {
    CHECK(held[n] == 12);
    CHECK(homes[n] == 4);
    CHECK(m.hosted_by(n).size() == 12);
  }
  // Another replica count is another cluster; R = 1 keeps the old digest.
  cluster_map one, three;
  REQUIRE(cluster_map::make(self, peers, 4, one) == "");
  REQUIRE(cluster_map::make(self, peers, 4, three, 3) == "");
  CHECK(one.fingerprint() != three.fingerprint());
  CHECK(one.replicas_of(7) == std::vector<uint32_t>{one.node_of(7)});
}

TEST_CASE("more replicas than members, or none, are refused") {
  member a{"node1", "127.0.0.1", 4301};
  member b{"node2", "127.0.0.1", 4302};
  cluster_map m;
  CHECK(cluster_map::make(a, {b}, 4, m, 3) != "");
  CHECK(cluster_map::make(a, {b}, 4, m, 0) != "");
  CHECK(cluster_map::make(a, {b}, 4, m, 2) == "");
}
