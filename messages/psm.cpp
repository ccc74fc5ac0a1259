#include "messages/psm.hpp"

#include <caf/actor_system_config.hpp>

namespace ds {

void add_psm_message_types(caf::actor_system_config& cfg) {
  cfg.add_message_type<psm_slot_report>("ds::psm_slot_report");
  cfg.add_message_type<access::series_key>("ds::series_key");
  cfg.add_message_type<psm_series_view>("ds::psm_series_view");
  cfg.add_message_type<psm_node_forecasts>("ds::psm_node_forecasts");
  cfg.add_message_type<psm_forecaster_actor>("ds::psm_forecaster_actor");
  cfg.add_message_type<std::vector<psm_node_forecasts>>(
      "std::vector<ds::psm_node_forecasts>");
  cfg.add_message_type<psm_planning>("ds::psm_planning");
  cfg.add_message_type<std::vector<psm_planning>>(
      "std::vector<ds::psm_planning>");
  cfg.add_message_type<psm_status>("ds::psm_status");
  cfg.add_message_type<psm_planner_actor>("ds::psm_planner_actor");
  cfg.add_message_type<psm_access>("ds::psm_access");
  cfg.add_message_type<std::vector<psm_access>>("std::vector<ds::psm_access>");
  cfg.add_message_type<psm_import_result>("ds::psm_import_result");
}

} // namespace ds
