// The PSM's planner: one pure function from what the PSM knows now (parts,
// their histories and forecasts, shards and their predicted loads, settings,
// recent decisions) to what it decides, each decision with its reason.
// Deterministic: the same input gives the same decisions, whatever the
// order of the parts and shards in it. No clock, no I/O; the actor that
// runs it each period gathers the input and carries the decisions out.
//
// One planning (docs/ARCHITECTURE.md, "The PSM's planner", says why). The
// upper bounds below are the forecasts' raised, over the next period, to
// the rate observed over the last one (the reactive floor: an unannounced
// burst is answered as a reactive policy would).
//  1. Directories split or spread and predicted cold, whose observed rate
//     also stayed below the exit threshold for the last cold_periods
//     periods, are marked for consolidation (their parts go home and
//     merge). Those between the thresholds are kept as they are
//     (skip_hysteresis).
//  2. The other parts are clustered by the correlation distance of their
//     forecasts (average linkage, cut at cluster_distance), shortened for
//     parts used together: a part whose hot names lead into a directory
//     (part_input::leads_to) and that directory's parts are closer by the
//     link's strength, up to one cluster whatever their shapes.
//  3. A part whose forecast upper bound exceeds the threshold is split, in
//     place, into the power of two of sub-parts that brings each under
//     split_fill * threshold (a DAG node splits in halves).
//  4. In every cluster whose summed upper bound exceeds the threshold, the
//     parts stay where they are and the sub-parts of a split decided now
//     are placed, hottest first, by consistent hashing with bounded loads
//     over the shards' predicted curves (curve_ring.hpp), kept off shards
//     that already took a sub-part of the same cluster while another shard
//     has room. Where a shard is then predicted more than 5 % above the
//     bound, moves and swaps of those parts lower the overload (the
//     squared rate above the bound), most removed per move first
//     (planner_rebalance.cpp). A part that moved within the quiet time
//     stays; the best change that the quiet time or the budget refuses is
//     recorded (skip_quiet, skip_budget).
//  5. The consolidations of step 1 spend what is left of the budget.
#pragma once

#include <string>
#include <vector>

#include "psm/plan/plan_types.hpp"

namespace ds::plan {

/// "" if `in` can be planned, else a message naming the first bad field
/// (settings out of range, forecasts of different lengths, a part on an
/// unknown shard, overlapping parts, negative or non-finite rates).
std::string check(const plan_input& in);

/// One planning. Throws std::invalid_argument with check()'s message.
/// Moves decided within the last two periods are taken as done
/// (with_pending_moves) before anything is planned.
std::vector<decision> plan(const plan_input& in);

/// `in` with every part that a move decided within the last two periods
/// takes away from the shard the view still shows it on placed at the
/// move's destination, the two shards' current and predicted loads moved
/// with it. A move's source keeps reporting the part until the move is
/// done, and its destination reports it only from the next slot after:
/// meanwhile the destination looks lighter than it is about to be, and a
/// planning that believed it would send it more. A move that failed is
/// believed for two periods at most; after that the view decides again.
plan_input with_pending_moves(const plan_input& in);

/// The power of two of sub-parts that brings a part predicted at `peak`
/// (ops/s) under split_fill * threshold, at most max_split and at most what
/// the range can be cut into (aligned blocks); 1 if it needs no split.
uint32_t sub_parts_needed(double peak, const hash_range& range,
                          const settings& cfg);

/// The i-th of n equal aligned sub-ranges of r (n a power of two that r can
/// be cut into).
hash_range sub_range(const hash_range& r, uint32_t n, uint32_t i);

} // namespace ds::plan
