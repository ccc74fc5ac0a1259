// Schema (version 1): meta(key, value) with magic 'dagshard-meta', schema and
// epoch; config(key PRIMARY KEY, value, version); moved(dir, node, shard).
#include "storage/meta_store.hpp"

#include <sys/stat.h>
#include <unistd.h>

namespace ds {

namespace {

constexpr const char* magic = "dagshard-meta";
constexpr int64_t schema = 1;

class memory_meta_store : public meta_store {
public:
  void load(meta_state& out) override {
    out.restore(saved_.config_list(), saved_.moved(), saved_.epoch());
  }
  void persist(const std::vector<meta_command>&,
               const meta_state& state) override {
    saved_.restore(state.config_list(), state.moved(), state.epoch());
  }

private:
  meta_state saved_;
};

class sqlite_meta_store : public meta_store {
public:
  sqlite_meta_store(const std::string& path, sync_mode sync, bool fresh)
      : db_(path, false) {
    const char* modes[] = {"FULL", "NORMAL", "OFF"};
    sql::set_durability(db_, modes[static_cast<int>(sync)]);
    if (fresh) {
      db_.exec("BEGIN");
      db_.exec("CREATE TABLE meta(key TEXT PRIMARY KEY, value) WITHOUT ROWID");
      db_.exec("CREATE TABLE config(key TEXT PRIMARY KEY, value BLOB,"
               " version INTEGER) WITHOUT ROWID");
      db_.exec("CREATE TABLE moved(dir INTEGER, node INTEGER, shard INTEGER,"
               " PRIMARY KEY(dir, node)) WITHOUT ROWID");
      auto ins = db_.prepare("INSERT INTO meta VALUES (?, ?)");
      ins.bind_text(1, "magic").bind_text(2, magic).run();
      ins.bind_text(1, "schema").bind(2, schema).run();
      ins.bind_text(1, "epoch").bind(2, int64_t{0}).run();
      db_.exec("COMMIT");
    }
  }

  void load(meta_state& out) override {
    std::vector<config_entry> config;
    auto c = db_.prepare("SELECT key, value, version FROM config");
    while (c.step())
      config.push_back(config_entry{c.blob(0), c.blob(1),
                                    static_cast<uint64_t>(c.int64(2))});
    std::map<std::pair<inode_id, node_id>, uint32_t> moved;
    auto m = db_.prepare("SELECT dir, node, shard FROM moved");
    while (m.step())
      moved[{static_cast<inode_id>(m.int64(0)),
             static_cast<node_id>(m.int64(1))}] =
          static_cast<uint32_t>(m.int64(2));
    auto e = db_.prepare("SELECT value FROM meta WHERE key = 'epoch'");
    uint64_t epoch = e.step() ? static_cast<uint64_t>(e.int64(0)) : 0;
    out.restore(std::move(config), std::move(moved), epoch);
  }

  void persist(const std::vector<meta_command>& cmds,
               const meta_state& state) override {
    // Each touched key or placement is written in its final state.
    sql::transact(db_, [&] {
      for (auto& cmd : cmds)
        if (cmd.kind == meta_command::config_set)
          write_config(*state.config(cmd.key));
        else
          write_placement(cmd, state);
    });
  }

private:
  void write_config(const config_entry& e) {
    auto s = db_.prepare("INSERT OR REPLACE INTO config VALUES (?,?,?)");
    s.bind_text(1, e.key)
        .bind(2, std::string_view{e.value})
        .bind(3, static_cast<int64_t>(e.version))
        .run();
  }

  void write_placement(const meta_command& cmd, const meta_state& state) {
    if (auto where = state.placement(cmd.dir, cmd.node)) {
      auto s = db_.prepare("INSERT OR REPLACE INTO moved VALUES (?,?,?)");
      s.bind(1, static_cast<int64_t>(cmd.dir))
          .bind(2, static_cast<int64_t>(cmd.node))
          .bind(3, static_cast<int64_t>(*where))
          .run();
    } else {
      auto s = db_.prepare("DELETE FROM moved WHERE dir = ? AND node = ?");
      s.bind(1, static_cast<int64_t>(cmd.dir))
          .bind(2, static_cast<int64_t>(cmd.node))
          .run();
    }
    auto s = db_.prepare("UPDATE meta SET value = ? WHERE key = 'epoch'");
    s.bind(1, static_cast<int64_t>(state.epoch())).run();
  }

  sql::db db_;
};

void verify(const std::string& path) {
  sql::open_owned(path, magic, "metadata file", schema);
}

} // namespace

std::unique_ptr<meta_store> make_memory_meta_store() {
  return std::make_unique<memory_meta_store>();
}

std::unique_ptr<meta_store> open_sqlite_meta_store(const std::string& path,
                                                   sync_mode sync) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    auto tmp = path + ".new";
    ::unlink(tmp.c_str());
    { sqlite_meta_store init{tmp, sync, true}; }
    if (::rename(tmp.c_str(), path.c_str()) != 0)
      throw sql::storage_error("cannot create " + path);
  }
  verify(path);
  return std::make_unique<sqlite_meta_store>(path, sync, false);
}

} // namespace ds
