#include "tools/dagbench/kv_bench.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <random>
#include <thread>

#include <nlohmann/json.hpp>

namespace ds::bench {

namespace {

std::string base64(const std::string& in) {
  static const char* tbl =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v =
        (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    out += tbl[v >> 18];
    out += tbl[(v >> 12) & 63];
    out += tbl[(v >> 6) & 63];
    out += tbl[v & 63];
  }
  if (i + 1 == in.size()) {
    uint32_t v = uint8_t(in[i]) << 16;
    out += tbl[v >> 18];
    out += tbl[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8);
    out += tbl[v >> 18];
    out += tbl[(v >> 12) & 63];
    out += tbl[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

size_t collect(char* data, size_t size, size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

/// Keeps one HTTP connection open (curl reuses it between requests).
class etcd_client : public kv_client {
public:
  explicit etcd_client(std::string endpoint)
      : endpoint_(std::move(endpoint)), curl_(curl_easy_init()) {
    headers_ = curl_slist_append(nullptr, "Content-Type: application/json");
  }
  ~etcd_client() override {
    curl_slist_free_all(headers_);
    curl_easy_cleanup(curl_);
  }
  bool put(const std::string& key, const std::string& value) override {
    return post(
        "/v3/kv/put",
        nlohmann::json{{"key", base64(key)}, {"value", base64(value)}}.dump());
  }
  bool get(const std::string& key) override {
    // Range requests are linearizable unless "serializable" is set.
    return post("/v3/kv/range", nlohmann::json{{"key", base64(key)}}.dump());
  }

private:
  bool post(const char* path, const std::string& body) {
    std::string reply;
    auto url = endpoint_ + path;
    curl_easy_setopt(curl_, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, headers_);
    curl_easy_setopt(curl_, CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(curl_, CURLOPT_WRITEDATA, &reply);
    curl_easy_setopt(curl_, CURLOPT_TIMEOUT_MS, 10000L);
    long code = 0;
    if (curl_easy_perform(curl_) != CURLE_OK)
      return false;
    curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &code);
    return code == 200;
  }

  std::string endpoint_;
  CURL* curl_;
  curl_slist* headers_ = nullptr;
};

} // namespace

double kv_result::percentile_us(double q) const {
  if (latency_us.empty())
    return 0;
  auto v = latency_us;
  auto k = static_cast<size_t>(q * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k),
                   v.end());
  return v[k];
}

kv_result run_kv(const std::function<std::unique_ptr<kv_client>()>& make,
                 uint64_t clients, uint64_t ops, uint64_t read_percent,
                 uint64_t keys, uint64_t seed) {
  using clock_type = std::chrono::steady_clock;
  std::vector<std::unique_ptr<kv_client>> conns;
  for (uint64_t c = 0; c < clients; ++c)
    conns.push_back(make());
  std::atomic<uint64_t> next{0};
  std::mutex mtx;
  kv_result all;
  auto start = clock_type::now();
  std::vector<std::thread> pool;
  for (uint64_t c = 0; c < clients; ++c)
    pool.emplace_back([&, c] {
      std::mt19937_64 rng{seed + c};
      std::vector<double> lat;
      uint64_t errors = 0;
      std::string value(64, 'v');
      while (next.fetch_add(1) < ops) {
        auto key = "bench.k" + std::to_string(rng() % keys);
        value[0] = static_cast<char>('a' + rng() % 26);
        auto t0 = clock_type::now();
        bool ok = rng() % 100 < read_percent ? conns[c]->get(key)
                                             : conns[c]->put(key, value);
        lat.push_back(
            std::chrono::duration<double, std::micro>(clock_type::now() - t0)
                .count());
        errors += !ok;
      }
      std::lock_guard<std::mutex> guard{mtx};
      all.latency_us.insert(all.latency_us.end(), lat.begin(), lat.end());
      all.errors += errors;
    });
  for (auto& t : pool)
    t.join();
  all.seconds =
      std::chrono::duration<double>(clock_type::now() - start).count();
  all.ops = all.latency_us.size();
  return all;
}

std::unique_ptr<kv_client> make_etcd_client(const std::string& endpoint) {
  return std::make_unique<etcd_client>(endpoint);
}

} // namespace ds::bench
