// The planner's steps as one class, shared by planner.cpp (steps 1 and 5,
// and the bookkeeping) and planner_place.cpp (steps 2 to 4). Internal: the
// interface is planner.hpp.
#pragma once

#include <map>
#include <optional>
#include <set>

#include "psm/plan/curve_ring.hpp"
#include "psm/plan/planner.hpp"

namespace ds::plan::detail {

/// The highest value of a curve and where it is (first on ties).
struct peak_info {
  double value = 0;
  std::size_t index = 0;
};

inline peak_info peak_of(const std::vector<double>& v) {
  peak_info p;
  for (std::size_t i = 0; i < v.size(); ++i)
    if (v[i] > p.value)
      p = {v[i], i};
  return p;
}

inline void add_to(std::vector<double>& sum, const std::vector<double>& v,
                   double scale = 1) {
  for (std::size_t i = 0; i < sum.size(); ++i)
    sum[i] += scale * v[i];
}

/// A part, or a sub-part of a split decided now, waiting to be placed.
struct unit {
  part_id id;
  std::size_t part = 0;     ///< index into the sorted parts
  uint32_t current = 0;     ///< shard index
  std::vector<double> mean; ///< its placement curve, ops/s
  /// What its shard's predicted curve counts for it: its share of the
  /// forecast's mean, even where the planner does not trust that forecast.
  std::vector<double> counted;
  double peak = 0; ///< its upper bound's peak, ops/s
  std::size_t peak_index = 0;
  double now_rate = 0; ///< its rate in the last slot, ops/s
  uint64_t entries = 0;
  int cluster = 0;
  bool fresh = false; ///< a sub-part of a split decided in this planning
};

/// Where step 4 puts a unit, and how it came there.
struct placement {
  uint32_t at = 0;      ///< shard index
  bool pinned = false;  ///< moved within the quiet time: it stays
  bool skipped = false; ///< `skip` holds the skip_quiet or skip_budget
  decision skip;
  std::string note; ///< why the rebalancing moved it ("" if it did not)
};

/// A directory marked cold in step 1, consolidated in step 5.
struct cold_dir {
  uint64_t dir = 0;
  std::vector<std::size_t> parts;
  std::vector<double> upper; ///< the directory's summed upper bound
};

class planner {
public:
  explicit planner(const plan_input& in);
  /// upper_, mean_ and reacting_ from the parts' forecasts and histories.
  void floor_by_observed();
  std::vector<decision> run();

private:
  void find_cold();
  void judge_dir(uint64_t dir, const std::vector<std::size_t>& group);
  bool cold(uint64_t dir) const;
  std::vector<int> cluster() const;
  /// How strongly sorted part i's accesses lead into part j's directory,
  /// in [0, 1] (0: not at all).
  double co_access_strength(std::size_t i, std::size_t j) const;
  /// Shortens the condensed distances between the `active` parts by their
  /// co-access strength.
  void with_co_access(const std::vector<std::size_t>& active,
                      std::vector<double>& dist) const;
  std::vector<unit> split_hot(const std::vector<int>& labels);
  void make_units(std::size_t i, uint32_t n, int label,
                  std::vector<unit>& out) const;
  void place(std::vector<unit>& units);
  /// Per cluster: its units' count, and how many went to each shard.
  struct spread {
    std::size_t units = 0;
    std::map<uint32_t, std::size_t> on;
  };
  void keep(const unit& u, placement& w, spread& mine);
  void place_one(const unit& u, placement& w, spread& mine);
  /// Moves and swaps that lower the predicted overload where a shard is
  /// more than repair_slack above the bound (planner_rebalance.cpp).
  void rebalance(const std::vector<unit>& units, std::vector<placement>& where);
  void emit(const unit& u, const placement& w);
  /// Records in `w` a skip of unit u (kind skip_quiet or skip_budget): it
  /// would have gone to shard index `to`, predicted there at `shard_peak`.
  void skip(const unit& u, placement& w, decision_kind kind, uint32_t to,
            double shard_peak, std::string note);
  /// Whether `moves` and `entries` more (or fewer) fit the period's budget.
  bool budget_fits(int64_t moves, int64_t entries) const;
  /// Puts unit a on shard `to` and, if b < units.size(), unit b on a's
  /// shard, noting why in both.
  void apply(const std::vector<unit>& units, std::vector<placement>& where,
             std::size_t a, std::size_t b, uint32_t to);
  /// Records why the rebalancing's best change was not made: unit u, on
  /// an overloaded shard, would have gone to `to` (in a swap with the part
  /// of curve `swapped`, if not null).
  void blocked(const unit& u, placement& w, uint32_t to,
               const std::vector<double>* swapped, bool quiet);
  /// Shard s's overload (curve_ring::overload_after).
  double overload(uint32_t s, const std::vector<double>* take,
                  const std::vector<double>* give) const;
  /// The moves and entries that putting unit u on shard `to` adds to the
  /// period's (negative when it takes back a move decided now).
  std::pair<int64_t, int64_t> move_cost(const unit& u, uint32_t from,
                                        uint32_t to) const;
  void consolidate();
  void consolidate_one(const cold_dir& c);

  bool recent(const decision& d, int64_t window) const {
    return d.at > in_.now - window && d.at <= in_.now;
  }
  bool quiet_blocks_move(const part_id& id) const;
  /// A split of exactly this part was decided within the last two
  /// periods, yet the part is still reported whole: its split is being
  /// carried out, or its sub-parts have not reported yet. It is neither
  /// split again nor placed until the view shows what became of it (if
  /// the split failed, it is decided again after that).
  bool split_pending(const part_id& id) const;
  bool quiet_blocks_kind(uint64_t dir, bool want_consolidate) const;
  std::string budget_note() const;
  /// The reason's forecast fields for sorted part i at peak pk.
  reason reason_of(std::size_t i, int cluster, const peak_info& pk) const;
  /// Shard index s's predicted curve, raised over the next period to its
  /// current rate where that is higher (the reactive floor, as for parts).
  std::vector<double> shard_curve(uint32_t s) const;
  /// The peak of shard_curve of the shard with this id, ops/s.
  double input_peak(uint32_t shard_id) const;
  decision make(decision_kind k, const part_id& id, uint32_t from, uint32_t to,
                reason why) const;

  const plan_input& in_;
  const settings& cfg_;
  std::vector<const part_input*> parts_; ///< sorted by id
  /// Per sorted part: its forecast's upper bound, raised over the next
  /// period to the rate observed over the last one where that is higher.
  std::vector<std::vector<double>> upper_;
  /// Per sorted part: its forecast's mean, or the observed rate where the
  /// forecast is not trusted.
  std::vector<std::vector<double>> mean_;
  std::vector<bool> reacting_; ///< the observed rate set the bound
  /// Per sorted part: the bound that judges consolidation, the forecast's
  /// upper bound floored as above even where it is not trusted.
  std::vector<std::vector<double>> cold_upper_;
  std::vector<const shard_input*> shards_; ///< sorted; position = index
  std::map<uint32_t, uint32_t> index_of_;
  std::size_t h_ = 0;
  std::vector<cold_dir> cold_;
  std::optional<curve_ring> ring_;
  std::vector<decision> out_;
  uint32_t moves_used_ = 0;
  uint64_t entries_used_ = 0;
};

} // namespace ds::plan::detail
