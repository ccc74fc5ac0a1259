#include "model/meta/meta_codec.hpp"

#include "model/msgpack_read.hpp"

namespace ds {

// A command: [2, kind, key, value, if_version, conditional, dir, lo, hi,
// from, shard, migration]. Version 1 (9 fields) carried settings only.
std::string encode_meta_command(const meta_command& c) {
  msgpack::sbuffer buf;
  mp::packer pk{buf};
  pk.pack_array(12);
  pk.pack(2);
  pk.pack(static_cast<unsigned>(c.kind));
  pk.pack(c.key);
  mp::pack_bytes(pk, c.value);
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
  return mp::guarded<meta_codec_error>("metadata command", [&] {
    auto oh = msgpack::unpack(bytes.data(), bytes.size());
    auto& o = oh.get();
    bool v1 = o.type == msgpack::type::ARRAY && o.via.array.size == 9;
    auto* f = mp::fields<meta_codec_error>(o, v1 ? 9 : 12, "metadata command");
    if (f[0].as<int>() != (v1 ? 1 : 2))
      throw meta_codec_error("metadata command of unknown version");
    meta_command c;
    auto k = f[1].as<unsigned>();
    if (k > meta_command::migration_abort || (v1 && k != 0))
      throw meta_codec_error("metadata command of unknown kind");
    c.kind = static_cast<meta_command::kind_t>(k);
    c.key = f[2].as<std::string>();
    c.value = mp::bytes(f[3]);
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
  mp::packer pk{buf};
  pk.pack_array(5);
  pk.pack(2);
  auto cfg = s.config_list();
  pk.pack_array(static_cast<uint32_t>(cfg.size()));
  for (auto& e : cfg) {
    pk.pack_array(3);
    pk.pack(e.key);
    mp::pack_bytes(pk, e.value);
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
  mp::guarded<meta_codec_error>("metadata snapshot", [&] {
    auto oh = msgpack::unpack(bytes.data(), bytes.size());
    auto& o = oh.get();
    bool v1 = o.type == msgpack::type::ARRAY && o.via.array.size == 4;
    auto* f = mp::fields<meta_codec_error>(o, v1 ? 4 : 5, "metadata snapshot");
    if (f[0].as<int>() != (v1 ? 1 : 2))
      throw meta_codec_error("metadata snapshot of unknown version");
    std::vector<config_entry> cfg;
    if (f[1].type != msgpack::type::ARRAY || f[2].type != msgpack::type::ARRAY)
      throw meta_codec_error("malformed metadata snapshot");
    for (uint32_t i = 0; i < f[1].via.array.size; ++i) {
      auto* e = mp::fields<meta_codec_error>(f[1].via.array.ptr[i], 3, "metadata snapshot setting");
      cfg.push_back(
          config_entry{e[0].as<std::string>(), mp::bytes(e[1]), e[2].as<uint64_t>()});
    }
    std::map<inode_id, std::vector<placement_entry>> placed;
    std::map<uint64_t, migration_record> migrations;
    if (v1 && f[2].via.array.size != 0)
      throw meta_codec_error("metadata snapshot of version 1 with placement");
    for (uint32_t i = 0; !v1 && i < f[2].via.array.size; ++i) {
      auto* e = mp::fields<meta_codec_error>(f[2].via.array.ptr[i], 5, "metadata snapshot placement");
      placement_entry p{{e[1].as<uint64_t>(), e[2].as<uint64_t>()},
                        e[3].as<uint32_t>(),
                        e[4].as<uint64_t>()};
      if (!p.range.aligned())
        throw meta_codec_error("metadata snapshot placement: bad range");
      placed[e[0].as<uint64_t>()].push_back(p);
    }
    if (!v1) {
      if (f[4].type != msgpack::type::ARRAY)
        throw meta_codec_error("malformed metadata snapshot");
      for (uint32_t i = 0; i < f[4].via.array.size; ++i) {
        auto* e = mp::fields<meta_codec_error>(f[4].via.array.ptr[i], 8, "metadata snapshot move");
        migration_record m;
        m.id = e[0].as<uint64_t>();
        m.dir = e[1].as<uint64_t>();
        m.range = {e[2].as<uint64_t>(), e[3].as<uint64_t>()};
        m.from = e[4].as<uint32_t>();
        m.to = e[5].as<uint32_t>();
        auto st = e[6].as<unsigned>();
        if (st > migration_record::aborted)
          throw meta_codec_error("metadata snapshot move: bad state");
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
