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

/// A part's series for forecasting: its own rates from its first row on,
/// and before that the directory's rates times `fraction` (the share of
/// the hash space the part covers). A part made by a split or received by
/// a move starts a new series; without this, its forecast would know
/// nothing of the directory's past (a daily surge, say) until a season of
/// its own had passed. Empty if the part has no row at or before `newest`.
std::vector<double>
inherited_rates(const std::vector<psm_history::history_point>& own,
                const std::vector<psm_history::history_point>& dir,
                double fraction, std::uint64_t newest, double slot_seconds,
                std::uint64_t max_slots);

/// The share of the hash space [lo, hi] covers, in (0, 1].
double range_fraction(std::uint64_t lo, std::uint64_t hi);

} // namespace ds::psm_actor
