// CAF 0.17 cannot inspect a std::variant by itself. A variant of commands
// (meta_command, part_request) is inspected directly rather than wrapped in
// a struct with a kind tag: a kind byte (the alternative's index, see
// model/variant_kind.hpp) goes first, then the alternative's own fields
// (its inspect beside its type). The inspector handles the kind before the
// body that follows it, so when loading, the body knows which alternative
// to construct (the way caf::variant is inspected). A kind this build does
// not know is an error, not a default.
#pragma once

#include <cstdint>
#include <variant>

#include <caf/error.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/sec.hpp>

#include "model/variant_kind.hpp"

namespace ds::detail {

/// The alternative of `value` whose kind number is `kind`.
template <class Variant> struct variant_body {
  uint8_t& kind;
  Variant& value;
  const char* what; ///< names the variant in the error for an unknown kind
};

template <class Inspector, class Variant>
typename Inspector::result_type inspect(Inspector& f,
                                        variant_body<Variant>& x) {
  if constexpr (Inspector::writes_state) {
    if (!emplace_kind(x.value, x.kind))
      return caf::make_error(caf::sec::invalid_argument, x.what,
                             static_cast<int>(x.kind));
  }
  return std::visit([&f](auto& c) ->
                    typename Inspector::result_type { return f(c); },
                    x.value);
}

/// Inspects `x` as its kind byte, then its alternative's fields.
/// `type_name`: the name CAF prints; `unknown`: the error for a kind this
/// build does not know.
template <class Inspector, class Variant>
typename Inspector::result_type inspect_variant(Inspector& f, Variant& x,
                                                const char* type_name,
                                                const char* unknown) {
  uint8_t kind = kind_of(x);
  variant_body<Variant> body{kind, x, unknown};
  return f(caf::meta::type_name(type_name), kind, body);
}

} // namespace ds::detail
