// Schema (version 1): meta(key, value) with magic 'dagshard-raft', schema,
// cluster, node, group; hard(id=1, term, vote, commit_index);
// entries(idx PRIMARY KEY, term, type, data); snap(id=1, idx, term, voters,
// data).
#include "storage/raft/raft_store.hpp"

#include <algorithm>

#include "storage/sqlite.hpp"

namespace ds {

namespace {

constexpr const char* magic = "dagshard-raft";
constexpr int64_t schema = 1;

class memory_raft_store : public raft_store {
public:
  explicit memory_raft_store(int fail_after) : fail_after_(fail_after) {}

  raft::restored_state load() override { return saved_; }

  void save(const raft::ready& rd) override {
    if (fail_after_ > 0 && --fail_after_ == 0)
      throw sql::storage_error("simulated fsync failure");
    if (rd.snap) {
      saved_.snap = *rd.snap;
      saved_.entries.clear();
    }
    if (!rd.entries.empty()) {
      auto first = rd.entries.front().index;
      while (!saved_.entries.empty() && saved_.entries.back().index >= first)
        saved_.entries.pop_back();
      saved_.entries.insert(saved_.entries.end(), rd.entries.begin(),
                            rd.entries.end());
    }
    if (rd.hard)
      saved_.hard = *rd.hard;
  }

  void compact(const raft::snapshot& snap) override {
    saved_.snap = snap;
    auto& es = saved_.entries;
    while (!es.empty() && es.front().index <= snap.meta.index)
      es.erase(es.begin());
  }

  uint64_t entry_count() override { return saved_.entries.size(); }

private:
  raft::restored_state saved_;
  int fail_after_;
};

class sqlite_raft_store : public raft_store {
public:
  sqlite_raft_store(const std::string& path, sync_mode sync)
      : db_(open_db(path, sync)),
        put_hard_(db_->handle(),
                  "INSERT OR REPLACE INTO hard VALUES (1, ?, ?, ?)"),
        put_entry_(db_->handle(), "INSERT INTO entries VALUES (?, ?, ?, ?)"),
        cut_from_(db_->handle(), "DELETE FROM entries WHERE idx >= ?"),
        cut_to_(db_->handle(), "DELETE FROM entries WHERE idx <= ?"),
        put_snap_(db_->handle(),
                  "INSERT OR REPLACE INTO snap VALUES (1, ?, ?, ?, ?)") {}

  static std::unique_ptr<sql::db> open_db(const std::string& path,
                                          sync_mode sync) {
    auto d = std::make_unique<sql::db>(path, false);
    const char* modes[] = {"FULL", "NORMAL", "OFF"};
    sql::set_durability(*d, modes[static_cast<int>(sync)]);
    return d;
  }

  static void create(const std::string& path, const raft_identity& who) {
    sql::db d(path, false);
    d.exec("BEGIN");
    d.exec("CREATE TABLE meta(key TEXT PRIMARY KEY, value) WITHOUT ROWID");
    d.exec("CREATE TABLE hard(id INTEGER PRIMARY KEY, term INTEGER,"
           " vote INTEGER, commit_index INTEGER)");
    d.exec("CREATE TABLE entries(idx INTEGER PRIMARY KEY, term INTEGER,"
           " type INTEGER, data BLOB)");
    d.exec(
        "CREATE TABLE snap(id INTEGER PRIMARY KEY, idx INTEGER, term INTEGER,"
        " voters BLOB, data BLOB)");
    auto ins = d.prepare("INSERT INTO meta VALUES (?, ?)");
    ins.bind_text(1, "magic").bind_text(2, magic).run();
    ins.bind_text(1, "schema").bind(2, schema).run();
    ins.bind_text(1, "cluster")
        .bind(2, static_cast<int64_t>(who.cluster))
        .run();
    ins.bind_text(1, "node").bind(2, static_cast<int64_t>(who.node)).run();
    ins.bind_text(1, "group").bind_text(2, who.group).run();
    d.exec("COMMIT");
  }

