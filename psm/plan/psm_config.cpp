#include "psm/plan/psm_config.hpp"

namespace ds::plan {

psm_config read_config(const psm_policy::lookup_fn& get,
                       psm_policy::policy_kind policy) {
  using psm_policy::read_number;
  psm_config s;
  s.policy = policy;
  if (auto v = get("psm.policy"))
    psm_policy::parse_policy(*v, s.policy);
  auto& p = s.plan;
  p.threshold = read_number(get, "psm.threshold", 1000);
  p.exit_threshold = read_number(get, "psm.exit-threshold", p.threshold / 2);
  if (p.exit_threshold >= p.threshold)
    p.exit_threshold = p.threshold / 2;
  p.split_fill = read_number(get, "psm.split-fill", 0.8);
  p.max_moves = uint32_t(read_number(get, "psm.max-moves", 8));
  p.max_entries_moved =
      uint64_t(read_number(get, "psm.max-entries-moved", 100000));
  s.quiet_seconds = read_number(get, "psm.quiet-time", 600);
  p.cold_periods = int(read_number(get, "psm.cold-periods", 3));
  p.capacity_factor = read_number(get, "psm.capacity-factor", 1.25);
  p.shard_target = read_number(get, "psm.shard-target", 0);
  p.cluster_distance = read_number(get, "psm.cluster-distance", 0.3);
  p.max_split = uint32_t(read_number(get, "psm.max-split", 64));
  p.trust_mase = read_number(get, "psm.trust-mase", 2);
  s.static_parts = uint32_t(read_number(get, "psm.static-parts", 8));
  s.decisions_kept = uint32_t(read_number(get, "psm.decisions-kept", 10000));
  return s;
}

} // namespace ds::plan
