#include "messages/raft_codec.hpp"

#include "model/msgpack_read.hpp"

namespace ds {

namespace {

void pack_entry(mp::packer& pk, const raft::entry& e) {
  pk.pack_array(4);
  pk.pack(e.term);
  pk.pack(e.index);
  pk.pack(static_cast<unsigned>(e.type));
  mp::pack_bytes(pk, e.data);
}

raft::entry unpack_entry(const msgpack::object& o) {
  auto* f = mp::fields<wire_error>(o, 4, "raft entry");
  raft::entry e;
  e.term = f[0].as<uint64_t>();
  e.index = f[1].as<uint64_t>();
  auto t = f[2].as<unsigned>();
  if (t > 1)
    throw wire_error("raft entry of unknown type");
  e.type = static_cast<raft::entry_type>(t);
  e.data = mp::bytes(f[3]);
  return e;
}

void pack_message(mp::packer& pk, const raft::message& m) {
  pk.pack_array(15);
  pk.pack(1); // version
  pk.pack(static_cast<unsigned>(m.type));
  pk.pack(m.from);
  pk.pack(m.to);
  pk.pack(m.term);
  pk.pack(m.log_term);
  pk.pack(m.index);
  pk.pack_array(static_cast<uint32_t>(m.entries.size()));
  for (auto& e : m.entries)
    pack_entry(pk, e);
  pk.pack(m.commit);
  pk.pack(m.reject);
  pk.pack(m.reject_hint);
  pk.pack(m.read_seq);
  if (m.snap) {
    pk.pack_array(5);
    pk.pack(m.snap->meta.index);
    pk.pack(m.snap->meta.term);
    pk.pack(m.snap->meta.voters);
    mp::pack_bytes(pk, m.snap->data);
    pk.pack(true);
  } else {
    pk.pack_nil();
  }
  pk.pack(m.context);
  pk.pack(0); // reserved
}

raft::message unpack_message(const msgpack::object& o) {
  auto* f = mp::fields<wire_error>(o, 15, "raft message");
  if (f[0].as<int>() != 1)
    throw wire_error("raft message of unknown version");
  raft::message m;
  auto t = f[1].as<unsigned>();
  if (t > static_cast<unsigned>(raft::msg_type::timeout_now))
    throw wire_error("raft message of unknown type");
  m.type = static_cast<raft::msg_type>(t);
  m.from = f[2].as<uint64_t>();
  m.to = f[3].as<uint64_t>();
  m.term = f[4].as<uint64_t>();
  m.log_term = f[5].as<uint64_t>();
  m.index = f[6].as<uint64_t>();
  if (f[7].type != msgpack::type::ARRAY)
    throw wire_error("malformed raft message entries");
  for (uint32_t i = 0; i < f[7].via.array.size; ++i)
    m.entries.push_back(unpack_entry(f[7].via.array.ptr[i]));
  m.commit = f[8].as<uint64_t>();
  m.reject = f[9].as<bool>();
  m.reject_hint = f[10].as<uint64_t>();
  m.read_seq = f[11].as<uint64_t>();
  if (!f[12].is_nil()) {
    auto* s = mp::fields<wire_error>(f[12], 5, "raft snapshot");
    raft::snapshot snap;
    snap.meta.index = s[0].as<uint64_t>();
    snap.meta.term = s[1].as<uint64_t>();
    snap.meta.voters = s[2].as<std::vector<uint64_t>>();
    snap.data = mp::bytes(s[3]);
    m.snap = std::move(snap);
  }
  m.context = f[13].as<std::string>();
  return m;
}

} // namespace

std::string encode_raft_message(const raft::message& m) {
  msgpack::sbuffer buf;
  mp::packer pk{buf};
  pack_message(pk, m);
  return std::string(buf.data(), buf.size());
}

raft::message decode_raft_message(const std::string& bytes) {
  return mp::guarded<wire_error>("raft message", [&] {
    auto oh = mp::unpack(bytes);
    return unpack_message(oh.get());
  });
}

std::string encode_envelope(const raft::envelope& e) {
  msgpack::sbuffer buf;
  mp::packer pk{buf};
  pk.pack_array(4);
  pk.pack(1); // version
  pk.pack(e.from);
  pk.pack(e.to);
  pk.pack_array(static_cast<uint32_t>(e.msgs.size()));
  for (auto& gm : e.msgs) {
    pk.pack_array(3);
    pk.pack(gm.group);
    pk.pack(gm.quiesce);
    pack_message(pk, gm.msg);
  }
  return std::string(buf.data(), buf.size());
}

raft::envelope decode_envelope(const std::string& bytes) {
  return mp::guarded<wire_error>("raft envelope", [&] {
    auto oh = mp::unpack(bytes);
    auto* f = mp::fields<wire_error>(oh.get(), 4, "raft envelope");
    if (f[0].as<int>() != 1)
      throw wire_error("raft envelope of unknown version");
    raft::envelope e;
    e.from = f[1].as<uint64_t>();
    e.to = f[2].as<uint64_t>();
    if (f[3].type != msgpack::type::ARRAY)
      throw wire_error("malformed raft envelope");
    for (uint32_t i = 0; i < f[3].via.array.size; ++i) {
      auto* g = mp::fields<wire_error>(f[3].via.array.ptr[i], 3,
                                       "raft envelope message");
      raft::group_message gm;
      gm.group = g[0].as<uint32_t>();
      gm.quiesce = g[1].as<bool>();
      gm.msg = unpack_message(g[2]);
      if (gm.msg.from != e.from || gm.msg.to != e.to)
        throw wire_error("raft envelope holds a message of other nodes");
      e.msgs.push_back(std::move(gm));
    }
    return e;
  });
}

} // namespace ds
