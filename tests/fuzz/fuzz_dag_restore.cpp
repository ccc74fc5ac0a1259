// Fuzz target: a directory's hash DAG rebuilt from stored node records and
// entries (hdag::restore, model/namespace/hdag.hpp), as a shard does at
// start from its file. Damaged records (bad shapes, cycles, slots pointing
// nowhere, ranges that do not nest, entries in the wrong node) must give an
// error message, never a crash or a hang; a DAG that restores must pass its
// invariant checker and keep passing it through inserts, deletes, splits
// and a full listing by cookies.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include <fuzzer/FuzzedDataProvider.h>

#include "model/namespace/hdag.hpp"
#include "model/namespace/name.hpp"

namespace {

using ds::hdag;

/// A prefix-aligned block of hashes, mostly; any pair of numbers sometimes.
void pick_range(FuzzedDataProvider& in, uint64_t& lo, uint64_t& hi) {
  if (in.ConsumeIntegralInRange(0, 7) == 0) {
    lo = in.ConsumeIntegral<uint64_t>();
    hi = in.ConsumeIntegral<uint64_t>();
    return;
  }
  auto depth = in.ConsumeIntegralInRange<unsigned>(0, 6);
  if (depth == 0) {
    lo = 0;
    hi = ~uint64_t{0};
    return;
  }
  auto i = in.ConsumeIntegralInRange<uint64_t>(0, (uint64_t{1} << depth) - 1);
  lo = i << (64 - depth);
  hi = lo + ((uint64_t{1} << (64 - depth)) - 1);
}

std::string pick_name(FuzzedDataProvider& in) {
  static const char* names[] = {"a", "b", "c", "d", "e", "f", "g", "h",
                                "i", "j", "k", "l", "m", "n", "o", "p"};
  return names[in.ConsumeIntegralInRange(0, 15)] +
         std::to_string(in.ConsumeIntegralInRange(0, 63));
}

void must_hold(const hdag& d) {
  if (!d.check().empty())
    std::abort(); // an operation broke an invariant of a restored DAG
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in{data, size};
  ds::hdag_config cfg;
  cfg.list_capacity = in.ConsumeIntegralInRange(1, 8);
  cfg.level_bits = in.ConsumeIntegralInRange(1, 3);
  cfg.max_width_bits = in.ConsumeIntegralInRange<uint8_t>(cfg.level_bits, 6);
  cfg.merge = in.ConsumeBool();
  std::vector<ds::node_record> nodes(in.ConsumeIntegralInRange(0, 12));
  for (auto& r : nodes) {
    r.id = in.ConsumeIntegralInRange<ds::node_id>(1, 16);
    pick_range(in, r.lo, r.hi);
    r.array = in.ConsumeBool();
    r.start_bit = in.ConsumeIntegralInRange<uint8_t>(0, 64);
    r.width_bits = in.ConsumeIntegralInRange<uint8_t>(0, 4);
    auto slots = size_t{1} << r.width_bits;
    if (in.ConsumeIntegralInRange(0, 7) == 0)
      slots = in.ConsumeIntegralInRange<size_t>(0, 20);
    for (size_t i = 0; i < slots; ++i)
      r.slots.push_back(in.ConsumeIntegralInRange<ds::node_id>(1, 16));
  }
  std::vector<ds::entry> entries(in.ConsumeIntegralInRange(0, 24));
  for (auto& e : entries) {
    e.name = pick_name(in);
    e.hash = in.ConsumeIntegralInRange(0, 15) == 0
                 ? in.ConsumeIntegral<uint64_t>()
                 : ds::name_hash(e.name);
    e.row = in.ConsumeIntegral<uint32_t>();
  }
  hdag d;
  if (!hdag::restore(cfg, nodes, entries, d).empty())
    return 0;
  must_hold(d);
  ds::hdag_changes ch;
  while (in.remaining_bytes() > 0) {
    auto name = pick_name(in);
    auto h = ds::name_hash(name);
    switch (in.ConsumeIntegralInRange(0, 3)) {
    case 0:
      (void)d.insert(ds::entry{name, h, {}, 1}, ch);
      break;
    case 1:
      (void)d.erase(name, h, ch);
      break;
    case 2:
      (void)d.split(d.list_for(h), ch);
      break;
    case 3: {
      // A listing page by page sees every entry once, in order.
      ds::readdir_cookie from;
      size_t seen = 0;
      bool eof = false;
      auto page = in.ConsumeIntegralInRange<size_t>(1, 5);
      while (!eof) {
        auto xs = d.readdir(from, page, eof);
        if (xs.empty() && !eof)
          std::abort(); // a page with nothing that is not the end
        seen += xs.size();
        if (!xs.empty())
          from = ds::readdir_cookie{xs.back().hash, xs.back().name, false};
        if (seen > d.size())
          std::abort();
      }
      if (seen != d.size())
        std::abort();
      break;
    }
    }
    must_hold(d);
    ch.clear();
  }
  return 0;
}
