#include "messages/ns.hpp"

#include <caf/actor_system_config.hpp>

namespace ds {

void add_ns_message_types(caf::actor_system_config& cfg) {
  add_psm_message_types(cfg); // greetings carry the forecaster
  cfg.add_message_type<ns_request>("ds::ns_request");
  cfg.add_message_type<ns_reply>("ds::ns_reply");
  cfg.add_message_type<std::vector<ns_request>>("std::vector<ds::ns_request>");
  cfg.add_message_type<std::vector<ns_reply>>("std::vector<ds::ns_reply>");
  cfg.add_message_type<path_request>("ds::path_request");
  cfg.add_message_type<shard_info>("ds::shard_info");
  cfg.add_message_type<std::vector<shard_info>>("std::vector<ds::shard_info>");
  cfg.add_message_type<node_info>("ds::node_info");
  cfg.add_message_type<std::vector<node_info>>("std::vector<ds::node_info>");
  cfg.add_message_type<node_health>("ds::node_health");
  cfg.add_message_type<placement_info>("ds::placement_info");
  cfg.add_message_type<node_hello>("ds::node_hello");
  cfg.add_message_type<std::vector<shard_actor>>(
      "std::vector<ds::shard_actor>");
  cfg.add_message_type<peers_actor>("ds::peers_actor");
  cfg.add_message_type<meta_command>("ds::meta_command");
  cfg.add_message_type<meta_result>("ds::meta_result");
  cfg.add_message_type<std::vector<meta_command>>(
      "std::vector<ds::meta_command>");
  cfg.add_message_type<meta_batch_reply>("ds::meta_batch_reply");
  cfg.add_message_type<config_entry>("ds::config_entry");
  cfg.add_message_type<std::vector<config_entry>>(
      "std::vector<ds::config_entry>");
  cfg.add_message_type<metadata_actor>("ds::metadata_actor");
  cfg.add_message_type<hash_range>("ds::hash_range");
  cfg.add_message_type<entry>("ds::entry");
  cfg.add_message_type<part_request>("ds::part_request");
  cfg.add_message_type<part_reply>("ds::part_reply");
  cfg.add_message_type<move_request>("ds::move_request");
  cfg.add_message_type<router_stats>("ds::router_stats");
  cfg.add_message_type<placement_entry>("ds::placement_entry");
  cfg.add_message_type<dir_placement>("ds::dir_placement");
  cfg.add_message_type<migration_record>("ds::migration_record");
  cfg.add_message_type<std::vector<migration_record>>(
      "std::vector<ds::migration_record>");
  cfg.add_message_type<migration_query>("ds::migration_query");
  cfg.add_message_type<migration_page>("ds::migration_page");
  cfg.add_message_type<raft_status>("ds::raft_status");
  cfg.add_message_type<std::vector<raft_status>>(
      "std::vector<ds::raft_status>");
  cfg.add_message_type<group_state_info>("ds::group_state_info");
  cfg.add_message_type<std::vector<group_state_info>>(
      "std::vector<ds::group_state_info>");
  cfg.add_message_type<node_groups>("ds::node_groups");
  cfg.add_message_type<std::vector<node_groups>>(
      "std::vector<ds::node_groups>");
  cfg.add_message_type<group_answer>("ds::group_answer");
  cfg.add_message_type<shard_actor>("ds::shard_actor");
  cfg.add_message_type<router_actor>("ds::router_actor");
  cfg.add_message_type<gateway_actor>("ds::gateway_actor");
  // node_hello carries the forecaster: the PSM's types travel with it.
  add_psm_message_types(cfg);
}

} // namespace ds
