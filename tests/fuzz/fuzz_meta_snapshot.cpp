// Fuzz target: snapshots of the metadata state (model/meta/meta_codec.hpp),
// as raft.db stores them and a leader sends them, and the PSM decisions
// its plannings hold (psm/plan/decision_codec.hpp, which dagctl decodes).
// Bad bytes must end in meta_codec_error and leave the state as it was; a
// state that decodes must survive a round trip and answer its queries.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string>

#include "model/meta/meta_codec.hpp"
#include "psm/plan/decision_codec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string in{reinterpret_cast<const char*>(data), size};
  ds::meta_state s;
  (void)s.apply(ds::config_set{"psm.policy", "off", 0});
  auto before = ds::encode_meta_state(s);
  try {
    ds::decode_meta_state(in, s);
  } catch (const ds::meta_codec_error&) {
    if (ds::encode_meta_state(s) != before)
      std::abort(); // a refused snapshot changed the state
    return 0;
  }
  auto again = ds::encode_meta_state(s);
  ds::meta_state t;
  ds::decode_meta_state(again, t);
  if (ds::encode_meta_state(t) != again)
    std::abort();
  (void)s.migrations_page(ds::migration_query{});
  (void)s.migrations_page(ds::migration_query{0, 0, true});
  for (auto& [dir, parts] : s.placements())
    (void)s.placement(dir);
  for (auto& p : s.plannings()) {
    try {
      auto xs = ds::plan::decode_decisions(p.decisions);
      auto again = ds::plan::encode_decisions(xs);
      if (ds::plan::encode_decisions(ds::plan::decode_decisions(again)) !=
          again)
        std::abort();
    } catch (const std::invalid_argument&) {
    }
  }
  return 0;
}
