// The forecaster's plain steps, apart from CAF so that tests can run them
// on the same stored history: a shard's report as history rows, and a
// series' stored rows as a dense rate series for the forecasting models.
#pragma once

#include <cstdint>
#include <vector>

#include "messages/psm.hpp"
#include "storage/psm/history_store.hpp"

namespace ds::psm_actor {

/// A report's rows: each part's counts, and per directory the sum of its
/// parts in the report (another shard's report of the same slot adds to it
/// in the store). Rows in key order, one per series.
std::vector<psm_history::series_counts> report_rows(const psm_slot_report& r);

/// Ops/s per slot (all four kinds), oldest first, over the last at most
/// `max_slots` slots ending at `newest`, from the series' first row on.
/// A rolled-up row is spread evenly over its slots; slots without a row
/// are 0. Empty if the series has no row at or before `newest`.
std::vector<double>
dense_rates(const std::vector<psm_history::history_point>& ps,
            std::uint64_t newest, double slot_seconds, std::uint64_t max_slots);

} // namespace ds::psm_actor
