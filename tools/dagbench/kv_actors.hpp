// dagbench kv against dagshard with one event-based actor per client.
#pragma once

#include <cstdint>
#include <vector>

#include "client/client.hpp"
#include "client/settings_session.hpp"
#include "tools/dagbench/kv_bench.hpp"

namespace ds::bench {

/// Runs `ops` operations from `clients` actors, one operation in flight
/// each, spread over the nodes of `clis` (and their `sessions` for sets,
/// when given); the workload is run_kv's, seed for seed.
kv_result run_kv_actors(const std::vector<client>& clis,
                        const std::vector<settings_session_actor>& sessions,
                        uint64_t clients, uint64_t ops, uint64_t read_percent,
                        uint64_t keys, uint64_t seed);

} // namespace ds::bench
