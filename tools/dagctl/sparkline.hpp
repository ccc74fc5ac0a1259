// How `dagctl psm forecast` shows a series: sparklines of its history and
// forecast, or JSON.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "client/reply_json.hpp"
#include "messages/psm.hpp"

namespace ds::dagctl {

/// One block character per value, scaled so that `top` is the highest
/// block (values <= 0 the lowest); `top` <= 0 draws every value lowest.
std::string sparkline(const std::vector<double>& xs, double top);

/// The history as ops/s per slot, oldest first, the last `max` slots: a
/// rolled-up row spread evenly over its slots, missing slots 0.
std::vector<double> history_rates(const psm_series_view& v, std::size_t max);

/// The text view: history, forecast mean, interval bounds, the model.
std::string series_text(const std::string& path, const psm_series_view& v);



} // namespace ds::dagctl
