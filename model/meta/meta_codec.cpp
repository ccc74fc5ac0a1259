#include "model/meta/meta_codec.hpp"

#include <algorithm>

#include "model/msgpack_read.hpp"

namespace ds {

// A command, version 6: [6, kind, the command's fields in the order of its
// inspect()], kind being its index in meta_command:
//   config_set:         [6, 0, key, value, if_version, conditional]
//   migration_begin:    [6, 1, dir, lo, hi, from, to, owner, now_ns, force]
//   migration_commit:   [6, 2, migration, now_ns, entries]
//   migration_abort:    [6, 3, migration, now_ns]
//   psm_record:         [6, 4, at, policy, count, decisions, keep,
//                        keep_slots, node, series, cost_us]
//   migration_progress: [6, 5, migration, entries]
//   migration_settled:  [6, 6, migration, now_ns, keep, keep_ns]
// Older entries stay in raft.db files and are still read: version 5 had
// the same layout without the `entries` of migration_commit and
// migration_progress (v5_fields(); they read as 0); version 4 had
// version 5's layout for kinds 0-5 (v4_kinds); version 3 had the leading
// v3_fields() of kinds 0-4 only (the fields after them keep their
// defaults; psm_record is unchanged); version 2 was one flat list for
// every kind, [2, kind, key, value, if_version, conditional, dir, lo, hi,
// from, shard, migration]; version 1 (9 fields: [1, 0, key, value,
// if_version, conditional, dir, node, shard]) carried settings only.

namespace {

// Packs a command's fields (msgpack has a type for each) in inspect order.
struct field_packer {
  using result_type = void;
  mp::packer& pk;
  template <class... Ts> void operator()(Ts&&... xs) { (pack(xs), ...); }
  void pack(const std::string& s) { mp::pack_bytes(pk, s); }
  template <class T> void pack(const T& x) { pk.pack(x); }
};

// Reads the first n of a command's fields in inspect order from f[0..];
// the others keep their defaults.
struct field_reader {
  using result_type = void;
  const msgpack::object* f;
  uint32_t n;
  template <class... Ts> void operator()(Ts&... xs) {
    uint32_t i = 0;
    ((i < n ? read(f[i], xs) : void(), ++i), ...);
  }
  static void read(const msgpack::object& o, std::string& s) {
    s = mp::bytes(o);
  }
  template <class T> static void read(const msgpack::object& o, T& x) {
    x = o.as<T>();
  }
};

// The number of fields of a command (what its inspect lists).
struct field_counter {
  using result_type = void;
  uint32_t n = 0;
  template <class... Ts> void operator()(Ts&...) { n = sizeof...(Ts); }
};

uint32_t field_count(meta_command& c) {
  return std::visit(
      [](auto& x) {
        field_counter k;
        inspect(k, x);
        return k.n;
      },
      c);
}

// Versions 3 to 6: [version, kind, fields...].
meta_command decode_listed(const msgpack::object& o, int version) {
  if (o.type != msgpack::type::ARRAY || o.via.array.size < 2)
    throw meta_codec_error("malformed metadata command");
  meta_command c;
  auto kind = o.via.array.ptr[1].as<unsigned>();
  bool v3 = version == 3;
  if ((v3 && v3_fields(kind) == 0) || (version == 4 && kind >= v4_kinds) ||
      !emplace_kind(c, kind))
    throw meta_codec_error("metadata command of unknown kind");
  auto n = field_count(c);
  if (v3)
    n = std::min(v3_fields(kind), n);
  else if (version < 6)
    n = std::min(v5_fields(kind), n);
  auto* f = mp::fields<meta_codec_error>(o, 2 + n, "metadata command");
  std::visit(
      [f, n](auto& x) {
        field_reader r{f + 2, n};
        inspect(r, x);
      },
      c);
  return c;
}

// Versions 1 and 2: every field of the flat list is read (and so checked)
// whatever the kind, as before; the command takes the fields it means.
meta_command decode_flat(const msgpack::object& o, bool v1) {
  auto* f = mp::fields<meta_codec_error>(o, v1 ? 9 : 12, "metadata command");
  auto k = f[1].as<unsigned>();
  if (k > 3 || (v1 && k != 0))
    throw meta_codec_error("metadata command of unknown kind");
  config_set set{f[2].as<std::string>(), mp::bytes(f[3]), f[4].as<uint64_t>(),
                 f[5].as<bool>()};
  if (v1)
    return set;
  migration_begin begin;
  begin.dir = f[6].as<uint64_t>();
  begin.range = {f[7].as<uint64_t>(), f[8].as<uint64_t>()};
  begin.from = f[9].as<uint32_t>();
  begin.to = f[10].as<uint32_t>();
  auto migration = f[11].as<uint64_t>();
  switch (k) {
  case 0:
    return set;
  case 1:
    return begin;
  case 2:
    return migration_commit{migration};
  default:
    return migration_abort{migration};
  }
}

} // namespace

std::string encode_meta_command(const meta_command& c) {
  msgpack::sbuffer buf;
  mp::packer pk{buf};
  auto& cmd = const_cast<meta_command&>(c); // inspect() takes a reference
  pk.pack_array(2 + field_count(cmd));
  pk.pack(6);
  pk.pack(static_cast<unsigned>(kind_of(c)));
  std::visit(
      [&pk](auto& x) {
        field_packer p{pk};
        inspect(p, x);
      },
      cmd);
  return std::string(buf.data(), buf.size());
}

meta_command decode_meta_command(const std::string& bytes) {
  return mp::guarded<meta_codec_error>("metadata command", [&] {
    auto oh = mp::unpack(bytes);
    auto& o = oh.get();
    if (o.type != msgpack::type::ARRAY || o.via.array.size == 0)
      throw meta_codec_error("malformed metadata command");
    switch (o.via.array.ptr[0].as<int>()) {
    case 1:
      return decode_flat(o, true);
    case 2:
      return decode_flat(o, false);
    case 3:
    case 4:
    case 5:
    case 6:
      return decode_listed(o, o.via.array.ptr[0].as<int>());
    default:
      throw meta_codec_error("metadata command of unknown version");
    }
  });
}

// A snapshot, version 6: [6, [[key, value, version]...], [[dir, lo, hi,
// shard, epoch]...], epoch, [[id, dir, lo, hi, from, to, state, epoch,
// owner, progress, begun_ns, ended_ns, settled, entries]...], [[at, policy,
// count, decisions, node, series, cost_us]...], next_migration, [[dir, lo,
// hi, at_ns, migration]...] (moved parts whose records were pruned),
// entries_moved]. Version 5 had neither a migration's entries nor the
// entries moved by all committed moves (both read as 0); version 4 had
// neither next_migration nor the moved parts nor a migration's settled
// flag (its next id is one above its highest); version 3 had the first 8
// fields of a migration only; version 2 had no PSM plannings; version 1
// had no migrations, and its placement list was always empty.
std::string encode_meta_state(const meta_state& s) {
  msgpack::sbuffer buf;
  mp::packer pk{buf};
  pk.pack_array(9);
  pk.pack(6);
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
    pk.pack_array(14);
    pk.pack(m.id);
    pk.pack(m.dir);
    pk.pack(m.range.lo);
    pk.pack(m.range.hi);
    pk.pack(m.from);
    pk.pack(m.to);
    pk.pack(static_cast<unsigned>(m.state));
    pk.pack(m.epoch);
    mp::pack_bytes(pk, m.owner);
    pk.pack(m.progress);
    pk.pack(m.begun_ns);
    pk.pack(m.ended_ns);
    pk.pack(m.settled);
    pk.pack(m.entries);
  }
  pk.pack_array(static_cast<uint32_t>(s.plannings().size()));
  for (auto& p : s.plannings()) {
    pk.pack_array(7);
    pk.pack(p.at);
    mp::pack_bytes(pk, p.policy);
    pk.pack(p.count);
    mp::pack_bytes(pk, p.decisions);
    mp::pack_bytes(pk, p.node);
    pk.pack(p.series);
    pk.pack(p.cost_us);
  }
  pk.pack(s.next_migration());
  size_t moved = 0;
  for (auto& [dir, parts] : s.moved())
    moved += parts.size();
  pk.pack_array(static_cast<uint32_t>(moved));
  for (auto& [dir, parts] : s.moved())
    for (auto& p : parts) {
      pk.pack_array(5);
      pk.pack(dir);
      pk.pack(p.range.lo);
      pk.pack(p.range.hi);
      pk.pack(p.at_ns);
      pk.pack(p.migration);
    }
  pk.pack(s.entries_moved());
  return std::string(buf.data(), buf.size());
}

