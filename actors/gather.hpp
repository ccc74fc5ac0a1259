// Answers from several actors, gathered into one ordered reply that is
// delivered when the last part arrives (each part fills its own slot of
// `out`, so the order does not depend on who answers first).
#pragma once

#include <cstddef>
#include <vector>

#include <caf/typed_response_promise.hpp>

namespace ds {

template <class T> struct gather {
  std::vector<T> out;
  std::size_t left = 0;
  caf::typed_response_promise<std::vector<T>> rp;

  void part_done() {
    if (--left == 0)
      rp.deliver(std::move(out));
  }
};

} // namespace ds
