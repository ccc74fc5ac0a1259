#include "tools/dagctl/commands.hpp"

#include <algorithm>
#include <cstdlib>
#include <iomanip>
#include <iostream>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "client/reply_json.hpp"

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
    out << json{{"shards", arr}}.dump() << std::endl;
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
  return 0;
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
        << "\nsize:    " << r.a.size << "\nmtime:   " << r.a.mtime
        << " ns\nversion: " << r.a.version << "\n";
}

} // namespace

namespace {

bool parse_config_args(int argc, char** argv, int i, invocation& out,
                       std::string& err) {
  for (; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--if-version" && i + 1 < argc) {
      std::string v = argv[++i];
      if (v.empty() || v.size() > 19 ||
          v.find_first_not_of("0123456789") != std::string::npos) {
        err = "--if-version wants a version number, got '" + v + "'";
        return false;
      }
      out.if_version = std::stoull(v);
    } else if (a == "--json") {
      out.json = true;
    } else if (a == "--node" && i + 1 < argc) {
      out.node = argv[++i];
    } else if (a.rfind("--node=", 0) == 0) {
      out.node = a.substr(7);
    } else {
      out.args.push_back(a);
    }
  }
  auto n = out.args.size();
  auto sub = n > 0 ? out.args[0] : "";
  if ((sub == "set" && n == 3) || (sub == "get" && n == 2) ||
      (sub == "list" && n == 1)) {
    if (out.if_version && sub != "set") {
      err = "--if-version goes with config set";
      return false;
    }
    if (n > 1)
      out.path = out.args[1];
    return true;
  }
  err = "config wants: set KEY VALUE [--if-version N] | get KEY | list";
  return false;
}

int run_config(client& cl, const invocation& inv, std::ostream& out,
               std::ostream& err) {
  auto& sub = inv.args[0];
  if (sub == "set") {
    auto r = cl.config_set(inv.path, inv.args[2], inv.if_version);
    if (r.code != errc::ok) {
      if (r.code == errc::econflict)
        err << conflict_line(inv.path, r.version, *inv.if_version) << std::endl;
      else
        err << error_line(r.code, inv.path) << std::endl;
      return r.code == errc::eunavailable ? 2 : 1;
    }
    if (inv.json)
      out << to_json(config_entry{inv.path, inv.args[2], r.version}).dump()
          << std::endl;
    else
      out << inv.path << " = " << inv.args[2] << " (version " << r.version
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

bool parse_args(int argc, char** argv, invocation& out, std::string& err) {
  auto env = std::getenv("DAGSHARD_NODE");
  out.node = env && *env ? env : "127.0.0.1:4242";
  int i = 1;
  for (; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--json") {
      out.json = true;
    } else if (a == "--node" && i + 1 < argc) {
      out.node = argv[++i];
    } else if (a.rfind("--node=", 0) == 0) {
      out.node = a.substr(7);
    } else if ((a == "--tls-cert" || a == "--tls-key" || a == "--tls-ca") &&
               i + 1 < argc) {
      auto& dst = a == "--tls-cert"  ? out.tls_cert
                  : a == "--tls-key" ? out.tls_key
                                     : out.tls_ca;
      dst = argv[++i];
    } else if (a == "-h" || a == "--help") {
      out.command = "help";
      return true;
    } else if (!a.empty() && a[0] == '-') {
      err = "unknown option " + a;
      return false;
    } else {
      break;
    }
  }
  if (i == argc) {
    err = "no command";
    return false;
  }
  {
    int given =
        !out.tls_cert.empty() + !out.tls_key.empty() + !out.tls_ca.empty();
    if (given != 0 && given != 3) {
      err = "TLS needs all of --tls-cert, --tls-key and --tls-ca";
      return false;
    }
  }
  out.command = argv[i++];
  if (out.command == "config")
    return parse_config_args(argc, argv, i, out, err);
  if (out.command == "move" || out.command == "migrations" ||
      out.command == "router")
    return parse_parts_args(argc, argv, i, out, err);
  if (out.command == "raft") {
    if (i + 1 != argc || std::string{argv[i]} != "status") {
      err = "usage: raft status";
      return false;
    }
    out.args = {"status"};
    return true;
  }
  bool needs_path =
      path_commands.count(out.command) > 0 || out.command == "placement";
  if (!needs_path && out.command != "shards" && out.command != "nodes" &&
      out.command != "help") {
    err = "unknown command " + out.command;
    return false;
  }
  if (needs_path) {
    if (i == argc) {
      err = out.command + " needs a PATH";
      return false;
    }
    out.path = argv[i++];
  }
  if (i != argc) {
    err = std::string{"unexpected argument "} + argv[i];
    return false;
  }
  return true;
}

int run(client& cl, const invocation& inv, std::ostream& out,
        std::ostream& err) {
  if (inv.command == "shards")
    return show_shards(cl, inv, out, err);
  if (inv.command == "nodes")
    return show_nodes(cl, inv, out, err);
  if (inv.command == "raft")
    return show_raft(cl, inv, out, err);
  if (inv.command == "config")
    return run_config(cl, inv, out, err);
  if (inv.command == "placement")
    return show_placement(cl, inv, out, err);
  if (inv.command == "move" || inv.command == "migrations" ||
      inv.command == "router")
    return run_parts(cl, inv, out, err);
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
