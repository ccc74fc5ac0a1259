// Times the PSM history store in SQLite: one append per slot of `series`
// series (one transaction each, synchronous=FULL), past the first roll-up,
// then reading every series back as the forecaster does each period.
// Usage: history_bench DIR [series=10000] [slots=120] [full_slots=60]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "storage/psm/history_store.hpp"

using namespace ds::psm_history;
using clock_type = std::chrono::steady_clock;

static double ms_since(clock_type::time_point t0) {
  return std::chrono::duration<double, std::milli>(clock_type::now() - t0)
      .count();
}

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: history_bench DIR [series] [slots] [full]\n");
    return 2;
  }
  std::string dir = argv[1];
  uint64_t series = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 10000;
  uint64_t slots = argc > 3 ? std::strtoull(argv[3], nullptr, 10) : 120;
  history_options opt;
  opt.full_slots = argc > 4 ? std::strtoull(argv[4], nullptr, 10) : 60;
  auto store = open_sqlite_history_store(dir + "/psm.db", opt);
  std::vector<series_counts> rows(series);
  for (uint64_t i = 0; i < series; ++i)
    rows[i].key = series_key::range(std::to_string(i / 4), i % 4, i % 4);
  double worst = 0, total = 0;
  for (uint64_t t = 0; t < slots; ++t) {
    for (uint64_t i = 0; i < series; ++i)
      rows[i].counts.n = {t + i % 7, 1, 0, i % 2};
    auto t0 = clock_type::now();
    store->append(t, rows);
    auto ms = ms_since(t0);
    total += ms;
    worst = std::max(worst, ms);
  }
  auto t0 = clock_type::now();
  uint64_t points = 0;
  for (auto& k : store->active(slots - 1))
    points += store->read(k).size();
  auto read_ms = ms_since(t0);
  std::printf("series=%llu slots=%llu rows=%llu append: mean %.1f ms, "
              "worst %.1f ms per slot; read all: %.0f ms (%llu points)\n",
              (unsigned long long)series, (unsigned long long)slots,
              (unsigned long long)store->rows(), total / double(slots), worst,
              read_ms, (unsigned long long)points);
}