  raft::restored_state load() override {
    raft::restored_state rs;
    auto h =
        db_->prepare("SELECT term, vote, commit_index FROM hard WHERE id = 1");
    if (h.step())
      rs.hard = raft::hard_state{u(h.int64(0)), u(h.int64(1)), u(h.int64(2))};
    saved_ = rs.hard;
    auto s =
        db_->prepare("SELECT idx, term, voters, data FROM snap WHERE id = 1");
    if (s.step()) {
      rs.snap.meta.index = u(s.int64(0));
      rs.snap.meta.term = u(s.int64(1));
      auto voters = raft::decode_voters(s.blob(2));
      if (!voters)
        throw sql::storage_error("raft snapshot has a malformed voter list");
      rs.snap.meta.voters = *voters;
      rs.snap.data = s.blob(3);
    }
    auto e =
        db_->prepare("SELECT idx, term, type, data FROM entries WHERE idx > ?"
                     " ORDER BY idx");
    e.bind(1, static_cast<int64_t>(rs.snap.meta.index));
    while (e.step()) {
      raft::entry x{u(e.int64(1)), u(e.int64(0)), raft::entry_type::normal,
                    e.blob(3)};
      if (e.int64(2) == 1)
        x.type = raft::entry_type::config;
      else if (e.int64(2) != 0)
        throw sql::storage_error("raft log entry of unknown type");
      if (x.index != rs.snap.meta.index + rs.entries.size() + 1)
        throw sql::storage_error("raft log has a gap before index " +
                                 std::to_string(x.index));
      rs.entries.push_back(std::move(x));
    }
    return rs;
  }

  void save(const raft::ready& rd) override {
    if (!rd.snap && rd.entries.empty() && !rd.hard)
      return;
    // A change of the commit index alone need not be synced (it is learned
    // again from the leader after a restart): it rides along with the next
    // transaction instead of costing an fsync on the path of every answer.
    if (!rd.snap && rd.entries.empty() && rd.hard->term == saved_.term &&
        rd.hard->vote == saved_.vote) {
      saved_.commit = rd.hard->commit;
      return;
    }
    sql::transact(*db_, [&] {
      if (rd.snap) {
        write_snap(*rd.snap);
        cut_from_.bind(1, int64_t{0}).run();
      }
      if (!rd.entries.empty()) {
        cut_from_.bind(1, static_cast<int64_t>(rd.entries.front().index)).run();
        for (auto& x : rd.entries)
          put_entry_.bind(1, static_cast<int64_t>(x.index))
              .bind(2, static_cast<int64_t>(x.term))
              .bind(3, static_cast<int64_t>(x.type))
              .bind(4, std::string_view{x.data})
              .run();
      }
      raft::hard_state h = rd.hard ? *rd.hard : saved_;
      put_hard_.bind(1, static_cast<int64_t>(h.term))
          .bind(2, static_cast<int64_t>(h.vote))
          .bind(3, static_cast<int64_t>(std::max(h.commit, saved_.commit)))
          .run();
      saved_ = h;
      saved_.commit = std::max(h.commit, saved_.commit);
    });
  }

  void compact(const raft::snapshot& snap) override {
    sql::transact(*db_, [&] {
      write_snap(snap);
      cut_to_.bind(1, static_cast<int64_t>(snap.meta.index)).run();
    });
  }

  uint64_t entry_count() override {
    auto c = db_->prepare("SELECT count(*) FROM entries");
    return c.step() ? u(c.int64(0)) : 0;
  }

private:
  static uint64_t u(int64_t x) { return static_cast<uint64_t>(x); }

  void write_snap(const raft::snapshot& s) {
    put_snap_.bind(1, static_cast<int64_t>(s.meta.index))
        .bind(2, static_cast<int64_t>(s.meta.term))
        .bind(3, std::string_view{raft::encode_voters(s.meta.voters)})
        .bind(4, std::string_view{s.data})
        .run();
  }

  std::unique_ptr<sql::db> db_;
  raft::hard_state saved_; ///< last hard state written (commit maybe newer)
  sql::stmt put_hard_, put_entry_, cut_from_, cut_to_, put_snap_;
};

void verify(const std::string& path, const raft_identity& who) {
  auto d = sql::open_owned(path, magic, "raft log", schema);
  auto get = d->prepare("SELECT value FROM meta WHERE key = ?");
  auto num = [&](const char* key) -> uint64_t {
    get.reset();
    get.bind_text(1, key);
    if (!get.step())
      throw sql::storage_error(path + ": raft log lacks its " + key);
    return static_cast<uint64_t>(get.int64(0));
  };
  if (num("cluster") != who.cluster)
    throw sql::storage_error(path + ": raft log belongs to another cluster");
  if (num("node") != who.node)
    throw sql::storage_error(path + ": raft log belongs to node " +
                             std::to_string(num("node")) + ", not " +
                             std::to_string(who.node));
}

} // namespace

std::unique_ptr<raft_store> make_memory_raft_store(int fail_after) {
  return std::make_unique<memory_raft_store>(fail_after);
}

std::unique_ptr<raft_store> open_sqlite_raft_store(const std::string& path,
                                                   const raft_identity& who,
                                                   sync_mode sync) {
  sql::create_atomically(path, [&](const std::string& tmp) {
    sqlite_raft_store::create(tmp, who);
  });
  verify(path, who);
  auto store = std::make_unique<sqlite_raft_store>(path, sync);
  store->load(); // a damaged log (gap, bad voters) is refused now
  return store;
}

} // namespace ds