void decode_meta_state(const std::string& bytes, meta_state& out) {
  if (bytes.empty()) { // the state before any command
    out.restore({}, {}, {}, 0);
    return;
  }
  mp::guarded<meta_codec_error>("metadata snapshot", [&] {
    auto oh = mp::unpack(bytes);
    auto& o = oh.get();
    if (o.type != msgpack::type::ARRAY || o.via.array.size < 4)
      throw meta_codec_error("malformed metadata snapshot");
    int version = o.via.array.ptr[0].as<int>();
    if (version < 1 || version > 6)
      throw meta_codec_error("metadata snapshot of unknown version");
    bool v1 = version == 1;
    auto* f = mp::fields<meta_codec_error>(
        o,
        version == 6   ? 9
        : version == 5 ? 8
                       : unsigned(std::min(version, 3)) + 3,
        "metadata snapshot");
    std::vector<config_entry> cfg;
    if (f[1].type != msgpack::type::ARRAY || f[2].type != msgpack::type::ARRAY)
      throw meta_codec_error("malformed metadata snapshot");
    for (uint32_t i = 0; i < f[1].via.array.size; ++i) {
      auto* e = mp::fields<meta_codec_error>(f[1].via.array.ptr[i], 3,
                                             "metadata snapshot setting");
      cfg.push_back(config_entry{e[0].as<std::string>(), mp::bytes(e[1]),
                                 e[2].as<uint64_t>()});
    }
    std::map<inode_id, std::vector<placement_entry>> placed;
    std::map<uint64_t, migration_record> migrations;
    if (v1 && f[2].via.array.size != 0)
      throw meta_codec_error("metadata snapshot of version 1 with placement");
    for (uint32_t i = 0; !v1 && i < f[2].via.array.size; ++i) {
      auto* e = mp::fields<meta_codec_error>(f[2].via.array.ptr[i], 5,
                                             "metadata snapshot placement");
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
        auto* e = mp::fields<meta_codec_error>(f[4].via.array.ptr[i],
                                               version < 4    ? 8
                                               : version == 4 ? 12
                                               : version == 5 ? 13
                                                              : 14,
                                               "metadata snapshot move");
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
        if (version >= 4) {
          m.owner = mp::bytes(e[8]);
          m.progress = e[9].as<uint64_t>();
          m.begun_ns = e[10].as<int64_t>();
          m.ended_ns = e[11].as<int64_t>();
        }
        if (version >= 5)
          m.settled = e[12].as<bool>();
        if (version >= 6)
          m.entries = e[13].as<uint64_t>();
        migrations[m.id] = m;
      }
    }
    std::deque<psm_planning> plannings;
    if (version >= 3) {
      if (f[5].type != msgpack::type::ARRAY)
        throw meta_codec_error("malformed metadata snapshot");
      for (uint32_t i = 0; i < f[5].via.array.size; ++i) {
        auto* e = mp::fields<meta_codec_error>(f[5].via.array.ptr[i], 7,
                                               "metadata snapshot planning");
        plannings.push_back({e[0].as<int64_t>(), mp::bytes(e[1]),
                             e[2].as<uint32_t>(), mp::bytes(e[3]),
                             mp::bytes(e[4]), e[5].as<uint32_t>(),
                             e[6].as<uint64_t>()});
      }
    }
    uint64_t next_migration = 0; // before version 5: from the records
    std::map<inode_id, std::vector<moved_part>> moved;
    if (version >= 5) {
      next_migration = f[6].as<uint64_t>();
      if (next_migration == 0 ||
          (!migrations.empty() && next_migration <= migrations.rbegin()->first))
        throw meta_codec_error("metadata snapshot: bad next migration id");
      if (f[7].type != msgpack::type::ARRAY)
        throw meta_codec_error("malformed metadata snapshot");
      for (uint32_t i = 0; i < f[7].via.array.size; ++i) {
        auto* e = mp::fields<meta_codec_error>(f[7].via.array.ptr[i], 5,
                                               "metadata snapshot moved part");
        moved_part p{{e[1].as<uint64_t>(), e[2].as<uint64_t>()},
                     e[3].as<int64_t>(),
                     e[4].as<uint64_t>()};
        if (!p.range.aligned())
          throw meta_codec_error("metadata snapshot moved part: bad range");
        moved[e[0].as<uint64_t>()].push_back(p);
      }
    }
    uint64_t entries_moved = version >= 6 ? f[8].as<uint64_t>() : 0;
    out.restore(std::move(cfg), std::move(placed), std::move(migrations),
                f[3].as<uint64_t>(), std::move(plannings), next_migration,
                std::move(moved), entries_moved);
    return 0;
  });
}

} // namespace ds
