// Entry names and paths: validation, hashing, splitting.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "model/namespace/errc.hpp"

namespace ds {

constexpr size_t max_name_bytes = 255;
constexpr size_t max_path_bytes = 4096;
constexpr size_t max_path_depth = 256;

/// The documented, stable 64-bit name hash: XXH3-64 of the name's bytes with
/// seed 0 (xxHash 0.8). DAG navigation consumes it from the most significant
/// bit down. Changing it would invalidate every stored DAG.
uint64_t name_hash(std::string_view name);

/// Checks an entry name: 1..255 bytes of valid UTF-8 (no overlong forms, no
/// surrogates), no '/', no NUL or other control character (U+0000..U+001F,
/// U+007F), not "." or "..". Returns ok, einval or enametoolong.
errc validate_name(std::string_view name);

/// Splits an absolute path into validated components: "/" gives none,
/// "/a/b" gives {"a","b"}. Components are separated by single slashes; a
/// trailing slash is refused, as are "//", relative paths and paths longer
/// than max_path_bytes or deeper than max_path_depth.
errc split_path(std::string_view path, std::vector<std::string>& out);

} // namespace ds
