// Reading msgpack values with the checks every decoder of dagshard needs:
// an array of an exact size, bytes from a bin (or str) value, and any
// msgpack exception turned into the decoder's own error type. Header-only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

#include <msgpack.hpp>

namespace ds::mp {

using packer = msgpack::packer<msgpack::sbuffer>;

/// Packs a string as msgpack bin.
inline void pack_bytes(packer& pk, const std::string& s) {
  pk.pack_bin(static_cast<uint32_t>(s.size()));
  pk.pack_bin_body(s.data(), static_cast<uint32_t>(s.size()));
}

/// Deepest nesting of arrays and maps that a dagshard record uses (3) with
/// room to grow; deeper input is refused.
constexpr std::size_t max_depth = 16;

/// Unpacks `bytes`, which must hold exactly one msgpack value. msgpack
/// allocates an array's or a map's elements when it reads the header, so a
/// header that claims 2^32 elements would ask for ~100 GB from a 5-byte
/// input: every count is bounded by the input's size (each element takes at
/// least one byte). Throws a std::runtime_error (msgpack's) for malformed,
/// truncated or oversized input, and for bytes after the value.
inline msgpack::object_handle unpack(const std::string& bytes) {
  auto n = bytes.size();
  msgpack::unpack_limit limit{n, n / 2, n, n, n, max_depth};
  std::size_t off = 0;
  auto oh = msgpack::unpack(bytes.data(), n, off, nullptr, nullptr, limit);
  if (off != n)
    throw std::runtime_error("bytes after the value");
  return oh;
}

/// The bytes of a bin (or str) value.
inline std::string bytes(const msgpack::object& o) {
  if (o.type == msgpack::type::BIN)
    return std::string(o.via.bin.ptr, o.via.bin.size);
  return o.as<std::string>();
}

/// The fields of an array of exactly n elements; throws Error("malformed
/// <what>") otherwise.
template <class Error>
const msgpack::object* fields(const msgpack::object& o, uint32_t n,
                              const char* what) {
  if (o.type != msgpack::type::ARRAY || o.via.array.size != n)
    throw Error(std::string{"malformed "} + what);
  return o.via.array.ptr;
}

/// Runs f; a msgpack or type error inside becomes Error("malformed <what>:
/// ..."), an Error passes through unchanged.
template <class Error, class F>
auto guarded(const char* what, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Error(std::string{"malformed "} + what + ": " + e.what());
  }
}

} // namespace ds::mp
