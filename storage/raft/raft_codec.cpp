#include "storage/raft/raft_codec.hpp"

#include <msgpack.hpp>

#include "storage/sqlite.hpp"

namespace ds {

namespace {

using packer = msgpack::packer<msgpack::sbuffer>;

void pack_entry(packer& pk, const raft::entry& e) {
  pk.pack_array(4);
  pk.pack(e.term);
  pk.pack(e.index);
  pk.pack(static_cast<unsigned>(e.type));
  pk.pack_bin(static_cast<uint32_t>(e.data.size()));
  pk.pack_bin_body(e.data.data(), static_cast<uint32_t>(e.data.size()));
}

std::string bin(const msgpack::object& o) {
  if (o.type == msgpack::type::BIN)
    return std::string(o.via.bin.ptr, o.via.bin.size);
  return o.as<std::string>();
}

const msgpack::object* array(const msgpack::object& o, uint32_t n,
                             const char* what) {
  if (o.type != msgpack::type::ARRAY || o.via.array.size != n)
    throw sql::storage_error(std::string{"malformed "} + what);
  return o.via.array.ptr;
}

raft::entry unpack_entry(const msgpack::object& o) {
  auto* f = array(o, 4, "raft entry");
  raft::entry e;
  e.term = f[0].as<uint64_t>();
  e.index = f[1].as<uint64_t>();
  auto t = f[2].as<unsigned>();
  if (t > 1)
    throw sql::storage_error("raft entry of unknown type");
  e.type = static_cast<raft::entry_type>(t);
  e.data = bin(f[3]);
  return e;
}

template <class F> auto guarded(const char* what, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const sql::storage_error&) {
    throw;
  } catch (const std::exception& e) {
    throw sql::storage_error(std::string{"malformed "} + what + ": " +
                             e.what());
  }
}

} // namespace

std::string encode_raft_message(const raft::message& m) {
  msgpack::sbuffer buf;
  packer pk{buf};
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
    pk.pack_bin(static_cast<uint32_t>(m.snap->data.size()));
    pk.pack_bin_body(m.snap->data.data(),
                     static_cast<uint32_t>(m.snap->data.size()));
    pk.pack(true);
  } else {
    pk.pack_nil();
  }
  pk.pack(m.context);
  pk.pack(0); // reserved
  return std::string(buf.data(), buf.size());
}

raft::message decode_raft_message(const std::string& bytes) {
  return guarded("raft message", [&] {
    auto oh = msgpack::unpack(bytes.data(), bytes.size());
    auto* f = array(oh.get(), 15, "raft message");
    if (f[0].as<int>() != 1)
      throw sql::storage_error("raft message of unknown version");
    raft::message m;
    auto t = f[1].as<unsigned>();
    if (t > static_cast<unsigned>(raft::msg_type::read_index_resp))
      throw sql::storage_error("raft message of unknown type");
    m.type = static_cast<raft::msg_type>(t);
    m.from = f[2].as<uint64_t>();
    m.to = f[3].as<uint64_t>();
    m.term = f[4].as<uint64_t>();
    m.log_term = f[5].as<uint64_t>();
    m.index = f[6].as<uint64_t>();
    if (f[7].type != msgpack::type::ARRAY)
      throw sql::storage_error("malformed raft message entries");
    for (uint32_t i = 0; i < f[7].via.array.size; ++i)
      m.entries.push_back(unpack_entry(f[7].via.array.ptr[i]));
    m.commit = f[8].as<uint64_t>();
    m.reject = f[9].as<bool>();
    m.reject_hint = f[10].as<uint64_t>();
    m.read_seq = f[11].as<uint64_t>();
    if (!f[12].is_nil()) {
      auto* s = array(f[12], 5, "raft snapshot");
      raft::snapshot snap;
      snap.meta.index = s[0].as<uint64_t>();
      snap.meta.term = s[1].as<uint64_t>();
      snap.meta.voters = s[2].as<std::vector<uint64_t>>();
      snap.data = bin(s[3]);
      m.snap = std::move(snap);
    }
    m.context = f[13].as<std::string>();
    return m;
  });
}

// A command: [2, kind, key, value, if_version, conditional, dir, lo, hi,
// from, shard, migration]. Version 1 (9 fields) carried settings only.
std::string encode_meta_command(const meta_command& c) {
  msgpack::sbuffer buf;
  packer pk{buf};
  pk.pack_array(12);
  pk.pack(2);
  pk.pack(static_cast<unsigned>(c.kind));
  pk.pack(c.key);
  pk.pack_bin(static_cast<uint32_t>(c.value.size()));
  pk.pack_bin_body(c.value.data(), static_cast<uint32_t>(c.value.size()));
  pk.pack(c.if_version);
  pk.pack(c.conditional);
  pk.pack(c.dir);
  pk.pack(c.range.lo);
  pk.pack(c.range.hi);
  pk.pack(c.from);
  pk.pack(c.shard);
  pk.pack(c.migration);
  return std::string(buf.data(), buf.size());
}

