// A small world for end-to-end planner tests: directories whose rates are
// given per slot, parts that carry a share of their directory's rate in
// proportion to their hash range, forecasts from the PSM's models on each
// part's history, and the planner's decisions applied as the shards would
// (splits in place, moves, consolidations home). No actors, no clock.
#pragma once

#include "psm/forecast/selection.hpp"
#include "psm/forecast/spar.hpp"
#include "psm/forecast/tiered.hpp"
#include "psm/plan/decision_log.hpp"
#include "psm/plan/planner.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <stdexcept>
#include <vector>

namespace plan_sim {

using namespace ds::plan;
namespace fc = ds::forecast;

/// The rate of directory `dir` at `slot`, ops/s.
using rate_fn = std::function<double(uint64_t dir, int64_t slot)>;

struct sim_part {
  part_id id;
  uint32_t shard = 0;
  uint32_t home = 0;
  uint64_t entries = 1000;
  std::vector<double> history; ///< one rate per slot since slot 0
};

inline double share(const ds::hash_range& r) {
  return (double(r.hi - r.lo) + 1.0) / 18446744073709551616.0;
}

class world {
public:
  /// Directories on their homes (dir % shards), each whole, and `slots` of
  /// history already lived (slots 0..slots-1); `now` is the last of them.
  world(std::vector<uint64_t> dirs, uint32_t shards, rate_fn rate,
        int64_t slots)
      : shards_(shards), rate_(std::move(rate)) {
    for (auto d : dirs)
      parts_.push_back(
          {{d, {}}, uint32_t(d % shards), uint32_t(d % shards), 1000, {}});
    advance_to(slots - 1);
  }

  /// Lives slots up to `slot`.
  void advance_to(int64_t slot) {
    for (int64_t t = now_ + 1; t <= slot; ++t)
      for (auto& p : parts_)
        p.history.push_back(rate_(p.id.dir, t) * share(p.id.range));
    now_ = slot;
  }

  /// The planner's input: the last `keep` slots of history, forecasts by
  /// `fit` over `opt.horizon` slots.
  plan_input input(const settings& cfg, const decision_log& log,
                   const fc::tier_options& opt, std::size_t keep,
                   bool tiered) const {
    plan_input in;
    in.config = cfg;
    in.now = now_;
    in.recent = log.recent(now_, std::max(cfg.quiet_slots, cfg.period_slots));
    for (uint32_t s = 0; s < shards_; ++s)
      in.shards.push_back(
          {s, 0, std::vector<double>(std::size_t(opt.horizon))});
    for (const auto& p : parts_) {
      part_input pi;
      pi.id = p.id;
      pi.shard = p.shard;
      pi.home = p.home;
      pi.entries = p.entries;
      auto from = p.history.size() > keep ? p.history.size() - keep : 0;
      pi.history.assign(p.history.begin() + long(from), p.history.end());
      pi.forecast = forecast(pi.history, opt, tiered);
      auto& sh = in.shards[p.shard];
      sh.load += pi.history.back();
      for (std::size_t t = 0; t < sh.predicted.size(); ++t)
        sh.predicted[t] += pi.forecast.mean[t];
      in.parts.push_back(std::move(pi));
    }
    return in;
  }

  /// Carries decisions out as the shards would.
  void apply(const std::vector<decision>& ds) {
    for (const auto& d : ds) {
      if (d.kind == decision_kind::split)
        split(d);
      else if (d.kind == decision_kind::move)
        find(d.part).shard = d.to;
      else if (d.kind == decision_kind::consolidate)
        consolidate(d.part.dir);
    }
  }

  const std::vector<sim_part>& parts() const { return parts_; }
  int64_t now() const { return now_; }

  /// The rate of each shard at `slot` (lived), ops/s.
  std::vector<double> shard_loads(int64_t slot) const {
    std::vector<double> out(shards_, 0.0);
    for (const auto& p : parts_)
      out[p.shard] += p.history.at(std::size_t(slot));
    return out;
  }

private:
  static part_forecast forecast(const std::vector<double>& h,
                                const fc::tier_options& opt, bool tiered) {
    arma::vec y(h);
    fc::tiered_forecast f;
    if (tiered) {
      f = fc::forecast_tiered(y, opt);
    } else {
      auto spar = opt.spar;
      spar.horizon = opt.horizon;
      auto s = fc::select_model(y, opt.period, {fc::spar_candidate(spar)},
                                opt.horizon, opt.origins);
      f.forecast = s.model->predict(opt.horizon, opt.level);
      f.model = s.model->name();
      f.backtest_mase = s.backtest_mase;
    }
    part_forecast out;
    out.mean = arma::conv_to<std::vector<double>>::from(f.forecast.mean);
    out.upper = arma::conv_to<std::vector<double>>::from(f.forecast.upper);
    for (auto* v : {&out.mean, &out.upper}) // as the node's view clamps
      for (auto& x : *v)
        x = std::isfinite(x) && x > 0 ? x : 0;
    out.model = f.model;
    out.backtest_mase = f.backtest_mase;
    return out;
  }

  sim_part& find(const part_id& id) {
    for (auto& p : parts_)
      if (p.id == id)
        return p;
    throw std::logic_error("no such part");
  }

  void split(const decision& d) {
    sim_part whole = find(d.part);
    parts_.erase(std::find_if(parts_.begin(), parts_.end(),
                              [&](auto& p) { return p.id == d.part; }));
    for (uint32_t i = 0; i < d.parts; ++i) {
      sim_part s = whole;
      s.id.range = sub_range(whole.id.range, d.parts, i);
      s.entries = whole.entries / d.parts;
      for (auto& x : s.history)
        x /= d.parts;
      parts_.push_back(std::move(s));
    }
  }

  void consolidate(uint64_t dir) {
    sim_part whole;
    bool first = true;
    for (const auto& p : parts_)
      if (p.id.dir == dir) {
        if (first) {
          whole = p;
          whole.entries = 0;
          std::fill(whole.history.begin(), whole.history.end(), 0.0);
          first = false;
        }
        whole.entries += p.entries;
        for (std::size_t t = 0; t < p.history.size(); ++t)
          whole.history[t] += p.history[t];
      }
    parts_.erase(std::remove_if(parts_.begin(), parts_.end(),
                                [&](auto& p) { return p.id.dir == dir; }),
                 parts_.end());
    whole.id.range = ds::hash_range{};
    whole.shard = whole.home;
    parts_.push_back(std::move(whole));
  }

  uint32_t shards_;
  rate_fn rate_;
  std::vector<sim_part> parts_;
  int64_t now_ = -1;
};

} // namespace plan_sim
