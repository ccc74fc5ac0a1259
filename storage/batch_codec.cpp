#include "storage/batch_codec.hpp"

#include <algorithm>
#include <unordered_map>

#include "model/msgpack_read.hpp"
#include "model/namespace/name.hpp"
#include "storage/node_codec.hpp"
#include "storage/sqlite.hpp"

namespace ds {

namespace {

using error = sql::storage_error;

void pack_entry(mp::packer& pk, const dir_entry& x) {
  pk.pack_array(10);
  pk.pack(x.e.row);
  pk.pack(x.dir);
  pk.pack(x.e.hash);
  pk.pack(x.e.name);
  pk.pack(x.e.a.ino);
  pk.pack(static_cast<unsigned>(x.e.a.kind));
  pk.pack(x.e.a.mode);
  pk.pack(x.e.a.size);
  pk.pack(x.e.a.mtime);
  pk.pack(x.e.a.version);
}

dir_entry unpack_entry(const msgpack::object& o) {
  auto* f = mp::fields<error>(o, 10, "batch entry");
  dir_entry x;
  x.e.row = f[0].as<uint64_t>();
  x.dir = f[1].as<uint64_t>();
  x.e.hash = f[2].as<uint64_t>();
  x.e.name = f[3].as<std::string>();
  x.e.a.ino = f[4].as<uint64_t>();
  auto kind = f[5].as<unsigned>();
  if (kind > static_cast<unsigned>(entry_kind::symlink))
    throw error("batch entry of unknown kind");
  x.e.a.kind = static_cast<entry_kind>(kind);
  x.e.a.mode = f[6].as<uint32_t>();
  x.e.a.size = f[7].as<uint64_t>();
  x.e.a.mtime = f[8].as<int64_t>();
  x.e.a.version = f[9].as<uint64_t>();
  if (validate_name(x.e.name) != errc::ok)
    throw error("batch entry with an invalid name");
  if (name_hash(x.e.name) != x.e.hash)
    throw error("batch entry whose hash is not its name's");
  return x;
}

// A request record's rid, dir, hash, at, ino, kind, mode, size, mtime and
// version (10 fields).
void pack_record_fields(mp::packer& pk, const request_record& x) {
  pk.pack(x.rid);
  pk.pack(x.dir);
  pk.pack(x.hash);
  pk.pack(x.at);
  pk.pack(x.a.ino);
  pk.pack(static_cast<unsigned>(x.a.kind));
  pk.pack(x.a.mode);
  pk.pack(x.a.size);
  pk.pack(x.a.mtime);
  pk.pack(x.a.version);
}

// pack_record_fields's fields at f[0..9] into `x`.
void unpack_record_fields(const msgpack::object* f, request_record& x) {
  x.rid = f[0].as<uint64_t>();
  x.dir = f[1].as<uint64_t>();
  x.hash = f[2].as<uint64_t>();
  x.at = f[3].as<int64_t>();
  x.a.ino = f[4].as<uint64_t>();
  auto kind = f[5].as<unsigned>();
  if (kind > static_cast<unsigned>(entry_kind::symlink))
    throw error("batch request record of unknown kind");
  x.a.kind = static_cast<entry_kind>(kind);
  x.a.mode = f[6].as<uint32_t>();
  x.a.size = f[7].as<uint64_t>();
  x.a.mtime = f[8].as<int64_t>();
  x.a.version = f[9].as<uint64_t>();
}

// An answer's code as a record's field.
errc unpack_code(const msgpack::object& o) {
  auto code = o.as<unsigned>();
  if (code > static_cast<unsigned>(errc::enotleader))
    throw error("batch request record of unknown code");
  return static_cast<errc>(code);
}

// A request record: [seq, fields...] (11) for a success, with its code
// last (12) for a failed answer.
void pack_request(mp::packer& pk, const request_record& x) {
  bool failed = x.code != errc::ok;
  pk.pack_array(failed ? 12 : 11);
  pk.pack(x.seq);
  pack_record_fields(pk, x);
  if (failed)
    pk.pack(static_cast<unsigned>(x.code));
}

request_record unpack_request(const msgpack::object& o) {
  bool failed = o.type == msgpack::type::ARRAY && o.via.array.size == 12;
  auto* f = mp::fields<error>(o, failed ? 12 : 11, "batch request record");
  request_record x;
  x.seq = f[0].as<uint64_t>();
  unpack_record_fields(f + 1, x);
  if (failed) {
    x.code = unpack_code(f[11]);
    if (x.code == errc::ok)
      throw error("batch request record of unknown code");
  }
  return x;
}

// Version 3 writes the records of a batch whose sequence numbers follow
// each other (the common case: the records a leader made since its last
// batch) as [first_seq, [record...]], each record either [rid, i]: a
// success whose directory, hash and answer are those of put_entries[i]
// and whose time is that entry's mtime (a create or mkdir, the entry it
// made); or [rid, dir, hash, at, ino, kind, mode, size, mtime, version,
// code]. A create's record then costs a few bytes in the Raft log instead
// of doubling its size.

/// Whether the records' sequence numbers follow each other.
bool consecutive(const std::vector<request_record>& rs) {
  for (std::size_t i = 1; i < rs.size(); ++i)
    if (rs[i].seq != rs[0].seq + i)
      return false;
  return !rs.empty();
}

void pack_requests_v3(mp::packer& pk, const commit_batch& b) {
  // The entry each record may point at: same directory and hash, and the
  // answer's attributes (the inode number makes the match exact).
  std::unordered_multimap<uint64_t, uint32_t> by_key;
  by_key.reserve(b.put_entries.size());
  for (std::size_t i = 0; i < b.put_entries.size(); ++i)
    by_key.emplace(b.put_entries[i].e.hash ^ b.put_entries[i].dir,
                   static_cast<uint32_t>(i));
  pk.pack_array(2);
  pk.pack(b.put_requests.front().seq);
  pk.pack_array(static_cast<uint32_t>(b.put_requests.size()));
  for (auto& x : b.put_requests) {
    if (x.code == errc::ok) {
      auto [lo, hi] = by_key.equal_range(x.hash ^ x.dir);
      const dir_entry* hit = nullptr;
      uint32_t at = 0;
      for (auto it = lo; it != hi && !hit; ++it) {
        auto& e = b.put_entries[it->second];
        if (e.dir == x.dir && e.e.hash == x.hash && e.e.a == x.a &&
            e.e.a.mtime == x.at) {
          hit = &e;
          at = it->second;
        }
      }
      if (hit) {
        pk.pack_array(2);
        pk.pack(x.rid);
        pk.pack(at);
        continue;
      }
    }
    pk.pack_array(11);
    pack_record_fields(pk, x);
    pk.pack(static_cast<unsigned>(x.code));
  }
}

const msgpack::object_array& array(const msgpack::object& o, const char* what) {
  if (o.type != msgpack::type::ARRAY)
    throw error(std::string{"malformed "} + what);
  return o.via.array;
}

struct object_span {
  const msgpack::object* b;
  const msgpack::object* e;
  const msgpack::object* begin() const { return b; }
  const msgpack::object* end() const { return e; }
};

object_span mp_range(const msgpack::object_array& a) {
  return {a.ptr, a.ptr + a.size};
}

// A [dir, bytes] pair.
std::pair<inode_id, std::string> unpack_record(const msgpack::object& o,
                                               const char* what) {
  auto* f = mp::fields<error>(o, 2, what);
  return {f[0].as<uint64_t>(), mp::bytes(f[1])};
}

void unpack_requests_v3(const msgpack::object& o, commit_batch& b) {
  auto* f = mp::fields<error>(o, 2, "batch request records");
  auto seq = f[0].as<uint64_t>();
  for (auto& r : mp_range(array(f[1], "batch request records"))) {
    request_record x;
    x.seq = seq++;
    if (r.type == msgpack::type::ARRAY && r.via.array.size == 2) {
      auto* g = r.via.array.ptr;
      x.rid = g[0].as<uint64_t>();
      auto i = g[1].as<uint64_t>();
      if (i >= b.put_entries.size())
        throw error("batch request record of no entry");
      auto& e = b.put_entries[i];
      x.dir = e.dir;
      x.hash = e.e.hash;
      x.a = e.e.a;
      x.at = e.e.a.mtime;
      b.put_requests.push_back(x);
      continue;
    }
    auto* g = mp::fields<error>(r, 11, "batch request record");
    unpack_record_fields(g, x);
    x.code = unpack_code(g[10]);
    b.put_requests.push_back(x);
  }
}

} // namespace

std::string encode_commit_batch(const commit_batch& b) {
  msgpack::sbuffer buf;
  mp::packer pk{buf};
  // Version 1 unless the batch has request records (version 2 adds them;
  // version 3 when their sequence numbers follow each other).
  bool v2 = !b.put_requests.empty() || b.requests_from != 0;
  bool v3 = consecutive(b.put_requests);
  pk.pack_array(v2 ? 11 : 9);
  pk.pack(v3 ? 3 : v2 ? 2 : 1);
  pk.pack_array(static_cast<uint32_t>(b.put_entries.size()));
  for (auto& x : b.put_entries)
    pack_entry(pk, x);
  pk.pack(b.del_rows);
  pk.pack_array(static_cast<uint32_t>(b.put_nodes.size()));
  for (auto& x : b.put_nodes) {
    pk.pack_array(3);
    pk.pack(x.dir);
    pk.pack(x.r.id);
    mp::pack_bytes(pk, encode_node(x.r));
  }
  pk.pack_array(static_cast<uint32_t>(b.del_nodes.size()));
  for (auto& [dir, id] : b.del_nodes) {
    pk.pack_array(2);
    pk.pack(dir);
    pk.pack(id);
  }
  pk.pack(b.dead_dirs);
  pk.pack_array(static_cast<uint32_t>(b.put_parts.size()));
  for (auto& [dir, p] : b.put_parts) {
    pk.pack_array(2);
    pk.pack(dir);
    mp::pack_bytes(pk, encode_parts(p));
  }
  pk.pack(b.next_seq);
  pk.pack(b.next_row);
  if (v3) {
    pack_requests_v3(pk, b);
    pk.pack(b.requests_from);
  } else if (v2) {
    pk.pack_array(static_cast<uint32_t>(b.put_requests.size()));
    for (auto& x : b.put_requests)
      pack_request(pk, x);
    pk.pack(b.requests_from);
  }
  return std::string(buf.data(), buf.size());
}

commit_batch decode_commit_batch(const std::string& bytes) {
  return mp::guarded<error>("commit batch", [&] {
    auto oh = mp::unpack(bytes);
    auto& top = oh.get();
    bool v2 = top.type == msgpack::type::ARRAY && top.via.array.size == 11;
    auto* f = mp::fields<error>(top, v2 ? 11 : 9, "commit batch");
    auto version = f[0].as<int>();
    if (v2 ? version != 2 && version != 3 : version != 1)
      throw error("commit batch of unknown version");
    commit_batch b;
    for (auto& o : mp_range(array(f[1], "batch entries")))
      b.put_entries.push_back(unpack_entry(o));
    b.del_rows = f[2].as<std::vector<uint64_t>>();
    for (auto& o : mp_range(array(f[3], "batch nodes"))) {
      auto* p = mp::fields<error>(o, 3, "batch node");
      dir_node n;
      n.dir = p[0].as<uint64_t>();
      n.r.id = p[1].as<uint64_t>();
      decode_node(mp::bytes(p[2]), n.r);
      b.put_nodes.push_back(std::move(n));
    }
    for (auto& o : mp_range(array(f[4], "batch node removals"))) {
      auto* p = mp::fields<error>(o, 2, "batch node removal");
      b.del_nodes.emplace_back(p[0].as<uint64_t>(), p[1].as<uint64_t>());
    }
    b.dead_dirs = f[5].as<std::vector<uint64_t>>();
    for (auto& o : mp_range(array(f[6], "batch parts"))) {
      auto [dir, data] = unpack_record(o, "batch parts");
      dir_parts p;
      decode_parts(data, p);
      b.put_parts.emplace_back(dir, std::move(p));
    }
    b.next_seq = f[7].as<uint64_t>();
    b.next_row = f[8].as<uint64_t>();
    if (version == 3) {
      unpack_requests_v3(f[9], b);
      b.requests_from = f[10].as<uint64_t>();
    } else if (v2) {
      for (auto& o : mp_range(array(f[9], "batch request records")))
        b.put_requests.push_back(unpack_request(o));
      b.requests_from = f[10].as<uint64_t>();
    }
    return b;
  });
}

std::string encode_request_records(const std::vector<request_record>& rs) {
  msgpack::sbuffer buf;
  mp::packer pk{buf};
  pk.pack_array(static_cast<uint32_t>(rs.size()));
  for (auto& x : rs)
    pack_request(pk, x);
  return std::string(buf.data(), buf.size());
}

std::vector<request_record> decode_request_records(const std::string& bytes) {
  return mp::guarded<error>("request records", [&] {
    auto oh = mp::unpack(bytes);
    std::vector<request_record> out;
    for (auto& o : mp_range(array(oh.get(), "request records")))
      out.push_back(unpack_request(o));
    return out;
  });
}

std::vector<std::string> split_commit_batch(const commit_batch& whole,
                                            std::size_t max_bytes) {
  std::vector<std::string> out;
  commit_batch cur;
  cur.del_rows = whole.del_rows;
  cur.del_nodes = whole.del_nodes;
  cur.next_seq = whole.next_seq;
  cur.next_row = whole.next_row;
  std::size_t bytes = 0;
  auto flush = [&] {
    out.push_back(encode_commit_batch(cur));
    cur = commit_batch{};
    bytes = 0;
  };
  // Starts a new chunk before a record that would take this one over.
  auto room = [&](std::size_t n) {
    if (bytes > 0 && bytes + n > max_bytes)
      flush();
    bytes += n;
  };
  for (auto& x : whole.put_parts) {
    room(encode_parts(x.second).size() + 16);
    cur.put_parts.push_back(x);
  }
  for (auto& x : whole.put_nodes) {
    room(encode_node(x.r).size() + 24);
    cur.put_nodes.push_back(x);
  }
  for (auto& x : whole.put_entries) {
    room(x.e.name.size() + 64);
    cur.put_entries.push_back(x);
  }
  for (auto dir : whole.dead_dirs) {
    room(10);
    cur.dead_dirs.push_back(dir);
  }
  for (auto& x : whole.put_requests) {
    room(96);
    cur.put_requests.push_back(x);
  }
  flush();
  return out;
}

void append_commit_batch(commit_batch& into, commit_batch&& part) {
  auto move_all = [](auto& to, auto& from) {
    to.insert(to.end(), std::make_move_iterator(from.begin()),
              std::make_move_iterator(from.end()));
  };
  move_all(into.put_entries, part.put_entries);
  move_all(into.del_rows, part.del_rows);
  move_all(into.put_nodes, part.put_nodes);
  move_all(into.del_nodes, part.del_nodes);
  move_all(into.dead_dirs, part.dead_dirs);
  move_all(into.put_parts, part.put_parts);
  move_all(into.put_requests, part.put_requests);
  into.requests_from = std::max(into.requests_from, part.requests_from);
  if (part.next_seq != 0)
    into.next_seq = part.next_seq;
  if (part.next_row != 0)
    into.next_row = part.next_row;
}

} // namespace ds