meta_command decode_meta_command(const std::string& bytes) {
  return guarded("metadata command", [&] {
    auto oh = msgpack::unpack(bytes.data(), bytes.size());
    auto& o = oh.get();
    bool v1 = o.type == msgpack::type::ARRAY && o.via.array.size == 9;
    auto* f = array(o, v1 ? 9 : 12, "metadata command");
    if (f[0].as<int>() != (v1 ? 1 : 2))
      throw sql::storage_error("metadata command of unknown version");
    meta_command c;
    auto k = f[1].as<unsigned>();
    if (k > meta_command::migration_abort || (v1 && k != 0))
      throw sql::storage_error("metadata command of unknown kind");
    c.kind = static_cast<meta_command::kind_t>(k);
    c.key = f[2].as<std::string>();
    c.value = bin(f[3]);
    c.if_version = f[4].as<uint64_t>();
    c.conditional = f[5].as<bool>();
    c.dir = f[6].as<uint64_t>();
    if (!v1) {
      c.range.lo = f[7].as<uint64_t>();
      c.range.hi = f[8].as<uint64_t>();
      c.from = f[9].as<uint32_t>();
      c.shard = f[10].as<uint32_t>();
      c.migration = f[11].as<uint64_t>();
    }
    return c;
  });
}

// A snapshot: [2, [[key, value, version]...], [[dir, lo, hi, shard,
// epoch]...], epoch, [[id, dir, lo, hi, from, to, state, epoch]...]].
// Version 1 had no migrations, and its placement list was always empty.
std::string encode_meta_state(const meta_state& s) {
  msgpack::sbuffer buf;
  packer pk{buf};
  pk.pack_array(5);
  pk.pack(2);
  auto cfg = s.config_list();
  pk.pack_array(static_cast<uint32_t>(cfg.size()));
  for (auto& e : cfg) {
    pk.pack_array(3);
    pk.pack(e.key);
    pk.pack_bin(static_cast<uint32_t>(e.value.size()));
    pk.pack_bin_body(e.value.data(), static_cast<uint32_t>(e.value.size()));
    pk.pack(e.version);
  }
  size_t n = 0;
  for (auto& [dir, parts] : s.placements())
    n += parts.size();
  pk.pack_array(static_cast<uint32_t>(n));
  for (auto& [dir, parts] : s.placements())
    for (auto& p : parts) {
      pk.pack_array(5);
      pk.pack(dir);
      pk.pack(p.range.lo);
      pk.pack(p.range.hi);
      pk.pack(p.shard);
      pk.pack(p.epoch);
    }
  pk.pack(s.epoch());
  pk.pack_array(static_cast<uint32_t>(s.migrations().size()));
  for (auto& [id, m] : s.migrations()) {
    pk.pack_array(8);
    pk.pack(m.id);
    pk.pack(m.dir);
    pk.pack(m.range.lo);
    pk.pack(m.range.hi);
    pk.pack(m.from);
    pk.pack(m.to);
    pk.pack(static_cast<unsigned>(m.state));
    pk.pack(m.epoch);
  }
  return std::string(buf.data(), buf.size());
}

void decode_meta_state(const std::string& bytes, meta_state& out) {
  if (bytes.empty()) { // the state before any command
    out.restore({}, {}, {}, 0);
    return;
  }
  guarded("metadata snapshot", [&] {
    auto oh = msgpack::unpack(bytes.data(), bytes.size());
    auto& o = oh.get();
    bool v1 = o.type == msgpack::type::ARRAY && o.via.array.size == 4;
    auto* f = array(o, v1 ? 4 : 5, "metadata snapshot");
    if (f[0].as<int>() != (v1 ? 1 : 2))
      throw sql::storage_error("metadata snapshot of unknown version");
    std::vector<config_entry> cfg;
    if (f[1].type != msgpack::type::ARRAY || f[2].type != msgpack::type::ARRAY)
      throw sql::storage_error("malformed metadata snapshot");
    for (uint32_t i = 0; i < f[1].via.array.size; ++i) {
      auto* e = array(f[1].via.array.ptr[i], 3, "metadata snapshot setting");
      cfg.push_back(
          config_entry{e[0].as<std::string>(), bin(e[1]), e[2].as<uint64_t>()});
    }
    std::map<inode_id, std::vector<placement_entry>> placed;
    std::map<uint64_t, migration_record> migrations;
    if (v1 && f[2].via.array.size != 0)
      throw sql::storage_error("metadata snapshot of version 1 with placement");
    for (uint32_t i = 0; !v1 && i < f[2].via.array.size; ++i) {
      auto* e = array(f[2].via.array.ptr[i], 5, "metadata snapshot placement");
      placement_entry p{{e[1].as<uint64_t>(), e[2].as<uint64_t>()},
                        e[3].as<uint32_t>(),
                        e[4].as<uint64_t>()};
      if (!p.range.aligned())
        throw sql::storage_error("metadata snapshot placement: bad range");
      placed[e[0].as<uint64_t>()].push_back(p);
    }
    if (!v1) {
      if (f[4].type != msgpack::type::ARRAY)
        throw sql::storage_error("malformed metadata snapshot");
      for (uint32_t i = 0; i < f[4].via.array.size; ++i) {
        auto* e = array(f[4].via.array.ptr[i], 8, "metadata snapshot move");
        migration_record m;
        m.id = e[0].as<uint64_t>();
        m.dir = e[1].as<uint64_t>();
        m.range = {e[2].as<uint64_t>(), e[3].as<uint64_t>()};
        m.from = e[4].as<uint32_t>();
        m.to = e[5].as<uint32_t>();
        auto st = e[6].as<unsigned>();
        if (st > migration_record::aborted)
          throw sql::storage_error("metadata snapshot move: bad state");
        m.state = static_cast<migration_record::state_t>(st);
        m.epoch = e[7].as<uint64_t>();
        migrations[m.id] = m;
      }
    }
    out.restore(std::move(cfg), std::move(placed), std::move(migrations),
                f[3].as<uint64_t>());
    return 0;
  });
}

} // namespace ds
