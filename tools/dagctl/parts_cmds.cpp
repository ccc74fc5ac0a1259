// dagctl's commands about parts of directories: moving one, the record of
// migrations, and a router's placement cache counters.
#include <cstdlib>
#include <iomanip>
#include <iostream>
#include <optional>

#include <nlohmann/json.hpp>

#include "client/console.hpp"
#include "client/reply_json.hpp"
#include "tools/dagctl/commands.hpp"
#include "tools/dagctl/move_progress.hpp"

namespace ds::dagctl {

namespace {

using json = nlohmann::json;

int show_migrations(client& cl, const invocation& inv, std::ostream& out,
                    std::ostream& err) {
  errc code = errc::ok;
  auto page =
      cl.migrations(migration_query{inv.after, inv.limit, inv.unsettled}, code);
  if (code != errc::ok) {
    err << "EUNAVAILABLE: the node did not answer" << std::endl;
    return 2;
  }
  // The id to ask after for the next page (0: this is the last).
  uint64_t next =
      page.more && !page.records.empty() ? page.records.back().id : 0;
  if (inv.json) {
    json arr = json::array();
    for (auto& m : page.records)
      arr.push_back(to_json(m));
    out << json{{"migrations", arr},
                {"kept", page.total},
                {"next_id", page.next_id},
                {"entries_moved", page.entries_moved},
                {"next_after", next}}
               .dump()
        << std::endl;
    return 0;
  }
  out << std::left << std::setw(6) << "ID" << std::setw(22) << "DIR"
      << std::setw(40) << "PART" << std::setw(6) << "FROM" << std::setw(6)
      << "TO" << std::setw(11) << "STATE" << std::setw(9) << "SETTLED"
      << std::setw(10) << "ENTRIES"
      << "EPOCH\n";
  for (auto& m : page.records)
    out << std::setw(6) << m.id << std::setw(22) << m.dir << std::setw(40)
        << (hex64(m.range.lo) + ".." + hex64(m.range.hi)) << std::setw(6)
        << m.from << std::setw(6) << m.to << std::setw(11) << to_string(m.state)
        << std::setw(9) << (m.settled ? "yes" : "no") << std::setw(10)
        << m.entries << m.epoch << "\n";
  // Only when there is more, so that the last line is the last record.
  if (next != 0)
    out << "(" << page.total << " records kept; next page: --after " << next
        << ")\n";
  return 0;
}

} // namespace

void add_parts_commands(CLI::App& app, invocation& inv) {
  auto move = app.add_subcommand(
      "move", "move part INDEX of the 2^BITS equal parts of DIR's name hashes "
              "to SHARD (reads and writes go on); on a terminal, shows the "
              "entries copied as it goes; prints the entries moved");
  move->add_option("DIR", inv.path, "the directory")->required();
  move->add_option("PART", inv.part,
                   "BITS:INDEX, 1 <= BITS <= 32, "
                   "INDEX < 2^BITS")
      ->required()
      ->check(
          [](const std::string& s) {
            hash_range r;
            return parse_part(s, r) ? std::string{}
                                    : "bad part " + s +
                                          " (BITS:INDEX, 1 <= BITS <= 32, "
                                          "INDEX < 2^BITS)";
          },
          "BITS:INDEX");
  move->add_option("SHARD", inv.to, "the shard that takes the part")
      ->required()
      ->check(CLI::Range(0, 1'000'000));
  move->add_flag("--force", inv.force,
                 "move even if the part moved within move-quiet-time");
  move->add_option("--chunk", inv.chunk,
                   "entries per chunk of the copy while the part serves "
                   "(default 4096)")
      ->check(CLI::Range(1, 1 << 16));
  move->callback([&inv] { inv.command = "move"; });
  auto ms = app.add_subcommand(
      "migrations", "the record of moves of parts, oldest first, a page at a "
                    "time: state, whether both shards are done (settled), "
                    "entries sent (final once committed), placement epoch; "
                    "settled records beyond migration-history (count, age) "
                    "are pruned");
  ms->add_option("--after", inv.after,
                 "only records with an id above this (the next page)");
  ms->add_option("--limit", inv.limit, "records per page, 1..10000")
      ->check(CLI::Range(1u, max_migration_page));
  ms->add_flag("--unsettled", inv.unsettled,
               "only moves whose shards are not both done (never pruned)");
  ms->callback([&inv] { inv.command = "migrations"; });
  app.add_subcommand("router", "this node's router counters (placement cache)")
      ->callback([&inv] { inv.command = "router"; });
}

int run_parts(client& cl, const invocation& inv, std::ostream& out,
              std::ostream& err) {
  if (inv.command == "move") {
    hash_range r;
    parse_part(inv.part, r);
    auto shard = inv.to;
    // On a terminal (and without --json), the move's migration as it goes.
    cli::progress bar("move " + inv.path + " " + inv.part + " -> shard " +
                          std::to_string(shard) + ":",
                      0, !inv.json);
    std::optional<move_watch> watch;
    if (bar.active()) {
      path_request st;
      st.op = path_op::stat;
      st.path = inv.path;
      if (auto d = cl.call(st); d.code == errc::ok) {
        bar.status("starting");
        watch.emplace(cl, d.a.ino, r, bar);
      }
    }
    auto m = cl.move(inv.path, r, shard, inv.force, inv.chunk);
    if (watch)
      watch->finish(m.code == errc::ok ? "done"
                                       : std::string{to_string(m.code)});
    bar.finish();
    if (m.code != errc::ok) {
      err << to_string(m.code) << ": " << inv.path << " " << inv.part
          << (m.detail.empty() ? "" : ": " + m.detail) << std::endl;
      if (inv.json)
        out << json{{"error", std::string{to_string(m.code)}},
                    {"migration", m.migration},
                    {"detail", m.detail}}
                   .dump()
            << std::endl;
      return m.code == errc::eunavailable ? 2 : 1;
    }
    if (inv.json)
      out << json{{"migration", m.migration},
                  {"epoch", m.epoch},
                  {"entries", m.entries}}
                 .dump()
          << std::endl;
    else
      out << "moved: migration " << m.migration << ", placement epoch "
          << m.epoch << ", " << m.entries << " entries\n";
    return 0;
  }
  errc code = errc::ok;
  if (inv.command == "migrations")
    return show_migrations(cl, inv, out, err);
  auto s = cl.router(code);
  if (code != errc::ok) {
    err << "EUNAVAILABLE: the node did not answer" << std::endl;
    return 2;
  }
  if (inv.json) {
    out << to_json(s).dump() << std::endl;
    return 0;
  }
  out << "routed:       " << s.routed << "\ncache hits:   " << s.cache_hits
      << "\ncache misses: " << s.cache_misses << " (sent to the home shard)"
      << "\nwrong shard:  " << s.wrong_shard << " (" << s.redirects
      << " named the holder)"
      << "\nrefreshes:    " << s.refreshes << "\nretries:      " << s.retries
      << "\npushes:       " << s.pushes << "\nnot leader:   " << s.not_leader
      << " (replicated shards; " << s.unanswered << " unanswered, "
      << s.leader_pushes << " leaders pushed, " << s.copy_restarts
      << " copies started again, " << s.outcome_unknown
      << " outcomes unknown sent again)"
      << "\nEUNAVAILABLE: " << s.gave_up_no_leader << " no leader, "
      << s.gave_up_no_placement << " no placement, " << s.gave_up_moving
      << " moving, " << s.gave_up_unknown << " outcome unknown"
      << "\ndirectory lookups (path components):"
      << "\n  cached:     " << s.dir_hits << "\n  looked up:  " << s.dir_misses
      << "\n  stale:      " << s.dir_stale
      << " (dropped, resolved again)\n  evicted:    " << s.dir_evictions
      << "\n  entries:    " << s.dir_entries << "\n";
  return 0;
}

} // namespace ds::dagctl
