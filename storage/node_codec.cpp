#include "storage/node_codec.hpp"

#include <msgpack.hpp>

#include "storage/sqlite.hpp"

namespace ds {

std::string encode_node(const node_record& r) {
  msgpack::sbuffer buf;
  msgpack::packer<msgpack::sbuffer> pk{buf};
  pk.pack_array(7);
  pk.pack(1);
  pk.pack(r.lo);
  pk.pack(r.hi);
  pk.pack(r.array);
  pk.pack(static_cast<unsigned>(r.start_bit));
  pk.pack(static_cast<unsigned>(r.width_bits));
  pk.pack(r.slots);
  return std::string(buf.data(), buf.size());
}

void decode_node(const std::string& bytes, node_record& out) {
  try {
    auto oh = msgpack::unpack(bytes.data(), bytes.size());
    auto& o = oh.get();
    if (o.type != msgpack::type::ARRAY || o.via.array.size != 7)
      throw sql::storage_error("node record is not a 7-element array");
    auto* f = o.via.array.ptr;
    if (f[0].as<int>() != 1)
      throw sql::storage_error("node record has an unknown version");
    out.lo = f[1].as<uint64_t>();
    out.hi = f[2].as<uint64_t>();
    out.array = f[3].as<bool>();
    auto start = f[4].as<unsigned>();
    auto width = f[5].as<unsigned>();
    if (start > 64 || width > 64)
      throw sql::storage_error("node record has bits out of range");
    out.start_bit = static_cast<uint8_t>(start);
    out.width_bits = static_cast<uint8_t>(width);
    out.slots = f[6].as<std::vector<node_id>>();
  } catch (const sql::storage_error&) {
    throw;
  } catch (const std::exception& e) {
    throw sql::storage_error(std::string{"damaged node record: "} + e.what());
  }
}

} // namespace ds
