// Random path operations through the gateway, compared step by step with a
// reference tree; seeded, on the deterministic test coordinator.
#include "tests/actors/fixture.hpp"

#include <cstdlib>
#include <map>
#include <random>
#include <set>

using namespace ds;
using namespace ds::test;

namespace {

/// The reference: path -> is a directory. The root is implicit.
struct tree {
  std::map<std::string, bool> nodes;

  static std::string parent(const std::string& p) {
    auto i = p.rfind('/');
    return i == 0 ? "/" : p.substr(0, i);
  }
  bool is_dir(const std::string& p) const {
    if (p == "/")
      return true;
    auto i = nodes.find(p);
    return i != nodes.end() && i->second;
  }
  bool exists(const std::string& p) const {
    return p == "/" || nodes.count(p) > 0;
  }
  /// The error POSIX gives for reaching `p`'s parent, or ok.
  errc parent_error(const std::string& p) const {
    // Walk the ancestors from the top: the first missing one gives ENOENT,
    // the first non-directory ENOTDIR.
    std::string cur;
    size_t pos = 1;
    auto par = parent(p);
    if (par == "/")
      return errc::ok;
    while (pos <= par.size()) {
      auto next = par.find('/', pos);
      cur = par.substr(0, next == std::string::npos ? par.size() : next);
      if (!exists(cur))
        return errc::enoent;
      if (!is_dir(cur))
        return errc::enotdir;
      if (next == std::string::npos)
        break;
      pos = next + 1;
    }
    return errc::ok;
  }
  std::vector<std::string> children(const std::string& d) const {
    std::vector<std::string> out;
    for (auto& [p, dir] : nodes)
      if (parent(p) == d)
        out.push_back(p.substr(p.rfind('/') + 1));
    return out;
  }
  errc outcome(path_op op, const std::string& p) const {
    if (auto e = parent_error(p); e != errc::ok)
      return e;
    bool there = exists(p);
    switch (op) {
    case path_op::stat:
      return there ? errc::ok : errc::enoent;
    case path_op::create:
    case path_op::mkdir:
      return there ? errc::eexist : errc::ok;
    case path_op::unlink:
      return !there ? errc::enoent : is_dir(p) ? errc::eisdir : errc::ok;
    case path_op::rmdir:
      if (!there)
        return errc::enoent;
      if (!is_dir(p))
        return errc::enotdir;
      return children(p).empty() ? errc::ok : errc::enotempty;
    case path_op::readdir:
      return !there ? errc::enoent : !is_dir(p) ? errc::enotdir : errc::ok;
    default:
      return errc::einval;
    }
  }
  void apply(path_op op, const std::string& p) {
    if (op == path_op::create || op == path_op::mkdir)
      nodes[p] = op == path_op::mkdir;
    else if (op == path_op::unlink || op == path_op::rmdir)
      nodes.erase(p);
  }
};

} // namespace

TEST_CASE_FIXTURE(node_fixture,
                  "random path operations match a reference tree") {
  // Ten seeds by default, each in a directory of its own; DAGSHARD_SEED=N
  // replays exactly one.
  auto env = std::getenv("DAGSHARD_SEED");
  uint64_t first = env ? std::strtoull(env, nullptr, 10) : 42;
  uint64_t rounds = env ? 1 : 10;
  const char* names[] = {"a", "b", "c", "d"};
  const path_op ops[] = {path_op::mkdir,  path_op::mkdir,  path_op::create,
                         path_op::stat,   path_op::unlink, path_op::rmdir,
                         path_op::readdir};
  for (auto seed = first; seed < first + rounds; ++seed) {
    INFO("replay with DAGSHARD_SEED=" << seed);
    auto base = "/round" + std::to_string(seed);
    REQUIRE(path(path_op::mkdir, base).code == errc::ok);
    std::mt19937_64 rng{seed};
    tree ref;
    auto random_path = [&] {
      std::string p;
      auto depth = 1 + rng() % 4;
      for (uint64_t i = 0; i < depth; ++i)
        p += std::string{"/"} + names[rng() % 4];
      return p;
    };
    for (int step = 0; step < 1500; ++step) {
      auto op = ops[rng() % 7];
      auto p = random_path();
      CAPTURE(step);
      CAPTURE(p);
      auto want = ref.outcome(op, p);
      auto got = path(op, base + p);
      REQUIRE(to_string(got.code) == to_string(want));
      if (got.code != errc::ok)
        continue;
      ref.apply(op, p);
      if (op == path_op::stat)
        CHECK(got.a.kind ==
              (ref.is_dir(p) ? entry_kind::dir : entry_kind::file));
      if (op == path_op::readdir) {
        std::set<std::string> seen;
        for (auto& e : got.entries)
          seen.insert(e.name);
        auto kids = ref.children(p);
        CHECK(seen == std::set<std::string>(kids.begin(), kids.end()));
      }
    }
  }
  // Every shard's DAGs are still sound.
  for (auto& c : cores)
    CHECK(c->check() == "");
}
