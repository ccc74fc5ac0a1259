// The kind number of a variant of commands (its alternative's index), as
// the encodings of meta_command and part_request write it first: reading
// one back makes a default alternative of that kind, then reads its fields.
// Header-only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <variant>

namespace ds {

/// The kind number of `v` (its alternative's index).
template <class... Ts> uint8_t kind_of(const std::variant<Ts...>& v) {
  static_assert(sizeof...(Ts) <= 256, "a kind number is one byte");
  return static_cast<uint8_t>(v.index());
}

namespace detail {
template <class Variant, std::size_t... I>
bool emplace_kind(Variant& v, std::size_t kind, std::index_sequence<I...>) {
  return ((kind == I ? (v.template emplace<I>(), true) : false) || ...);
}
} // namespace detail

/// Makes `v` a default alternative of kind number `kind`; false (and `v`
/// unchanged) if there is no such kind.
template <class... Ts>
bool emplace_kind(std::variant<Ts...>& v, std::size_t kind) {
  return detail::emplace_kind(v, kind, std::index_sequence_for<Ts...>{});
}

} // namespace ds
