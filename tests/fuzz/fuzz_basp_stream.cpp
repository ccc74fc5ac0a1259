// Fuzz target: the BASP guard's check of what a client sends to a node's
// plaintext port (actors/guard/basp_check.hpp). The first byte chooses how
// the rest is cut into reads; the verdict and the frames accepted must not
// depend on the cut, and a stream the check accepts must hold only frames
// that obey its rules.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "actors/guard/basp_check.hpp"

using ds::guard::basp_check;
using ds::guard::refusal;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0)
    return 0;
  auto step = static_cast<size_t>(data[0] % 37) + 1;
  const char* in = reinterpret_cast<const char*>(data + 1);
  size_t n = size - 1;
  const uint32_t cap = 4096;
  basp_check whole{cap, std::string(32, '\x5a')};
  auto verdict = whole.feed(in, n);
  basp_check cut{cap, std::string(32, '\x5a')};
  auto cut_verdict = refusal::none;
  for (size_t at = 0; at < n; at += step)
    cut_verdict = cut.feed(in + at, std::min(step, n - at));
  if (verdict != cut_verdict || whole.frames() != cut.frames())
    std::abort(); // the verdict depends on how the bytes arrived
  if (verdict == refusal::none && whole.frames() > 0 && !whole.greeted())
    std::abort(); // a frame passed before the handshake
  if (verdict == refusal::none && n >= ds::guard::header_bytes && data[1] != 1)
    std::abort(); // the first frame was not a client handshake
  // A refusal sticks.
  if (verdict != refusal::none && whole.feed(in, n) != verdict)
    std::abort();
  return 0;
}
