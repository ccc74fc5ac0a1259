#include "tools/dagctl/commands.hpp"

#include <algorithm>
#include <cstdlib>
#include <iomanip>
#include <iostream>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "client/reply_json.hpp"
#include "psm/policy/psm_settings.hpp"

namespace ds::dagctl {

namespace {

using json = nlohmann::json;

const std::map<std::string, path_op> path_commands = {
    {"mkdir", path_op::mkdir}, {"create", path_op::create},
    {"stat", path_op::stat},   {"ls", path_op::readdir},
    {"rm", path_op::unlink},   {"rmdir", path_op::rmdir},
};

std::string octal(uint32_t mode) {
  std::ostringstream s;
  s << '0' << std::oct << mode;
  return s.str();
}

int fail(const invocation& inv, errc code, std::ostream& out,
         std::ostream& err) {
  err << error_line(code, inv.path) << std::endl;
  if (inv.json)
    out << json{{"error", std::string{to_string(code)}}, {"path", inv.path}}
               .dump()
        << std::endl;
  return code == errc::eunavailable ? 2 : 1;
}

int show_shards(client& cl, const invocation& inv, std::ostream& out,
                std::ostream& err) {
  auto xs = cl.shards();
  if (xs.empty()) {
    err << "EUNAVAILABLE: the node did not answer" << std::endl;
    return 2;
  }
  if (inv.json) {
    json arr = json::array();
    for (auto& x : xs)
      arr.push_back(to_json(x));
    json j{{"shards", arr}};
    add_replicas_json(cl, j);
    out << j.dump() << std::endl;
    return 0;
  }
  out << std::left << std::setw(6) << "shard" << std::setw(14) << "node"
      << std::setw(6) << "up" << std::right << std::setw(8) << "dirs"
      << std::setw(10) << "dag-nodes" << std::setw(10) << "entries"
      << std::setw(12) << "ops" << std::setw(8) << "splits" << std::setw(8)
      << "merges" << std::setw(10) << "parts-in" << std::setw(10) << "parts-out"
      << std::setw(10) << "commits"
      << "\n";
  for (auto& x : xs)
    out << std::left << std::setw(6) << x.shard << std::setw(14) << x.node
        << std::setw(6) << (x.reachable ? "yes" : "NO") << std::right
        << std::setw(8) << x.stats.dirs << std::setw(10) << x.stats.nodes
        << std::setw(10) << x.stats.entries << std::setw(12) << x.stats.ops
        << std::setw(8) << x.stats.splits << std::setw(8) << x.stats.merges
        << std::setw(10) << x.stats.parts_in << std::setw(10)
        << x.stats.parts_out << std::setw(10) << x.commits << "\n";
  return show_groups(cl, inv, out, err);
}

int show_nodes(client& cl, const invocation& inv, std::ostream& out,
               std::ostream& err) {
  auto xs = cl.nodes();
  if (xs.empty()) {
    err << "EUNAVAILABLE: the node did not answer" << std::endl;
    return 2;
  }
  if (inv.json) {
    json arr = json::array();
    for (auto& x : xs)
      arr.push_back(to_json(x));
    out << json{{"nodes", arr}}.dump() << std::endl;
    return 0;
  }
  out << std::left << std::setw(14) << "node" << std::setw(24) << "address"
      << "state\n";
  for (auto& x : xs)
    out << std::left << std::setw(14) << x.id << std::setw(24) << x.address
        << (x.self        ? "this node"
            : x.reachable ? "reachable"
                          : "UNREACHABLE")
        << (x.detail.empty() ? "" : ": " + x.detail) << "\n";
  return 0;
}

int show_raft(client& cl, const invocation& inv, std::ostream& out,
              std::ostream& err) {
  errc code = errc::ok;
  auto xs = cl.raft_state(code);
  if (code != errc::ok) {
    err << "EUNAVAILABLE: the node did not answer" << std::endl;
    return 2;
  }
  if (inv.json) {
    json arr = json::array();
    for (auto& x : xs)
      arr.push_back(to_json(x));
    out << json{{"replicas", arr}}.dump() << std::endl;
    return 0;
  }
  out << std::left << std::setw(9) << "replica" << std::setw(15) << "role"
      << std::setw(8) << "term" << std::setw(8) << "leader" << std::setw(10)
      << "commit" << std::setw(10) << "applied" << std::setw(10) << "snapshot"
      << "log-entries\n";
  for (auto& x : xs) {
    out << std::left << std::setw(9) << x.id;
    if (!x.reachable) {
      out << "UNREACHABLE\n";
      continue;
    }
    out << std::setw(15) << x.role << std::setw(8) << x.term << std::setw(8)
        << x.leader << std::setw(10) << x.commit << std::setw(10) << x.applied
        << std::setw(10) << x.snapshot << x.stored << "\n";
  }
  return 0;
}

int show_placement(client& cl, const invocation& inv, std::ostream& out,
                   std::ostream& err) {
  auto x = cl.locate(inv.path);
  if (x.code != errc::ok)
    return fail(inv, x.code, out, err);
  if (inv.json) {
    out << placement_json(inv.path, x).dump() << std::endl;
    return 0;
  }
  out << "path:      " << inv.path << "\ndirectory: " << x.dir
      << "\ndag node:  "
      << (x.node == 0 ? std::string{"none yet"} : std::to_string(x.node))
      << "\nshard:     " << x.shard << "\nnode:      " << x.member
      << "\nepoch:     " << x.epoch << "\n";
  return 0;
}

void show_result(const invocation& inv, path_op op, const ns_reply& r,
                 std::ostream& out) {
  if (op == path_op::readdir) {
    if (inv.json) {
      json arr = json::array();
      for (auto& e : r.entries)
        arr.push_back(to_json(e));
      out << json{{"entries", arr}}.dump() << std::endl;
    } else {
      // People read names sorted; --json keeps the stable hash order.
      std::vector<const dirent*> v;
      for (auto& e : r.entries)
        v.push_back(&e);
      std::sort(v.begin(), v.end(),
                [](auto x, auto y) { return x->name < y->name; });
      for (auto e : v)
        out << e->name << (e->a.kind == entry_kind::dir ? "/" : "") << "\n";
    }
    return;
  }
  if (inv.json) {
    auto j = to_json(r.a);
    j["path"] = inv.path;
    out << j.dump() << std::endl;
    return;
  }
  if (op == path_op::stat)
    out << "path:    " << inv.path << "\nkind:    " << to_string(r.a.kind)
        << "\nino:     " << r.a.ino << "\nmode:    " << octal(r.a.mode)
        << "\nsize:    " << r.a.size
        << "\nmtime:   " << cli::local_time(r.a.mtime)
        << "\nversion: " << r.a.version << "\n";
}

} // namespace

namespace {

/// Why the cluster refused a psm.* value: the setting's own rule, or the
/// order of the two thresholds (checked against the current values there).
std::string psm_einval_reason(const std::string& key,
                              const std::string& value) {
  auto why = psm_policy::check_value(key, value);
  if (!why.empty())
    return why;
  return key + ": must keep psm.exit-threshold below psm.threshold, not '" +
         value + "'";
}

int run_config(client& cl, const invocation& inv, std::ostream& out,
               std::ostream& err) {
  auto& sub = inv.args[0];
  if (sub == "set") {
    auto r = cl.config_set(inv.path, inv.value, inv.if_version);
    if (r.code != errc::ok) {
      if (r.code == errc::econflict)
        err << conflict_line(inv.path, r.version, *inv.if_version) << std::endl;
      else if (r.code == errc::einval && psm_policy::is_psm_key(inv.path))
        err << "EINVAL: " << psm_einval_reason(inv.path, inv.value)
            << std::endl;
      else
        err << error_line(r.code, inv.path) << std::endl;
      return r.code == errc::eunavailable ? 2 : 1;
    }
    if (inv.json)
      out << to_json(config_entry{inv.path, inv.value, r.version}).dump()
          << std::endl;
    else
      out << inv.path << " = " << inv.value << " (version " << r.version
          << ")\n";
    return 0;
  }
  errc code = errc::ok;
  std::vector<config_entry> xs;
  if (sub == "get") {
    auto e = cl.config_get(inv.path, code);
    if (code == errc::ok && e.version == 0)
      code = errc::enoent;
    xs.push_back(e);
  } else {
    xs = cl.config_list(code);
  }
  if (code != errc::ok) {
    err << to_string(code) << ": " << (inv.path.empty() ? "config" : inv.path)
        << std::endl;
    return code == errc::eunavailable ? 2 : 1;
  }
  if (inv.json) {
    if (sub == "get") {
      out << to_json(xs[0]).dump() << std::endl;
    } else {
      json arr = json::array();
      for (auto& e : xs)
        arr.push_back(to_json(e));
      out << json{{"config", arr}}.dump() << std::endl;
    }
    return 0;
  }
  for (auto& e : xs)
    out << e.key << " = " << e.value << " (version " << e.version << ")\n";
  return 0;
}

} // namespace

namespace {

void add_config_commands(CLI::App& app, invocation& inv) {
  auto config = app.add_subcommand("config", "cluster settings in the "
                                             "metadata store");
  auto set = config->add_subcommand("set", "set a cluster setting");
  set->add_option("KEY", inv.path, "the setting")->required();
  set->add_option("VALUE", inv.value, "its new value")->required();
  set->add_option_function<uint64_t>(
      "--if-version", [&inv](const uint64_t& v) { inv.if_version = v; },
      "only if the setting is at version N (0: only if absent); "
      "ECONFLICT otherwise");
  auto get = config->add_subcommand("get", "a setting and its version");
  get->add_option("KEY", inv.path, "the setting")->required();
  config->add_subcommand("list", "every setting");
  for (auto sub : {set, get, config->get_subcommand("list")})
    sub->callback([&inv, sub] {
      inv.command = "config";
      inv.args.insert(inv.args.begin(), sub->get_name());
    });
  auto raft = app.add_subcommand("raft", "the metadata store's Raft group");
  auto status =
      raft->add_subcommand("status", "role, term, commit and applied index "
                                     "and log size of every metadata replica; "
                                     "with --shard, a shard's group");
  status->callback([&inv] {
    inv.command = "raft";
    inv.args = {"status"};
  });
  status->add_option("--shard", inv.shard,
                     "a shard's Raft group instead (replicated shards): "
                     "each replica's role, term, indexes and lag");
}

const char* const footer =
    "Exit status: 0 done, 1 refused (the error name is printed first), 2 node "
    "or shard unreachable, or a command-line error.";

} // namespace

int parse_args(int argc, char** argv, invocation& inv, std::ostream& out,
               std::ostream& err) {
  CLI::App app{"the console of a dagshard cluster", "dagctl"};
  app.footer(footer);
  app.fallthrough(); // --json and --node may follow the command too
  cli::add_node_flags(app, inv);
  cli::add_doc_flags(app);
  auto simple = [&](const char* name, const char* what) {
    return app.add_subcommand(name, what)->callback([&inv, name] {
      inv.command = name;
    });
  };
  const std::pair<const char*, const char*> path_cmds[] = {
      {"mkdir", "create a directory"},
      {"create", "create an empty file (fails if the name exists)"},
      {"stat", "show an entry's attributes"},
      {"ls", "list a directory"},
      {"rm", "remove a file"},
      {"rmdir", "remove an empty directory"},
      {"placement", "where the DAG node of PATH's entry lives"},
  };
  for (auto& [name, what] : path_cmds)
    simple(name, what)
        ->add_option("PATH", inv.path, "absolute path")
        ->required();
  simple("shards", "per-shard counters of the whole cluster");
  simple("nodes", "the cluster's members and whether they are reachable");
  simple("health", "every node's health and readiness, each node asked itself "
                   "(the rules of /health and /ready); exit 1 unless all "
                   "are reachable, healthy and ready");
  add_config_commands(app, inv);
  add_parts_commands(app, inv);
  add_psm_commands(app, inv);
  if (auto rc = cli::parse(app, argc, argv, out, err); rc >= 0)
    return rc;
  // Checked here, not by CLI11's require_subcommand: that check runs before
  // the one of unknown flags, which would then go unnamed.
  if (inv.command.empty()) {
    auto sub = app.get_subcommands();
    std::string what =
        sub.empty() ? "a command" : sub[0]->get_name() + " needs a subcommand";
    err << "dagctl: " << (sub.empty() ? "a command is required" : what)
        << "\nRun 'dagctl --help' for more information.\n";
    return cli::usage_error;
  }
  if (auto bad = inv.check(); !bad.empty()) {
    err << "dagctl: " << bad << "\n";
    return cli::usage_error;
  }
  if (inv.if_version && inv.args.at(0) != "set") {
    err << "dagctl: --if-version goes with config set\n";
    return cli::usage_error;
  }
  return -1;
}

int run(client& cl, const invocation& inv, std::ostream& out,
        std::ostream& err) {
  if (inv.command == "shards")
    return show_shards(cl, inv, out, err);
  if (inv.command == "nodes")
    return show_nodes(cl, inv, out, err);
  if (inv.command == "health")
    return show_health(cl, inv, out, err);
  if (inv.command == "raft" && inv.shard)
    return show_group(cl, inv, out, err);
  if (inv.command == "raft")
    return show_raft(cl, inv, out, err);
  if (inv.command == "config")
    return run_config(cl, inv, out, err);
  if (inv.command == "placement")
    return show_placement(cl, inv, out, err);
  if (inv.command == "psm")
    return run_psm(cl, inv, out, err);
  if (inv.command == "move" || inv.command == "migrations" ||
      inv.command == "router")
    return run_parts(cl, inv, out, err);
  if (inv.command == "psm")
    return run_psm(cl, inv, out, err);
  auto op = path_commands.at(inv.command);
  ns_reply r;
  if (op == path_op::readdir) {
    r = cl.list(inv.path);
  } else {
    path_request req;
    req.op = op;
    req.path = inv.path;
    r = cl.call(req);
  }
  if (r.code != errc::ok)
    return fail(inv, r.code, out, err);
  show_result(inv, op, r, out);
  return 0;
}

} // namespace ds::dagctl
