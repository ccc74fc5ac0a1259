// Space-saving heavy-hitter sketch (Metwally, Agrawal, El Abbadi 2005).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace ds::access {

/// Keeps at most k monitored items of a stream of N weighted updates.
/// Guarantees, for every item x with true frequency f(x):
///  - a monitored item's count c(x) satisfies f(x) <= c(x) <= f(x) + N/k,
///    and c(x) - error(x) <= f(x) (error(x) is the recorded overestimate);
///  - every item with f(x) > N/k is monitored.
/// Replacement scans for the minimum: O(k) per miss, O(1) per hit.
class space_saving {
public:
  struct entry {
    std::string item;
    std::uint64_t count = 0; ///< overestimate of the frequency
    std::uint64_t error = 0; ///< count - error is a lower bound
  };

  /// k >= 1 counters.
  explicit space_saving(std::size_t k);

  /// Adds weight occurrences of item.
  void add(const std::string& item, std::uint64_t weight = 1);

  /// Total weight N seen so far.
  std::uint64_t total() const { return total_; }
  std::size_t capacity() const { return k_; }

  /// Monitored entries by descending count (ties by item).
  std::vector<entry> top() const;

  /// Count of item if monitored, else 0 (its frequency is then <= N/k).
  std::uint64_t estimate(const std::string& item) const;

private:
  std::size_t k_;
  std::uint64_t total_ = 0;
  std::unordered_map<std::string, entry> items_;
};

} // namespace ds::access
