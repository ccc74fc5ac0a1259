// Transcript tests of path resolution over parts of directories: a router
// made of the pure pieces (path walk, directory-lookup cache, choice of a
// shard, readdir cut) over shard cores, driven by the commands of the files
// in testdata/paths/. DAGSHARD_REWRITE=1 writes the outputs back.
//
//   shards n=4 [list-capacity=4] [cache=0]   a fresh namespace
//   trace on|off                             print every shard request
//   mkdir|create|stat|unlink|rmdir|locate PATH
//   readdir PATH [max=N] [cookie=next]       next: the previous page's end
//   fill DIR n=N                             create DIR/f0 .. f(N-1)
//   move DIR BITS:INDEX to=SHARD [push]      move a part (push: this router
//                                            learns the new placement)
//   router PATH                              the walk as another router,
//                                            with a cache of its own, runs
//   ops                                      shard operations per shard
//   cache                                    the cache's counters
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <sstream>

#include "model/meta/placement.hpp"
#include "model/meta/route.hpp"
#include "model/namespace/ns_shard.hpp"
#include "model/namespace/path_walk.hpp"
#include "tests/support/datadriven.hpp"

using namespace ds;
using datadriven::arg;
using datadriven::test_case;

namespace {

std::string ino_text(inode_id ino) {
  if (ino == root_ino)
    return "root";
  return "s" + std::to_string((ino >> 44) - 1) + "." +
         std::to_string(ino & ((uint64_t{1} << 44) - 1));
}

std::string hex(uint64_t x) {
  std::ostringstream o;
  o << std::hex << x;
  return o.str();
}

/// What one router knows: its placement cache and directory cache.
struct router_view {
  std::map<inode_id, dir_placement> placed;
  std::unique_ptr<dir_cache> dirs;
};

struct sim {
  std::vector<std::unique_ptr<ns_shard>> shards;
  hash_ring ring{1};
  std::map<inode_id, dir_placement> truth; ///< the metadata store's map
  router_view views[2];                    ///< this router, another one
  int cur = 0;                             ///< the router walking now
  uint64_t migrations = 0;
  uint64_t epoch = 0;
  bool trace = false;
  std::string cookie; ///< the last readdir page's end
  std::ostringstream out;

  void reset(uint32_t n, uint32_t list_capacity, size_t cache) {
    ns_shard_config cfg;
    cfg.dag.list_capacity = list_capacity;
    shards.clear();
    for (uint32_t i = 0; i < n; ++i)
      shards.push_back(std::make_unique<ns_shard>(i, cfg));
    ring = hash_ring{n};
    truth.clear();
    for (auto& v : views) {
      v.placed.clear();
      v.dirs = std::make_unique<dir_cache>(cache);
    }
    migrations = epoch = 0;
  }

  ns_reply apply(uint32_t s, const ns_request& r) {
    bool wait = false;
    auto rep = shards[s]->apply(r, 1000, wait);
    if (shards[s]->dirty()) { // every change is durable at once
      shards[s]->take_changes();
      shards[s]->committed();
    }
    return rep;
  }

  void show(uint32_t s, const ns_request& r, const ns_reply& rep) {
    if (!trace)
      return;
    out << "  shard " << s << ": " << to_string(r.op) << " " << ino_text(r.dir);
    if (!r.name.empty())
      out << " \"" << r.name << "\"";
    if (r.op == ns_op::readdir)
      out << " until=" << hex(r.until);
    if (r.cached)
      out << " (cached)";
    out << " -> " << to_string(rep.code);
    if (rep.code == errc::ok && r.op == ns_op::lookup)
      out << " " << (rep.a.kind == entry_kind::dir ? "dir " : "file ")
          << ino_text(rep.a.ino);
    if (rep.code == errc::ewrongshard)
      out << " epoch=" << rep.epoch;
    out << "\n";
  }

  /// Sends `r` to the shard the router's placement names, refreshing it
  /// from the metadata map on EWRONGSHARD.
  ns_reply send(ns_request r) {
    auto& placed = views[cur].placed;
    uint64_t limit = r.until;
    for (int attempt = 0;; ++attempt) {
      auto q = r;
      auto i = placed.find(q.dir);
      auto s = choose_shard(q, i == placed.end() ? nullptr : &i->second,
                            ring.home(q.dir), limit);
      auto rep = apply(s, q);
      show(s, q, rep);
      if (rep.code == errc::ewrongshard && attempt < 3) {
        placed[q.dir] = truth[q.dir];
        if (trace)
          out << "  placement of " << ino_text(q.dir) << " read: epoch "
              << truth[q.dir].epoch << "\n";
        continue;
      }
      continue_at_cut(q, limit, rep);
      return rep;
    }
  }

  ns_reply walk(path_request req) {
    path_job j;
    ns_reply rep;
    if (start_walk(std::move(req), j, rep))
      return rep;
    auto& cache = *views[cur].dirs;
    for (;;) {
      use_cache(j, cache);
      rep = send(next_request(j));
      if (advance(j, rep, &cache))
        return final_answer(j, rep);
    }
  }

  void print(path_op op, const ns_reply& rep) {
    out << to_string(rep.code);
    if (rep.code != errc::ok) {
      out << "\n";
      return;
    }
    if (op == path_op::readdir) {
      out << " " << rep.entries.size() << " entries"
          << (rep.eof ? ", eof" : ", more") << ":";
      for (auto& e : rep.entries)
        out << " " << e.name;
      out << "\n";
      return;
    }
    if (op == path_op::locate) {
      out << " dir " << ino_text(rep.a.ino) << " node " << rep.node << "\n";
      return;
    }
    out << " " << (rep.a.kind == entry_kind::dir ? "dir " : "file ")
        << ino_text(rep.a.ino) << "\n";
  }

