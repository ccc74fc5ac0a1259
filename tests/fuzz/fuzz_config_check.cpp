// Fuzz target: the node's config checker (actors/node_config.hpp). The input
// is a config file: CAF parses it, validate_dagshard_settings checks every
// section and value, and a file that passes has its members made into a
// cluster map, as node_config's start-up check does.
//
// node_config::load_and_check itself is not called: in this clang build,
// CAF 0.17's parser (Debian's library, built by GCC) called a null check
// function on dagshard.peers (a list option); dagshardd, built by GCC,
// reads the same files.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include <caf/config_value.hpp>
#include <caf/settings.hpp>

#include "actors/node_config.hpp"
#include "messages/ns.hpp"
#include "model/meta/cluster_map.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::istringstream in{std::string{reinterpret_cast<const char*>(data), size}};
  auto parsed = caf::actor_system_config::parse_config(in);
  if (!parsed || !ds::validate_dagshard_settings(*parsed).empty())
    return 0;
  auto node = caf::get_or(*parsed, "dagshard.node-id", std::string{"local"});
  auto bind = caf::get_or(*parsed, "dagshard.bind", std::string{"127.0.0.1"});
  auto port = caf::get_or(*parsed, "dagshard.port", int64_t{4242});
  auto shards = caf::get_or(*parsed, "dagshard.shards", int64_t{4});
  std::vector<ds::member> peers;
  if (auto xs =
          caf::get_if<std::vector<std::string>>(&*parsed, "dagshard.peers"))
    for (auto& x : *xs) {
      ds::member m;
      if (ds::parse_member(x, m).empty())
        peers.push_back(m);
    }
  ds::cluster_map map;
  (void)ds::cluster_map::make({node, bind, static_cast<uint16_t>(port)}, peers,
                              static_cast<uint32_t>(shards), map);
  return 0;
}

// node_config registers the node's message types in its constructor, which
// this target never runs (see CMakeLists.txt).
void ds::add_ns_message_types(caf::actor_system_config&) {}
