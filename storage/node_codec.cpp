#include "storage/node_codec.hpp"

#include "model/msgpack_read.hpp"
#include "storage/sqlite.hpp"

namespace ds {

std::string encode_node(const node_record& r) {
  msgpack::sbuffer buf;
  mp::packer pk{buf};
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
  mp::guarded<sql::storage_error>("node record", [&] {
    auto oh = mp::unpack(bytes);
    auto* f = mp::fields<sql::storage_error>(oh.get(), 7, "node record");
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
  });
}

std::string encode_parts(const dir_parts& p) {
  msgpack::sbuffer buf;
  mp::packer pk{buf};
  pk.pack_array(4);
  pk.pack(1);
  pk.pack(p.home);
  pk.pack(p.epoch);
  pk.pack_array(static_cast<uint32_t>(p.parts.size()));
  for (auto& x : p.parts) {
    pk.pack_array(6);
    pk.pack(x.range.lo);
    pk.pack(x.range.hi);
    pk.pack(static_cast<unsigned>(x.state));
    pk.pack(x.shard);
    pk.pack(x.epoch);
    pk.pack(x.migration);
  }
  return std::string(buf.data(), buf.size());
}

void decode_parts(const std::string& bytes, dir_parts& out) {
  mp::guarded<sql::storage_error>("part record", [&] {
    auto oh = mp::unpack(bytes);
    auto* f = mp::fields<sql::storage_error>(oh.get(), 4, "part record");
    if (f[0].as<int>() != 1)
      throw sql::storage_error("part record has an unknown version");
    out.home = f[1].as<bool>();
    out.epoch = f[2].as<uint64_t>();
    if (f[3].type != msgpack::type::ARRAY)
      throw sql::storage_error("part record has no part list");
    out.parts.clear();
    for (uint32_t i = 0; i < f[3].via.array.size; ++i) {
      auto* g = mp::fields<sql::storage_error>(f[3].via.array.ptr[i], 6,
                                               "part in a part record");
      dir_part x;
      x.range.lo = g[0].as<uint64_t>();
      x.range.hi = g[1].as<uint64_t>();
      auto state = g[2].as<unsigned>();
      if (state > dir_part::active || !x.range.aligned())
        throw sql::storage_error("a part has a bad state or range");
      x.state = static_cast<dir_part::state_t>(state);
      x.shard = g[3].as<uint32_t>();
      x.epoch = g[4].as<uint64_t>();
      x.migration = g[5].as<uint64_t>();
      out.parts.push_back(x);
    }
  });
}

} // namespace ds
