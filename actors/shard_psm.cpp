// The shard's PSM access log: slots numbered by the wall clock, one report
// per slot to the node's forecaster.
#include "actors/shard.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>

#include <caf/all.hpp>

namespace ds {

namespace {

// A timer's delay; never negative (the wall clock may have stepped back).
caf::timespan delay_of(double seconds) {
  return std::chrono::duration_cast<caf::timespan>(
      std::chrono::duration<double>(std::max(seconds, 0.0)));
}

double system_seconds() {
  return std::chrono::duration<double>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

} // namespace

psm_slot_report make_slot_report(uint32_t shard, uint64_t slot,
                                 const access::slot_counts& c) {
  psm_slot_report r;
  r.shard = shard;
  r.slot = slot;
  r.parts.reserve(c.parts.size());
  for (auto& p : c.parts)
    r.parts.push_back(psm_part_counts{std::to_string(p.part.dir), p.part.lo,
                                      p.part.hi, p.counts, p.entries});
  r.top.reserve(c.top.size());
  for (auto& t : c.top)
    r.top.push_back(psm_heavy_name{std::to_string(t.dir) + "/" + t.name,
                                   t.count, t.error, t.child, t.lo, t.hi});
  return r;
}

void shard_state::start_slots() {
  counting = psm.forecaster && psm.count && psm.slot_seconds > 0;
  if (!psm.forecaster || psm.slot_seconds <= 0)
    return;
  if (!psm.unix_seconds)
    psm.unix_seconds = system_seconds;
  log = access::shard_log{psm.top_names, psm.name_sample};
  auto now = psm.unix_seconds();
  psm_slot = static_cast<uint64_t>(std::floor(now / psm.slot_seconds));
  auto left = (psm_slot + 1) * psm.slot_seconds - now;
  self->delayed_send(self, delay_of(left), psm_tick_atom::value, psm_slot);
}

void shard_state::end_slot(uint64_t slot) {
  if (slot != psm_slot || !psm.forecaster)
    return; // not this actor's timer
  auto c = log.take(*core);
  if (!c.parts.empty() || !c.top.empty())
    caf::anon_send(psm.forecaster, psm_report_atom::value,
                   make_slot_report(core->shard_id(), slot, c));
  // The timer may fire a little early or late: the next slot is the one the
  // clock is in, and never one already reported.
  auto now = psm.unix_seconds();
  auto at = static_cast<uint64_t>(std::floor(now / psm.slot_seconds));
  psm_slot = std::max(slot + 1, at);
  auto left = (psm_slot + 1) * psm.slot_seconds - now;
  self->delayed_send(self, delay_of(left), psm_tick_atom::value, psm_slot);
}

psm_import_result
shard_state::import_accesses(const std::vector<psm_access>& xs) {
  psm_import_result r;
  if (!psm.forecaster || psm.slot_seconds <= 0) {
    r.skipped = xs.size(); // no history to import into
    return r;
  }
  // Sent in slot order, each the way a live slot's report goes.
  auto got = access::import_events(*core, xs, psm.slot_seconds, psm.top_names);
  for (auto& [slot, c] : got.slots) {
    caf::anon_send(psm.forecaster, psm_report_atom::value,
                   make_slot_report(core->shard_id(), slot, c));
    ++r.reports;
  }
  r.imported = got.counted;
  r.skipped = got.skipped;
  return r;
}

} // namespace ds
