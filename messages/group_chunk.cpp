#include "messages/group_chunk.hpp"

#include "model/msgpack_read.hpp"

namespace ds {

std::string encode_group_chunk(const group_chunk& c) {
  msgpack::sbuffer buf;
  mp::packer pk(buf);
  pk.pack_array(11);
  pk.pack(1);
  pk.pack(c.group);
  pk.pack(c.from);
  pk.pack(c.transfer);
  pk.pack(c.seq);
  pk.pack(c.last);
  pk.pack(c.leader_term);
  pk.pack(c.index);
  pk.pack(c.index_term);
  pk.pack_array(static_cast<uint32_t>(c.voters.size()));
  for (uint64_t v : c.voters)
    pk.pack(v);
  mp::pack_bytes(pk, c.data);
  return std::string(buf.data(), buf.size());
}

group_chunk decode_group_chunk(const std::string& bytes) {
  return mp::guarded<wire_error>("snapshot chunk", [&] {
    auto oh = mp::unpack(bytes);
    auto* f = mp::fields<wire_error>(oh.get(), 11, "snapshot chunk");
    if (f[0].as<int>() != 1)
      throw wire_error("snapshot chunk of unknown version");
    group_chunk c;
    c.group = f[1].as<uint32_t>();
    c.from = f[2].as<uint64_t>();
    c.transfer = f[3].as<uint64_t>();
    c.seq = f[4].as<uint32_t>();
    c.last = f[5].as<bool>();
    c.leader_term = f[6].as<uint64_t>();
    c.index = f[7].as<uint64_t>();
    c.index_term = f[8].as<uint64_t>();
    if (f[9].type != msgpack::type::ARRAY)
      throw wire_error("malformed snapshot chunk");
    for (uint32_t i = 0; i < f[9].via.array.size; ++i)
      c.voters.push_back(f[9].via.array.ptr[i].as<uint64_t>());
    c.data = mp::bytes(f[10]);
    if (c.last && (c.index == 0 || c.voters.empty()))
      throw wire_error("the last snapshot chunk names no log point");
    return c;
  });
}

} // namespace ds
