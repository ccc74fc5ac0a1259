// dagsh's Lua-side library (prelude.cpp).
#pragma once

namespace ds::dagsh {

/// A chunk to run once the C++ tables exist, with (docs, error metatable,
/// json.null) as its arguments.
extern const char* const prelude;

} // namespace ds::dagsh
