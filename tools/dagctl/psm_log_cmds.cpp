// dagctl's PSM commands about history: importing an access log or a trace
// into the forecasters' history, and a directory's forecast.
#include <chrono>
#include <cmath>
#include <fstream>
#include <iostream>
#include <map>

#include <nlohmann/json.hpp>

#include "tools/dagctl/commands.hpp"
#include "tools/dagctl/psm_log.hpp"
#include "tools/dagctl/sparkline.hpp"

namespace ds::dagctl {

namespace {

using json = nlohmann::json;

/// The inode of every directory the log names; ENOENT ones are left out.
std::map<std::string, inode_id> resolve_dirs(client& cl, const access_log& log,
                                             errc& failed) {
  std::map<std::string, inode_id> out;
  for (auto& a : log.accesses) {
    if (out.count(a.dir))
      continue;
    if (a.dir == "/") {
      out[a.dir] = root_ino;
      continue;
    }
    path_request req;
    req.op = path_op::stat;
    req.path = a.dir;
    auto r = cl.call(req);
    if (r.code == errc::ok && r.a.kind == entry_kind::dir)
      out[a.dir] = r.a.ino;
    else if (r.code == errc::ok || r.code == errc::enoent ||
             r.code == errc::enotdir)
      out[a.dir] = 0; // gone since: its accesses are skipped
    else
      failed = r.code;
  }
  return out;
}

int import_log(client& cl, const invocation& inv, std::ostream& out,
               std::ostream& err) {
  std::ifstream in{inv.path};
  if (!in) {
    err << "ENOENT: cannot read " << inv.path << std::endl;
    return 1;
  }
  access_log log;
  try {
    log = read_access_log(in);
  } catch (const log_error& e) {
    err << "EINVAL: " << inv.path << ": " << e.what() << " (nothing imported)"
        << std::endl;
    return 1;
  }
  // A trace's times are from its start: by default it ends now.
  double origin = 0;
  if (log.relative) {
    auto now = std::chrono::duration<double>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count();
    auto span = log.accesses.empty() ? 0 : log.accesses.back().time;
    origin = inv.start ? *inv.start : now - span;
  }
  errc failed = errc::ok;
  auto dirs = resolve_dirs(cl, log, failed);
  if (failed != errc::ok) {
    err << to_string(failed) << ": resolving the log's directories (nothing "
        << "imported)" << std::endl;
    return failed == errc::eunavailable ? 2 : 1;
  }
  std::vector<psm_access> batch;
  psm_import_result sum;
  uint64_t no_dir = 0;
  auto flush = [&]() -> bool {
    if (batch.empty())
      return true;
    auto r = cl.psm_import(std::move(batch));
    batch.clear();
    if (!r) {
      err << "EUNAVAILABLE: the import was not taken: "
          << cl.system().render(r.error()) << std::endl;
      return false;
    }
    sum.imported += r->imported;
    sum.skipped += r->skipped;
    sum.reports += r->reports;
    return true;
  };
  for (auto& a : log.accesses) {
    auto ino = dirs[a.dir];
    if (ino == 0) {
      ++no_dir;
      continue;
    }
    auto ms = std::llround((origin + a.time) * 1000);
    batch.push_back(
        psm_access{ino, a.name, static_cast<uint8_t>(a.op), ms});
    if (batch.size() == max_psm_import && !flush())
      return 2;
  }
  if (!flush())
    return 2;
  if (inv.json) {
    out << json{{"imported", sum.imported},
                {"skipped_moved", sum.skipped},
                {"skipped_no_dir", no_dir},
                {"reports", sum.reports}}
               .dump()
        << std::endl;
    return 0;
  }
  out << "imported " << sum.imported << " accesses in " << sum.reports
      << " slot reports";
  if (no_dir || sum.skipped)
    out << " (skipped: " << no_dir << " in directories that no longer exist, "
        << sum.skipped << " on parts no shard holds)";
  out << "\n";
  return 0;
}

} // namespace

void add_psm_log_commands(CLI::App* psm, invocation& inv) {
  auto imp = psm->add_subcommand(
      "import", "import an access log (CSV: TIME,OPERATION,PATH) or a "
                "dagbench trace into the PSM's history");
  imp->add_option("FILE", inv.path, "the log or trace")->required();
  imp->add_option("--start", inv.start,
                  "a trace's start, in seconds since the epoch (default: "
                  "the trace ends now)");
  imp->callback([&inv] {
    inv.command = "psm";
    inv.args = {"import"};
  });
  auto fc = psm->add_subcommand(
      "forecast", "a directory's access history and forecast, with its "
                  "interval, as sparklines");
  fc->add_option("PATH", inv.path, "the directory")->required();
  fc->callback([&inv] {
    inv.command = "psm";
    inv.args = {"forecast"};
  });
}

int run_psm_log(client& cl, const invocation& inv, std::ostream& out,
                std::ostream& err) {
  if (inv.args.at(0) == "import")
    return import_log(cl, inv, out, err);
  auto v = cl.psm_series(inv.path);
  if (!v) {
    // The node's reason ("ENOENT: /x") is the error's context.
    auto& ctx = v.error().context();
    auto why = ctx.size() == 1 && ctx.match_element<std::string>(0)
                   ? ctx.get_as<std::string>(0)
                   : cl.system().render(v.error());
    bool refused = v.error() == caf::sec::invalid_argument;
    err << (refused ? "" : "EUNAVAILABLE: ") << why << std::endl;
    return refused ? 1 : 2;
  }
  if (inv.json)
    out << series_json(inv.path, *v).dump() << std::endl;
  else
    out << series_text(inv.path, *v);
  return 0;
}

} // namespace ds::dagctl
