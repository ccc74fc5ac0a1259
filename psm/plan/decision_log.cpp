#include "psm/plan/decision_log.hpp"

#include <algorithm>

#include <stdexcept>

namespace ds::plan {

decision_log::decision_log(std::size_t max_entries, int64_t max_age)
    : max_entries_(max_entries), max_age_(max_age) {
  if (max_entries < 1 || max_age < 0)
    throw std::invalid_argument(
        "decision_log: max_entries must be >= 1 and max_age >= 0");
}

void decision_log::append(const std::vector<decision>& ds) {
  int64_t last = kept_.empty() ? INT64_MIN : kept_.back().at;
  for (const auto& d : ds) {
    if (d.at < last)
      throw std::invalid_argument("decision_log: decision at slot " +
                                  std::to_string(d.at) +
                                  " older than the newest kept");
    last = d.at;
  }
  for (const auto& d : ds)
    kept_.push_back(d);
  while (kept_.size() > max_entries_) {
    kept_.pop_front();
    ++dropped_;
  }
}

void decision_log::expire(int64_t now) {
  while (!kept_.empty() && kept_.front().at < now - max_age_) {
    kept_.pop_front();
    ++dropped_;
  }
}

std::vector<decision> decision_log::query(int64_t since,
                                          std::optional<uint64_t> dir) const {
  std::vector<decision> out;
  for (const auto& d : kept_)
    if (d.at >= since && (!dir || d.part.dir == *dir))
      out.push_back(d);
  return out;
}

std::vector<decision> decision_log::recent(int64_t now, int64_t window) const {
  std::vector<decision> out;
  for (const auto& d : kept_)
    if (d.at > now - window && d.at <= now)
      out.push_back(d);
  return out;
}

namespace {

bool is_skip(decision_kind k) {
  return k == decision_kind::skip_budget ||
         k == decision_kind::skip_hysteresis || k == decision_kind::skip_quiet;
}

} // namespace

std::vector<decision>
without_repeated_skips(std::vector<decision> ds,
                       const std::vector<decision>& recent, int64_t window) {
  auto said = [&](const decision& d) {
    return std::any_of(recent.begin(), recent.end(), [&](const decision& r) {
      return r.kind == d.kind && r.part == d.part && r.from == d.from &&
             r.to == d.to && r.at < d.at && r.at >= d.at - window;
    });
  };
  ds.erase(std::remove_if(
               ds.begin(), ds.end(),
               [&](const decision& d) { return is_skip(d.kind) && said(d); }),
           ds.end());
  return ds;
}

} // namespace ds::plan
