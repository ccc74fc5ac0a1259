// The group log store in one SQLite file. Schema (version 1):
//   meta(key, value): magic 'dagshard-raft-groups', schema, cluster, node;
//   hard(grp PRIMARY KEY, term, vote, commit_index);
//   snap(grp PRIMARY KEY, idx, term, voters, data);
//   entries(grp, idx, term, type, data, PRIMARY KEY (grp, idx)).
// entries is a rowid table: appends of many groups in one transaction go to
// the end of the table (only the small (grp, idx) index is written in the
// middle), which is two to three times faster than a WITHOUT ROWID table
// clustered by (grp, idx) once entries hold a kilobyte or more.
#include <algorithm>
#include <cstdint>

#include "storage/raft/group_log_base.hpp"
#include "storage/sqlite.hpp"

namespace ds {

namespace {

constexpr const char* magic = "dagshard-raft-groups";
constexpr const char* what = "raft group log";

uint64_t u(int64_t x) {
  return static_cast<uint64_t>(x);
}

int64_t s(uint64_t x) {
  return static_cast<int64_t>(x);
}

[[noreturn]] void refuse(uint32_t group, const std::string& why) {
  throw sql::storage_error("raft group " + std::to_string(group) + ": " + why);
}

/// A stored group id, refused if out of range (a damaged row).
uint32_t group_of(int64_t x) {
  if (x < 0 || x > int64_t{UINT32_MAX})
    throw sql::storage_error("a row has a malformed raft group id " +
                             std::to_string(x));
  return static_cast<uint32_t>(x);
}

[[noreturn]] void gap(uint32_t group, uint64_t index) {
  refuse(group, "its log has a gap before index " + std::to_string(index));
}

/// Reads every group's hard state, snapshot point and log bounds, and checks
/// that each log is contiguous after its snapshot point (through the
/// (grp, idx) index only: the entries themselves are read by load()).
std::map<uint32_t, detail::group_shadow> scan(sql::db& d) {
  std::map<uint32_t, detail::group_shadow> out;
  auto h = d.prepare("SELECT grp, term, vote, commit_index FROM hard");
  while (h.step()) {
    auto& g = out[group_of(h.int64(0))];
    g.hard = raft::hard_state{u(h.int64(1)), u(h.int64(2)), u(h.int64(3))};
    g.commit = g.hard.commit;
  }
  auto sn = d.prepare("SELECT grp, idx, voters FROM snap");
  while (sn.step()) {
    auto group = group_of(sn.int64(0));
    if (!raft::decode_voters(sn.blob(2)))
      refuse(group, "its snapshot has a malformed voter list");
    auto& g = out[group];
    g.snap = g.last = u(sn.int64(1));
  }
  auto e = d.prepare("SELECT grp, idx FROM entries ORDER BY grp, idx");
  while (e.step()) {
    auto group = group_of(e.int64(0));
    auto index = u(e.int64(1));
    auto& g = out[group];
    if (index <= g.snap)
      continue; // covered by the snapshot (load() skips it too)
    if (index != g.last + 1)
      gap(group, index);
    g.last = index;
  }
  return out;
}

class sqlite_group_log_store : public detail::group_log_base {
public:
  sqlite_group_log_store(std::unique_ptr<sql::db> d,
                         std::map<uint32_t, detail::group_shadow> shadows)
      : db_(std::move(d)),
        put_hard_(db_->handle(), "INSERT OR REPLACE INTO hard VALUES (?, ?, "
                                 "?, ?)"),
        put_entry_(db_->handle(), "INSERT INTO entries VALUES (?, ?, ?, ?, ?)"),
        cut_from_(db_->handle(),
                  "DELETE FROM entries WHERE grp = ? AND idx >= ?"),
        cut_to_(db_->handle(),
                "DELETE FROM entries WHERE grp = ? AND idx <= ?"),
        put_snap_(db_->handle(),
                  "INSERT OR REPLACE INTO snap VALUES (?, ?, ?, ?, ?)"),
        get_hard_(db_->handle(),
                  "SELECT term, vote, commit_index FROM hard WHERE grp = ?"),
        get_snap_(db_->handle(),
                  "SELECT idx, term, voters, data FROM snap WHERE grp = ?"),
        get_entries_(db_->handle(), "SELECT idx, term, type, data FROM entries"
                                    " WHERE grp = ? AND idx > ? ORDER BY idx"),
        count_(db_->handle(), "SELECT count(*) FROM entries WHERE grp = ?") {
    restore(std::move(shadows));
  }

  static void create(const std::string& path, const group_log_identity& who) {
    sql::db d(path, false);
    d.exec("BEGIN");
    d.exec("CREATE TABLE meta(key TEXT PRIMARY KEY, value) WITHOUT ROWID");
    d.exec("CREATE TABLE hard(grp INTEGER PRIMARY KEY, term INTEGER,"
           " vote INTEGER, commit_index INTEGER)");
    d.exec("CREATE TABLE snap(grp INTEGER PRIMARY KEY, idx INTEGER,"
           " term INTEGER, voters BLOB, data BLOB)");
    d.exec("CREATE TABLE entries(grp INTEGER, idx INTEGER, term INTEGER,"
           " type INTEGER, data BLOB, PRIMARY KEY (grp, idx))");
    auto ins = d.prepare("INSERT INTO meta VALUES (?, ?)");
    ins.bind_text(1, "magic").bind_text(2, magic).run();
    ins.bind_text(1, "schema").bind(2, group_log_schema_version).run();
    ins.bind_text(1, "cluster").bind(2, s(who.cluster)).run();
    ins.bind_text(1, "node").bind(2, s(who.node)).run();
    d.exec("COMMIT");
  }

