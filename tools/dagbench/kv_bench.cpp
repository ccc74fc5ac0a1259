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

kv_result run_kv_etcd_multi(const std::vector<std::string>& endpoints,
                            uint64_t clients, uint64_t ops,
                            uint64_t read_percent, uint64_t keys,
                            uint64_t seed) {
  using clock_type = std::chrono::steady_clock;
  // One thread drives every client's connection through curl's multi
  // interface: a client is an easy handle with one request in flight.
  struct conn {
    CURL* easy = nullptr;
    std::mt19937_64 rng;
    std::string url_put, url_get, reply, value = std::string(64, 'v');
    clock_type::time_point t0;
  };
  CURLM* multi = curl_multi_init();
  curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, long(clients * 2));
  auto headers = curl_slist_append(nullptr, "Content-Type: application/json");
  std::vector<conn> cs(clients);
  uint64_t next = 0;
  kv_result all;
  auto issue = [&](size_t c) {
    auto& x = cs[c];
    if (next >= ops)
      return false;
    ++next;
    auto key = "bench.k" + std::to_string(x.rng() % keys);
    x.value[0] = static_cast<char>('a' + x.rng() % 26);
    bool read = x.rng() % 100 < read_percent;
    auto body =
        read ? nlohmann::json{{"key", base64(key)}}.dump()
             : nlohmann::json{{"key", base64(key)}, {"value", base64(x.value)}}
                   .dump();
    x.reply.clear();
    curl_easy_setopt(x.easy, CURLOPT_URL,
                     read ? x.url_get.c_str() : x.url_put.c_str());
    curl_easy_setopt(x.easy, CURLOPT_COPYPOSTFIELDS, body.c_str());
    x.t0 = clock_type::now();
    curl_multi_add_handle(multi, x.easy);
    return true;
  };
  for (size_t c = 0; c < cs.size(); ++c) {
    auto& x = cs[c];
    x.rng.seed(seed + c);
    auto& ep = endpoints[c % endpoints.size()];
    x.url_put = ep + "/v3/kv/put";
    x.url_get = ep + "/v3/kv/range"; // linearizable unless serializable
    x.easy = curl_easy_init();
    curl_easy_setopt(x.easy, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(x.easy, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(x.easy, CURLOPT_WRITEDATA, &x.reply);
    curl_easy_setopt(x.easy, CURLOPT_TIMEOUT_MS, 10000L);
    curl_easy_setopt(x.easy, CURLOPT_PRIVATE, reinterpret_cast<char*>(c));
  }
  auto start = clock_type::now();
  size_t running = 0;
  for (size_t c = 0; c < cs.size(); ++c)
    running += issue(c);
  while (running > 0) {
    int still = 0;
    curl_multi_perform(multi, &still);
    int left = 0;
    while (auto m = curl_multi_info_read(multi, &left)) {
      if (m->msg != CURLMSG_DONE)
        continue;
      char* p = nullptr;
      curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &p);
      auto c = reinterpret_cast<size_t>(p);
      long code = 0;
      curl_easy_getinfo(m->easy_handle, CURLINFO_RESPONSE_CODE, &code);
      all.latency_us.push_back(std::chrono::duration<double, std::micro>(
                                   clock_type::now() - cs[c].t0)
                                   .count());
      all.errors += m->data.result != CURLE_OK || code != 200;
      curl_multi_remove_handle(multi, m->easy_handle);
      if (!issue(c))
        --running;
    }
    if (running > 0)
      curl_multi_poll(multi, nullptr, 0, 100, nullptr);
  }
  all.seconds =
      std::chrono::duration<double>(clock_type::now() - start).count();
  all.ops = all.latency_us.size();
  for (auto& x : cs)
    curl_easy_cleanup(x.easy);
  curl_multi_cleanup(multi);
  curl_slist_free_all(headers);
  return all;
}

std::unique_ptr<kv_client> make_etcd_client(const std::string& endpoint) {
  return std::make_unique<etcd_client>(endpoint);
}

} // namespace ds::bench
