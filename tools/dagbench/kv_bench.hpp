// Closed-loop load on a replicated key-value store: dagshard's cluster
// settings (config set/get) or etcd's v3 HTTP/JSON gateway, with the same
// workload, so the two can be put side by side.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace ds::bench {

struct kv_result {
  uint64_t ops = 0;
  uint64_t errors = 0;
  double seconds = 0;
  std::vector<double> latency_us; ///< per operation

  double rate() const { return seconds > 0 ? ops / seconds : 0; }
  double percentile_us(double q) const;
};

/// One client's connection: put(key, value) and get(key) block and return
/// false on failure. Made once per client thread.
struct kv_client {
  virtual ~kv_client() = default;
  virtual bool put(const std::string& key, const std::string& value) = 0;
  virtual bool get(const std::string& key) = 0;
};

/// Runs `ops` operations with `clients` threads, each with its own client
/// from `make`, one operation in flight per client; `read_percent` of them
/// are gets. Keys are spread over `keys` names; values are 64 bytes.
kv_result run_kv(const std::function<std::unique_ptr<kv_client>()>& make,
                 uint64_t clients, uint64_t ops, uint64_t read_percent,
                 uint64_t keys, uint64_t seed);

/// run_kv's workload against etcd's v3 gateways at `endpoints`, every
/// client an HTTP connection driven from one thread (curl's multi
/// interface) instead of a thread of its own.
kv_result run_kv_etcd_multi(const std::vector<std::string>& endpoints,
                            uint64_t clients, uint64_t ops,
                            uint64_t read_percent, uint64_t keys,
                            uint64_t seed);

/// A client of etcd's v3 gateway at `endpoint` (e.g. http://127.0.0.1:2379).
std::unique_ptr<kv_client> make_etcd_client(const std::string& endpoint);

} // namespace ds::bench
