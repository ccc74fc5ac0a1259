// dagbench placement: balance and movement of the placement functions, next
// to the theoretical figures.
#include <algorithm>
#include <cstdio>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/meta/placement.hpp"

namespace ds::bench {

namespace {

struct outcome {
  std::vector<uint32_t> where;
  double imbalance = 0;
};

outcome plain(uint32_t n, uint64_t keys) {
  hash_ring r{n};
  outcome o;
  std::vector<double> load(n);
  for (uint64_t k = 1; k <= keys; ++k) {
    o.where.push_back(r.home(key_hash(k)));
    ++load[o.where.back()];
  }
  o.imbalance = *std::max_element(load.begin(), load.end()) /
                (static_cast<double>(keys) / n);
  return o;
}

outcome bounded(uint32_t n, double c, uint64_t keys) {
  bounded_ring r{n, c};
  outcome o;
  for (uint64_t k = 1; k <= keys; ++k)
    o.where.push_back(r.assign(key_hash(k)));
  o.imbalance = r.imbalance();
  return o;
}

double moved(const outcome& a, const outcome& b) {
  uint64_t m = 0;
  for (size_t i = 0; i < a.where.size(); ++i)
    m += a.where[i] != b.where[i];
  return static_cast<double>(m) / static_cast<double>(a.where.size());
}

} // namespace

nlohmann::json placement_report(uint32_t n, double c, uint64_t keys,
                                bool print) {
  auto p = plain(n, keys), p_add = plain(n + 1, keys),
       p_rm = plain(n - 1, keys);
  auto b = bounded(n, c, keys), b_add = bounded(n + 1, c, keys),
       b_rm = bounded(n - 1, c, keys);
  nlohmann::json out{
      {"shards", n},
      {"keys", keys},
      {"capacity_factor", c},
      {"plain",
       {{"max_over_mean", p.imbalance},
        {"moved_on_add", moved(p, p_add)},
        {"moved_on_remove", moved(p, p_rm)}}},
      {"bounded",
       {{"max_over_mean", b.imbalance},
        {"moved_on_add", moved(b, b_add)},
        {"moved_on_remove", moved(b, b_rm)}}},
      {"theory",
       {{"bounded_max_over_mean", c},
        {"moved_on_add", 1.0 / (n + 1)},
        {"moved_on_remove", 1.0 / n}}},
  };
  if (print) {
    std::printf("%llu keys on %u shards (128 virtual nodes each)\n",
                static_cast<unsigned long long>(keys), n);
    std::printf("%-26s %10s %14s %16s\n", "", "max/mean", "moved on add",
                "moved on remove");
    std::printf("%-26s %10.3f %14.4f %16.4f\n", "consistent hashing",
                p.imbalance, moved(p, p_add), moved(p, p_rm));
    std::printf(
        "%-26s %10.3f %14.4f %16.4f\n",
        ("bounded loads, c = " + std::to_string(c).substr(0, 4)).c_str(),
        b.imbalance, moved(b, b_add), moved(b, b_rm));
    std::printf("%-26s %10.3f %14.4f %16.4f\n", "theory (bound; 1/n)", c,
                1.0 / (n + 1), 1.0 / n);
  }
  return out;
}

} // namespace ds::bench
