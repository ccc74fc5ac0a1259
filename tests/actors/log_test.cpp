// The event log's two formats: JSON members that parse, and text fields
// that stay one key=value token each.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "actors/log.hpp"

TEST_CASE("a json event parses with its component, message and fields") {
  auto members = ds::format_event(
      true, "peers", "peer down",
      {{"peer", "node2"}, {"reason", "connection \"lost\"\n"}, {"term", 7}});
  auto j = nlohmann::json::parse("{" + members + "}");
  CHECK(j["component"] == "peers");
  CHECK(j["msg"] == "peer down");
  CHECK(j["peer"] == "node2");
  CHECK(j["reason"] == "connection \"lost\"\n");
  CHECK(j["term"] == 7);
}

TEST_CASE("a json event with invalid UTF-8 still parses") {
  auto members = ds::format_event(true, "shard", "x", {{"name", "a\xff"}});
  CHECK_NOTHROW(nlohmann::json::parse("{" + members + "}"));
}

TEST_CASE("text fields are bare words or quoted") {
  auto line = ds::format_event(
      false, "raft", "metadata leader elected",
      {{"leader", 2}, {"role", "follower"}, {"reason", "no route to host"}});
  CHECK(line == "raft: metadata leader elected leader=2 role=follower "
                "reason=\"no route to host\"");
}
