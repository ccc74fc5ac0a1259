// Fuzz target: the BASP guard's check of what a peer sends to a node
// (actors/guard/basp_check.hpp). The first byte chooses how the rest is cut
// into reads, which end the node is (accepted or outgoing) and whether the
// peer may speak for itself only (a console behind TLS); the verdict and
// the frames accepted must not depend on the cut, and a stream the check
// accepts must hold only frames that obey its rules.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "actors/guard/basp_check.hpp"

using ds::guard::basp_check;
using ds::guard::conn_side;
using ds::guard::refusal;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0)
    return 0;
  auto step = static_cast<size_t>(data[0] % 37) + 1;
  const char* in = reinterpret_cast<const char*>(data + 1);
  size_t n = size - 1;
  auto mode = (data[0] / 37) % 4;
  auto side = (mode & 1) ? conn_side::outgoing : conn_side::accepted;
  const uint32_t cap = 4096;
  basp_check whole{cap, std::string(32, '\x5a'), side};
  basp_check cut{cap, std::string(32, '\x5a'), side};
  if (mode & 2) {
    whole.speak_for_self_only();
    cut.speak_for_self_only();
  }
  auto verdict = whole.feed(in, n);
  auto cut_verdict = refusal::none;
  for (size_t at = 0; at < n; at += step)
    cut_verdict = cut.feed(in + at, std::min(step, n - at));
  if (verdict != cut_verdict || whole.frames() != cut.frames())
    std::abort(); // the verdict depends on how the bytes arrived
  if (verdict == refusal::none && whole.frames() > 0 && !whole.greeted())
    std::abort(); // a frame passed before the handshake
  auto opening = side == conn_side::accepted ? 1 : 0;
  if (verdict == refusal::none && n >= ds::guard::header_bytes &&
      data[1] != opening)
    std::abort(); // the first frame was not the peer's handshake
  if (verdict == refusal::none && whole.greeted() &&
      whole.node().size() != ds::guard::node_id_bytes)
    std::abort(); // greeted without the node id
  // A refusal sticks.
  if (verdict != refusal::none && whole.feed(in, n) != verdict)
    std::abort();
  return 0;
}
