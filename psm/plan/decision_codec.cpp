#include "psm/plan/decision_codec.hpp"

#include <cmath>
#include <stdexcept>

#include "model/msgpack_read.hpp"

namespace ds::plan {

// [1, [[at, kind, dir, lo, hi, from, to, parts, entries, peak, reacting,
//       peak_slot, horizon, model, mase, cluster, threshold, shard,
//       shard_peak, note]...]]; an unknown backtest error is stored as -1.
namespace {
constexpr uint32_t decision_fields = 20;
} // namespace

std::string encode_decisions(const std::vector<decision>& ds) {
  msgpack::sbuffer buf;
  mp::packer pk{buf};
  pk.pack_array(2);
  pk.pack(1);
  pk.pack_array(static_cast<uint32_t>(ds.size()));
  for (auto& d : ds) {
    pk.pack_array(decision_fields);
    pk.pack(d.at);
    pk.pack(static_cast<unsigned>(d.kind));
    pk.pack(d.part.dir);
    pk.pack(d.part.range.lo);
    pk.pack(d.part.range.hi);
    pk.pack(d.from);
    pk.pack(d.to);
    pk.pack(d.parts);
    pk.pack(d.entries);
    auto& w = d.why;
    pk.pack(w.forecast_peak);
    pk.pack(w.reacting);
    pk.pack(w.peak_slot);
    pk.pack(w.horizon);
    mp::pack_bytes(pk, w.model);
    pk.pack(std::isnan(w.backtest_mase) ? -1.0 : w.backtest_mase);
    pk.pack(w.cluster);
    pk.pack(w.threshold);
    pk.pack(w.shard);
    pk.pack(w.shard_peak);
    mp::pack_bytes(pk, w.note);
  }
  return std::string(buf.data(), buf.size());
}

std::vector<decision> decode_decisions(const std::string& bytes) {
  return mp::guarded<std::invalid_argument>("PSM decisions", [&] {
    auto oh = mp::unpack(bytes);
    auto* top = mp::fields<std::invalid_argument>(oh.get(), 2, "PSM decisions");
    if (top[0].as<int>() != 1)
      throw std::invalid_argument("PSM decisions of unknown version");
    if (top[1].type != msgpack::type::ARRAY)
      throw std::invalid_argument("malformed PSM decisions");
    std::vector<decision> out;
    for (uint32_t i = 0; i < top[1].via.array.size; ++i) {
      auto* f = mp::fields<std::invalid_argument>(
          top[1].via.array.ptr[i], decision_fields, "PSM decision");
      decision d;
      d.at = f[0].as<int64_t>();
      auto k = f[1].as<unsigned>();
      if (k > static_cast<unsigned>(decision_kind::skip_quiet))
        throw std::invalid_argument("PSM decision of unknown kind");
      d.kind = static_cast<decision_kind>(k);
      d.part.dir = f[2].as<uint64_t>();
      d.part.range = {f[3].as<uint64_t>(), f[4].as<uint64_t>()};
      d.from = f[5].as<uint32_t>();
      d.to = f[6].as<uint32_t>();
      d.parts = f[7].as<uint32_t>();
      d.entries = f[8].as<uint64_t>();
      auto& w = d.why;
      w.forecast_peak = f[9].as<double>();
      w.reacting = f[10].as<bool>();
      w.peak_slot = f[11].as<int64_t>();
      w.horizon = f[12].as<int64_t>();
      w.model = mp::bytes(f[13]);
      auto mase = f[14].as<double>();
      w.backtest_mase = mase < 0 ? std::nan("") : mase;
      w.cluster = f[15].as<int>();
      w.threshold = f[16].as<double>();
      w.shard = f[17].as<uint32_t>();
      w.shard_peak = f[18].as<double>();
      w.note = mp::bytes(f[19]);
      out.push_back(std::move(d));
    }
    return out;
  });
}

} // namespace ds::plan
