// dagctl's commands about the Predictive Sharding Manager: its decisions
// with their reasons, a dry run of its planner, and its state.
#include <cmath>
#include <iostream>

#include <nlohmann/json.hpp>

#include "client/reply_json.hpp"
#include "psm/plan/decision_codec.hpp"
#include "tools/dagctl/commands.hpp"

namespace ds::dagctl {

namespace {

using json = nlohmann::json;

/// The decisions of `ps` (of directory `dir` only, unless 0).
std::vector<plan::decision> decisions_of(const std::vector<psm_planning>& ps,
                                         inode_id dir) {
  std::vector<plan::decision> out;
  for (auto& p : ps)
    for (auto& d : plan::decode_decisions(p.decisions))
      if (dir == 0 || d.part.dir == dir)
        out.push_back(d);
  return out;
}

void print(const std::vector<plan::decision>& ds, bool as_json,
           std::ostream& out) {
  if (as_json) {
    json arr = json::array();
    for (auto& d : ds)
      arr.push_back(to_json(d));
    out << json{{"decisions", arr}}.dump() << std::endl;
    return;
  }
  if (ds.empty())
    out << "no decisions\n";
  for (auto& d : ds)
    out << plan::describe(d) << "\n";
}

int unavailable(std::ostream& err) {
  err << "EUNAVAILABLE: the node did not answer" << std::endl;
  return 2;
}

int show_decisions(client& cl, const invocation& inv, std::ostream& out,
                   std::ostream& err) {
  inode_id dir = 0;
  if (!inv.path.empty()) {
    path_request st;
    st.op = path_op::stat;
    st.path = inv.path;
    auto r = cl.call(st);
    if (r.code != errc::ok) {
      err << to_string(r.code) << ": " << inv.path << std::endl;
      return r.code == errc::eunavailable ? 2 : 1;
    }
    if (r.a.kind != entry_kind::dir) {
      err << "ENOTDIR: " << inv.path << std::endl;
      return 1;
    }
    dir = r.a.ino;
  }
  errc code = errc::ok;
  auto ps = cl.psm_plannings(inv.since, code);
  if (code != errc::ok)
    return unavailable(err);
  try {
    print(decisions_of(ps, dir), inv.json, out);
  } catch (const std::exception& e) {
    err << "EIO: " << e.what() << std::endl;
    return 1;
  }
  return 0;
}

int show_status(client& cl, const invocation& inv, std::ostream& out,
                std::ostream& err) {
  errc code = errc::ok;
  auto s = cl.psm_state(code);
  if (code != errc::ok)
    return unavailable(err);
  auto ps = cl.psm_plannings(0, code);
  if (code != errc::ok)
    return unavailable(err);
  if (inv.json) {
    out << psm_status_json(s, ps).dump() << std::endl;
    return 0;
  }
  out << "node " << s.node << ": planner "
      << (s.ticks == 0 ? "waiting for its first period"
          : s.active   ? "active (beside the metadata leader)"
                       : "standing by (the metadata leader's node plans)")
      << "\npolicy:      " << (s.policy.empty() ? "(not read yet)" : s.policy)
      << "\nperiods:     " << s.ticks << "\nplanned:     " << s.plannings
      << " here; steps carried out " << s.executed << ", failed " << s.failed
      << "\n";
  if (!s.last_error.empty())
    out << "last period: " << s.last_error << "\n";
  if (ps.empty()) {
    out << "no planning recorded in the cluster yet\n";
  } else {
    auto& p = ps.back();
    out << "last planning in the cluster: slot " << p.at << " on node "
        << p.node << ", policy " << p.policy << ", " << p.count
        << " decisions over " << p.series << " series in "
        << double(p.cost_us) / 1000 << " ms (" << ps.size() << " kept)\n";
  }
  return 0;
}

} // namespace

void add_psm_commands(CLI::App& app, invocation& inv) {
  auto psm = app.add_subcommand("psm", "the Predictive Sharding Manager");
  auto dec = psm->add_subcommand(
      "decisions", "the planner's decisions and their reasons, oldest first");
  dec->add_option("--since", inv.since, "from slot SLOT on (default: all)");
  dec->add_option("--path", inv.path, "of directory PATH only");
  auto plan = psm->add_subcommand(
      "plan", "a dry run: what the planner would decide now, and why");
  auto status = psm->add_subcommand(
      "status", "where the planner runs, its last period, its cost");
  for (auto sub : {dec, plan, status})
    sub->callback([&inv, sub] {
      inv.command = "psm";
      inv.args = {sub->get_name()};
    });
  add_psm_log_commands(psm, inv);
}

int run_psm(client& cl, const invocation& inv, std::ostream& out,
            std::ostream& err) {
  auto& sub = inv.args.at(0);
  if (sub == "import" || sub == "forecast")
    return run_psm_log(cl, inv, out, err);
  if (sub == "decisions")
    return show_decisions(cl, inv, out, err);
  if (sub == "status")
    return show_status(cl, inv, out, err);
  errc code = errc::ok;
  auto p = cl.psm_plan(code);
  if (code != errc::ok)
    return unavailable(err);
  try {
    auto ds = plan::decode_decisions(p.decisions);
    if (!inv.json)
      out << "at slot " << p.at << ", policy " << p.policy << ", over "
          << p.series << " series (" << double(p.cost_us) / 1000 << " ms):\n";
    print(ds, inv.json, out);
  } catch (const std::exception& e) {
    err << "EIO: " << e.what() << std::endl;
    return 1;
  }
  return 0;
}

} // namespace ds::dagctl