  uint64_t entry_count(uint32_t group) override {
    count_.bind(1, int64_t{group});
    auto n = count_.step() ? u(count_.int64(0)) : 0;
    count_.reset();
    return n;
  }

protected:
  void write(const std::vector<detail::group_write>& ws) override {
    sql::transact(*db_, [&] {
      for (auto& w : ws) {
        int64_t group = w.group;
        if (w.rd && w.rd->snap) {
          put_snap(group, w.rd->snap->meta, w.rd->snap->data);
          cut_from_.bind(1, group).bind(2, int64_t{0}).run();
        }
        if (w.rd && !w.rd->entries.empty()) {
          cut_from_.bind(1, group)
              .bind(2, s(w.rd->entries.front().index))
              .run();
          for (auto& x : w.rd->entries)
            put_entry_.bind(1, group)
                .bind(2, s(x.index))
                .bind(3, s(x.term))
                .bind(4, static_cast<int64_t>(x.type))
                .bind(5, std::string_view{x.data})
                .run();
        }
        put_hard_.bind(1, group)
            .bind(2, s(w.hard.term))
            .bind(3, s(w.hard.vote))
            .bind(4, s(w.hard.commit))
            .run();
      }
    });
  }

  void write_compact(uint32_t group, const raft::snapshot_meta& meta,
                     std::string_view data) override {
    sql::transact(*db_, [&] {
      put_snap(group, meta, data);
      cut_to_.bind(1, int64_t{group}).bind(2, s(meta.index)).run();
    });
  }

  void erase(uint32_t group) override {
    sql::transact(*db_, [&] {
      for (auto table : {"entries", "hard", "snap"}) {
        auto del = db_->prepare(std::string{"DELETE FROM "} + table +
                                " WHERE grp = ?");
        del.bind(1, int64_t{group}).run();
      }
    });
  }

  raft::restored_state read(uint32_t group) override {
    raft::restored_state rs;
    int64_t g = group;
    struct reset_all { // leave no statement open, also on a throw
      sqlite_group_log_store* self;
      ~reset_all() {
        self->get_hard_.reset();
        self->get_snap_.reset();
        self->get_entries_.reset();
      }
    } guard{this};
    get_hard_.bind(1, g);
    if (get_hard_.step())
      rs.hard = raft::hard_state{u(get_hard_.int64(0)), u(get_hard_.int64(1)),
                                 u(get_hard_.int64(2))};
    get_snap_.bind(1, g);
    if (get_snap_.step()) {
      rs.snap.meta.index = u(get_snap_.int64(0));
      rs.snap.meta.term = u(get_snap_.int64(1));
      auto voters = raft::decode_voters(get_snap_.blob(2));
      if (!voters)
        refuse(group, "its snapshot has a malformed voter list");
      rs.snap.meta.voters = std::move(*voters);
      rs.snap.data = get_snap_.blob(3);
    }
    auto& e = get_entries_;
    e.bind(1, g).bind(2, s(rs.snap.meta.index));
    while (e.step()) {
      raft::entry x{u(e.int64(1)), u(e.int64(0)), raft::entry_type::normal,
                    e.blob(3)};
      if (e.int64(2) == 1)
        x.type = raft::entry_type::config;
      else if (e.int64(2) != 0)
        refuse(group,
               "log entry " + std::to_string(x.index) + " has an unknown type");
      if (x.index != rs.snap.meta.index + rs.entries.size() + 1)
        gap(group, x.index);
      rs.entries.push_back(std::move(x));
    }
    return rs;
  }

private:
  void put_snap(int64_t group, const raft::snapshot_meta& meta,
                std::string_view data) {
    put_snap_.bind(1, group)
        .bind(2, s(meta.index))
        .bind(3, s(meta.term))
        .bind(4, std::string_view{raft::encode_voters(meta.voters)})
        .bind(5, data)
        .run();
  }

  std::unique_ptr<sql::db> db_;
  sql::stmt put_hard_, put_entry_, cut_from_, cut_to_, put_snap_;
  sql::stmt get_hard_, get_snap_, get_entries_, count_;
};

/// Checks an existing file read-only (ours, whole, schema, identity, every
/// group's log contiguous) and returns what it holds of each group.
std::map<uint32_t, detail::group_shadow> verify(const std::string& path,
                                                const group_log_identity& who) {
  auto d = sql::open_owned(path, magic, what, group_log_schema_version);
  auto get = d->prepare("SELECT value FROM meta WHERE key = ?");
  auto num = [&](const char* key) -> uint64_t {
    get.reset();
    get.bind_text(1, key);
    if (!get.step())
      throw sql::storage_error(path + ": " + what + " lacks its " + key);
    return u(get.int64(0));
  };
  if (num("cluster") != who.cluster)
    throw sql::storage_error(path + ": " + what +
                             " belongs to another cluster");
  if (num("node") != who.node)
    throw sql::storage_error(path + ": " + what + " belongs to node " +
                             std::to_string(num("node")) + ", not " +
                             std::to_string(who.node));
  try {
    return scan(*d);
  } catch (const sql::storage_error& e) {
    throw sql::storage_error(path + ": " + e.what());
  }
}

} // namespace

std::unique_ptr<group_log_store>
open_sqlite_group_log_store(const std::string& path,
                            const group_log_identity& who, sync_mode sync) {
  sql::create_atomically(path, [&](const std::string& tmp) {
    sqlite_group_log_store::create(tmp, who);
  });
  auto shadows = verify(path, who);
  auto d = std::make_unique<sql::db>(path, false);
  const char* modes[] = {"FULL", "NORMAL", "OFF"};
  sql::set_durability(*d, modes[static_cast<int>(sync)]);
  return std::make_unique<sqlite_group_log_store>(std::move(d),
                                                  std::move(shadows));
}

} // namespace ds