  std::string run(const test_case& c);
  std::string path_cmd(const test_case& c, path_op op);
  std::string move(const test_case& c);
};

bool path_op_of(const std::string& cmd, path_op& op) {
  static const std::map<std::string, path_op> ops = {
      {"mkdir", path_op::mkdir},   {"create", path_op::create},
      {"stat", path_op::stat},     {"unlink", path_op::unlink},
      {"rmdir", path_op::rmdir},   {"readdir", path_op::readdir},
      {"locate", path_op::locate},
  };
  auto i = ops.find(cmd);
  if (i == ops.end())
    return false;
  op = i->second;
  return true;
}

std::string sim::path_cmd(const test_case& c, path_op op) {
  path_request req;
  req.op = op;
  req.path = c.args.empty() ? "" : c.args[0];
  req.max_entries = static_cast<uint32_t>(std::stoul(arg(c, "max", "0")));
  if (arg(c, "cookie") == "next")
    req.cookie = cookie;
  auto rep = walk(req);
  if (op == path_op::readdir)
    cookie = rep.cookie;
  print(op, rep);
  return out.str();
}

std::string sim::move(const test_case& c) {
  auto dir = walk(path_request{path_op::stat, c.args.at(0), 0, {}, 0});
  auto part = c.args.at(1);
  auto colon = part.find(':');
  auto bits = std::stoul(part.substr(0, colon));
  auto index = std::stoull(part.substr(colon + 1));
  auto to = static_cast<uint32_t>(std::stoul(arg(c, "to")));
  uint64_t span = bits == 0 ? ~uint64_t{0} : (~uint64_t{0} >> bits);
  hash_range r{bits == 0 ? 0 : index << (64 - bits), 0};
  r.hi = r.lo + span;
  auto d = dir.a.ino;
  auto home = ring.home(d);
  auto& p = truth[d];
  p.dir = d;
  auto from = holder_of(&p, r.lo, home);
  auto id = ++migrations;
  auto& src = *shards[from];
  auto& dst = *shards[to];
  auto e = src.begin_export(d, r, id);
  if (e != errc::ok)
    return std::string{to_string(e)} + "\n";
  REQUIRE(dst.import(d, r, id, src.part_entries(d, r)) == errc::ok);
  p.epoch = ++epoch;
  REQUIRE(src.release(d, r, id, to, p.epoch) == errc::ok);
  REQUIRE(dst.activate(d, r, id, p.epoch) == errc::ok);
  p.parts.push_back({r, to, p.epoch});
  std::sort(p.parts.begin(), p.parts.end(),
            [](auto& x, auto& y) { return x.range.lo < y.range.lo; });
  for (auto s : {from, to})
    if (shards[s]->dirty()) {
      shards[s]->take_changes();
      shards[s]->committed();
    }
  if (std::find(c.args.begin(), c.args.end(), "push") != c.args.end())
    views[cur].placed[d] = p;
  out << "moved " << hex(r.lo) << ".." << hex(r.hi) << " of " << ino_text(d)
      << " from shard " << from << " to " << to << " at epoch " << p.epoch
      << "\n";
  return out.str();
}

std::string sim::run(const test_case& c) {
  out.str("");
  path_op op;
  if (c.cmd == "shards") {
    reset(static_cast<uint32_t>(std::stoul(arg(c, "n", "4"))),
          static_cast<uint32_t>(std::stoul(arg(c, "list-capacity", "4"))),
          std::stoul(arg(c, "cache", "0")));
    return "ok\n";
  }
  if (c.cmd == "trace") {
    trace = c.args.at(0) == "on";
    return "ok\n";
  }
  if (path_op_of(c.cmd, op))
    return path_cmd(c, op);
  if (c.cmd == "router") { // the other router walks, then this one again
    cur = 1;
    path_op_of(c.args.at(0), op);
    test_case inner = c;
    inner.args.erase(inner.args.begin());
    path_cmd(inner, op);
    cur = 0;
    return out.str();
  }
  if (c.cmd == "fill") {
    auto n = std::stoul(arg(c, "n"));
    bool trace_was = trace;
    trace = false;
    size_t ok = 0;
    for (size_t i = 0; i < n; ++i)
      ok += walk(path_request{path_op::create,
                              c.args.at(0) + "/f" + std::to_string(i),
                              0,
                              {},
                              0})
                .code == errc::ok;
    trace = trace_was;
    return "created " + std::to_string(ok) + "\n";
  }
  if (c.cmd == "move")
    return move(c);
  if (c.cmd == "ops") {
    for (size_t i = 0; i < shards.size(); ++i)
      out << "shard " << i << ": " << shards[i]->stats().ops << "\n";
    return out.str();
  }
  if (c.cmd == "cache") {
    auto s = views[cur].dirs->stats();
    out << "hits " << s.hits << ", misses " << s.misses << ", stale " << s.stale
        << ", evictions " << s.evictions << ", entries " << s.entries << "\n";
    return out.str();
  }
  return "unknown command " + c.cmd + "\n";
}

void run_transcript(const std::string& name) {
  sim s;
  s.reset(4, 4, 0);
  auto bad = datadriven::run_file(std::string{DS_TESTDATA} + "/paths/" + name,
                                  [&](const test_case& c) { return s.run(c); });
  for (auto& m : bad) {
    INFO(m.pos << ": " << m.input << "\nexpected:\n"
               << m.expected << "\nactual:\n"
               << m.actual);
    CHECK(m.expected == m.actual);
  }
}

} // namespace

TEST_CASE("transcript: path resolution over parts of directories") {
  run_transcript("parts.txt");
}

TEST_CASE("transcript: path resolution through a directory-lookup cache") {
  run_transcript("dir_cache.txt");
}
