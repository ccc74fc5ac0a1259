// The printable names of an enum's values, in declaration order: one table
// per enum serves both its to_string and its parser, so that the two cannot
// disagree and no switch has to list every value again. Header-only.
#pragma once

#include <array>
#include <cstddef>
#include <string_view>

namespace ds {

/// REQUIRES: E's values are 0, 1, ... N-1 in declaration order, and
/// `names[i]` is the name of value i.
template <class E, size_t N> struct enum_names {
  std::array<const char*, N> names;

  /// The name of `x`; `unknown` for a value outside the table (a damaged or
  /// newer message).
  constexpr const char* operator()(E x, const char* unknown = "unknown") const {
    auto i = static_cast<size_t>(x);
    return i < N ? names[i] : unknown;
  }

  /// Sets `out` to the value named `s`; false (and `out` unchanged) if no
  /// value has that name.
  constexpr bool parse(std::string_view s, E& out) const {
    for (size_t i = 0; i < N; ++i)
      if (s == names[i]) {
        out = static_cast<E>(i);
        return true;
      }
    return false;
  }
};

} // namespace ds
