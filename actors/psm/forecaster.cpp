#include "actors/psm/forecaster.hpp"

#include <caf/actor_system.hpp>
#include <caf/sec.hpp>

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "actors/psm/series_build.hpp"
#include "storage/sqlite.hpp"

namespace ds {
namespace {

std::vector<double> to_vector(const arma::vec& v) {
  return {v.begin(), v.end()};
}

psm_series_view view_of(const access::series_key& k, std::uint64_t origin,
                        const forecast::tiered_forecast& f) {
  psm_series_view v;
  v.key = k;
  v.has_forecast = true;
  v.origin = origin;
  v.mean = to_vector(f.forecast.mean);
  v.lower = to_vector(f.forecast.lower);
  v.upper = to_vector(f.forecast.upper);
  v.level = f.forecast.level;
  v.model = f.model;
  v.family = f.family;
  v.backtested = !std::isnan(f.backtest_mase);
  v.backtest_mase = v.backtested ? f.backtest_mase : 0;
  v.escalated = f.escalated;
  return v;
}

} // namespace

bool rescore_due(const access::series_key& k, std::uint64_t period,
                 std::uint64_t rescore) {
  if (rescore <= 1)
    return true;
  auto phase = std::hash<std::string>{}(k.dir) ^ (k.lo * 0x9e3779b97f4a7c15u);
  return (period + phase) % rescore == 0;
}

psm_forecasts forecast_period(const psm_history::history_store& store,
                              const psm_forecaster_options& opt,
                              psm_choices* kept, std::uint64_t period) {
  psm_forecasts out;
  psm_choices none, next; // without `kept`, every series is scored
  if (!kept)
    kept = &none;
  std::uint64_t newest = 0;
  if (!store.newest(newest))
    return out;
  auto window = opt.active_slots ? opt.active_slots
                                 : std::uint64_t(std::max(opt.tiers.period, 1));
  auto since = newest + 1 >= window ? newest + 1 - window : 0;
  for (auto& k : store.active(since)) {
    auto y = k.part ? psm_actor::inherited_rates(
                          store.read(k),
                          store.read(access::series_key::directory(k.dir)),
                          psm_actor::range_fraction(k.lo, k.hi), newest,
                          opt.slot_seconds, opt.max_slots)
                    : psm_actor::dense_rates(store.read(k), newest,
                                             opt.slot_seconds, opt.max_slots);
    if (y.empty())
      continue;
    try {
      auto i = kept->find(k);
      auto& c = next[k];
      if (i != kept->end() && !rescore_due(k, period, opt.rescore_periods))
        c = std::move(i->second);
      else
        c = forecast::tier_choice{};
      out[k] = view_of(k, newest,
                       forecast::forecast_kept(arma::vec(y), opt.tiers, c));
    } catch (const std::exception&) {
      // A series no model can take (options checked at spawn, so this is a
      // degenerate series): it keeps no forecast this period.
      next.erase(k);
    }
  }
  *kept = std::move(next);
  return out;
}

void psm_forecaster_state::start(std::shared_ptr<psm_history::history_store> st,
                                 psm_forecaster_options o) {
  store = std::move(st);
  opt = std::move(o);
  links =
      access::co_access_book{psm_period_slots(opt.period, opt.slot_seconds)};
  self->delayed_send(self, opt.period, psm_tick_atom::value);
}

caf::result<std::uint64_t>
psm_forecaster_state::take_report(const psm_slot_report& r) {
  // A shard group led here whose home is another member: its history is
  // kept there, so that it stays in one place whoever leads.
  if (r.shard < opt.home_of.size() && opt.home_of[r.shard] != opt.self_member) {
    auto peer = peers.find(opt.home_of[r.shard]);
    if (peer != peers.end() && peer->second) {
      caf::anon_send(peer->second, psm_report_atom::value, r);
      return r.slot;
    }
  }
  try {
    store->append(r.slot, psm_actor::report_rows(r));
    for (auto& p : r.parts) {
      auto& h = holders[access::series_key::range(p.dir, p.lo, p.hi)];
      if (r.slot >= h.slot)
        h = psm_holder{r.shard, p.entries, r.slot};
    }
    for (auto& t : r.top) // names "<dir>/<name>"
      if (auto cut = t.name.find('/'); t.child && cut != std::string::npos)
        links.add(access::series_key::range(t.name.substr(0, cut), t.lo, t.hi),
                  t.child, r.slot, double(t.count));
  } catch (const sql::storage_error& e) {
    auto err = caf::make_error(caf::sec::runtime_error,
                               std::string{"psm history: "} + e.what());
    self->quit(err);
    return err;
  }
  return r.slot;
}

psm_series_view
psm_forecaster_state::series_view(const access::series_key& k) const {
  auto i = latest.find(k);
  psm_series_view v = i != latest.end() ? i->second : psm_series_view{};
  v.key = k;
  v.slot_seconds = opt.slot_seconds;
  for (auto& p : store->read(k)) {
    v.slots.push_back(p.slot);
    v.widths.push_back(p.width);
    v.totals.push_back(p.counts.total());
  }
  return v;
}

psm_node_forecasts
psm_forecaster_state::node_forecasts(std::uint64_t recent) const {
  psm_node_forecasts out;
  out.periods = periods;
  if (!store->newest(out.newest))
    return out;
  recent = std::max<std::uint64_t>(recent, 1);
  auto since = out.newest + 1 >= recent ? out.newest + 1 - recent : 0;
  for (auto& [k, h] : holders) {
    if (h.slot < since)
      continue;
    psm_part_state p;
    p.key = k;
    p.shard = h.shard;
    p.entries = h.entries;
    p.reported = h.slot;
    p.recent = psm_actor::dense_rates(store->read(k), out.newest,
                                      opt.slot_seconds, recent);
    if (auto i = latest.find(k); i != latest.end())
      p.forecast = i->second;
    for (auto& [child, rate] : links.leads(
             k, out.newest, psm_period_slots(opt.period, opt.slot_seconds),
             opt.slot_seconds)) {
      p.lead_dirs.push_back(child);
      p.lead_rates.push_back(rate);
    }
    out.parts.push_back(std::move(p));
  }
  return out;
}

void psm_forecaster_state::on_tick() {
  latest = forecast_period(*store, opt, &kept, periods);
  ++periods;
  self->delayed_send(self, opt.period, psm_tick_atom::value);
}

psm_forecaster_actor::behavior_type
psm_forecaster_behavior(psm_forecaster_pointer self,
                        std::shared_ptr<psm_history::history_store> store,
                        psm_forecaster_options opt) {
  self->state.self = self;
  self->state.start(std::move(store), std::move(opt));
  return {
      // Persist, then acknowledge with the report's slot.
      [self](psm_report_atom, const psm_slot_report& r) {
        return self->state.take_report(r);
      },
      // The stored history and the latest forecast of one series.
      [self](psm_series_atom, const access::series_key& k) {
        return self->state.series_view(k);
      },
      // The planner's view of this node's parts.
      [self](psm_forecasts_atom, std::uint64_t recent) {
        return self->state.node_forecasts(recent);
      },
      // One period: forecast every active series, then re-arm.
      [self](psm_tick_atom) { self->state.on_tick(); },
      [self](psm_fcaster_atom, uint32_t node, caf::strong_actor_ptr& f) {
        auto sender = self->current_sender();
        if (sender && sender->node() == self->node())
          self->state.peers[node] =
              caf::actor_cast<psm_forecaster_actor>(std::move(f));
      },
  };
}

psm_forecaster_actor
spawn_forecaster(caf::actor_system& sys,
                 std::shared_ptr<psm_history::history_store> store,
                 psm_forecaster_options opt) {
  return sys.spawn<caf::detached>(psm_forecaster_behavior, std::move(store),
                                  std::move(opt));
}

} // namespace ds
