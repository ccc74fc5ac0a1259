// The router's part in the PSM: it knows every member's forecaster (from
// the greetings), so the planner asks it for the whole cluster's view.
#include <caf/all.hpp>

#include "actors/gather.hpp"
#include "actors/router/router.hpp"

namespace ds {

caf::result<std::vector<psm_node_forecasts>>
router_state::collect_views(uint64_t recent) {
  std::vector<psm_forecaster_actor> live;
  for (auto& f : forecasters)
    if (f)
      live.push_back(f);
  if (live.empty())
    return std::vector<psm_node_forecasts>{};
  auto g = std::make_shared<gather<psm_node_forecasts>>();
  g->out.resize(live.size());
  g->left = live.size();
  g->rp = self->make_response_promise<std::vector<psm_node_forecasts>>();
  for (size_t i = 0; i < live.size(); ++i)
    // A node that does not answer in time counts as one without parts:
    // the planner plans with what it knows, never waits for ever.
    self->request(live[i], timeout, psm_forecasts_atom::value, recent)
        .then(
            [g, i](psm_node_forecasts& x) {
              g->out[i] = std::move(x);
              g->part_done();
            },
            [g](caf::error&) { g->part_done(); });
  return g->rp;
}

} // namespace ds
