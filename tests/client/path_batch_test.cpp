// The client's path batches: parents resolved once, requests sent as few
// handle-addressed batches as the order allows, answers in order. Runs
// against a small namespace in memory that counts the messages it gets.
#include <doctest/doctest.h>

#include <algorithm>
#include <deque>
#include <map>

#include "client/path_batch.hpp"
#include "model/namespace/name.hpp"

using namespace ds;

namespace {

/// A namespace in memory standing in for a node.
struct fake_node {
  std::map<std::pair<inode_id, std::string>, attrs> entries;
  inode_id next_ino = 2;
  std::vector<size_t> batches;    ///< size of each batch received
  std::vector<size_t> rounds;     ///< batches in flight at each receive
  std::vector<std::string> paths; ///< "op path" of each path request

  ns_reply apply(const ns_request& r) {
    ns_reply out;
    auto key = std::make_pair(r.dir, r.name);
    auto it = entries.find(key);
    switch (r.op) {
    case ns_op::lookup:
      if (it == entries.end())
        out.code = errc::enoent;
      else
        out.a = it->second;
      return out;
    case ns_op::create:
    case ns_op::mkdir:
      if (it != entries.end()) {
        out.code = errc::eexist;
        return out;
      }
      out.a.ino = next_ino++;
      out.a.kind = r.op == ns_op::mkdir ? entry_kind::dir : entry_kind::file;
      entries[key] = out.a;
      return out;
    case ns_op::unlink:
      if (it == entries.end())
        out.code = errc::enoent;
      else if (it->second.kind == entry_kind::dir)
        out.code = errc::eisdir;
      else
        entries.erase(it);
      return out;
    default:
      out.code = errc::einval;
      return out;
    }
  }

  ns_reply walk(const std::string& path, bool remove_dir) {
    std::vector<std::string> parts;
    split_path(path, parts);
    inode_id dir = root_ino;
    ns_reply r;
    r.a.ino = root_ino;
    r.a.kind = entry_kind::dir;
    for (size_t i = 0; i < parts.size(); ++i) {
      if (r.a.kind != entry_kind::dir) {
        r.code = errc::enotdir;
        return r;
      }
      dir = r.a.ino;
      r = apply(make_request(ns_op::lookup, dir, parts[i]));
      if (r.code != errc::ok)
        return r;
    }
    if (remove_dir) {
      for (auto& [k, v] : entries)
        if (k.first == r.a.ino) {
          r.code = errc::enotempty;
          return r;
        }
      entries.erase({dir, parts.back()});
    }
    return r;
  }

  /// Batches sent and not yet received, oldest first.
  std::deque<path_batch_io::batch> flying;
  std::deque<path_batch_io::answers> answered;
  size_t max_flying = 0; ///< most batches in flight at once

  /// Applies every batch in flight, the newest first: batches in flight
  /// together may be applied in any order, and the batcher must not
  /// depend on one.
  void apply_flying() {
    auto done = answered.size();
    std::vector<path_batch_io::answers> fresh(flying.size() - done);
    for (size_t k = flying.size(); k-- > done;)
      for (auto& r : flying[k])
        fresh[k - done].push_back(apply(r));
    for (auto& a : fresh)
      answered.push_back(std::move(a));
  }

  path_batch_io io() {
    path_batch_io x;
    x.send_batch = [this](path_batch_io::batch b) {
      batches.push_back(b.size());
      flying.push_back(std::move(b));
      max_flying = std::max(max_flying, flying.size());
    };
    x.receive_batch = [this] {
      REQUIRE(!flying.empty());
      rounds.push_back(flying.size());
      apply_flying();
      auto out = std::move(answered.front());
      answered.pop_front();
      flying.pop_front();
      return out;
    };
    x.send_path = [this](const path_request& r) {
      paths.push_back(std::string{to_string(r.op)} + " " + r.path);
      return walk(r.path, r.op == path_op::rmdir);
    };
    return x;
  }
};

path_request req(path_op op, std::string path) {
  path_request r;
  r.op = op;
  r.path = std::move(path);
  return r;
}

std::vector<errc> codes(const std::vector<ns_reply>& xs) {
  std::vector<errc> out;
  for (auto& x : xs)
    out.push_back(x.code);
  return out;
}

} // namespace

TEST_CASE("creates in one known directory go as one batch") {
  fake_node node;
  std::vector<path_request> reqs;
  for (int i = 0; i < 100; ++i)
    reqs.push_back(req(path_op::create, "/f" + std::to_string(i)));
  auto io = node.io();
  auto out = run_path_batch(reqs, io);
  REQUIRE(out.size() == 100);
  for (auto& r : out)
    CHECK(r.code == errc::ok);
  CHECK(node.batches == std::vector<size_t>{100});
  CHECK(node.paths.empty());
  CHECK(node.entries.size() == 100);
}

TEST_CASE("a directory made in the batch is used by the requests after it") {
  fake_node node;
  auto io = node.io();
  auto out =
      run_path_batch({req(path_op::mkdir, "/a"), req(path_op::create, "/a/x"),
                      req(path_op::create, "/a/y"), req(path_op::stat, "/a/x")},
                     io);
  CHECK(codes(out) == std::vector<errc>(4, errc::ok));
  CHECK(out[3].a.ino == out[1].a.ino);
  // The mkdir's answer names /a: no stat of it.
  CHECK(node.batches == std::vector<size_t>{1, 3});
  CHECK(node.paths.empty());
}

TEST_CASE("an existing parent is resolved once per batch") {
  fake_node node;
  auto io = node.io();
  run_path_batch({req(path_op::mkdir, "/d")}, io);
  node.batches.clear();
  auto out = run_path_batch({req(path_op::create, "/d/1"),
                             req(path_op::create, "/d/2"),
                             req(path_op::unlink, "/d/1")},
                            io);
  CHECK(codes(out) == std::vector<errc>(3, errc::ok));
  CHECK(node.paths == std::vector<std::string>{"stat /d"});
  CHECK(node.batches == std::vector<size_t>{3});
}

TEST_CASE("errors answer in place and change nothing else") {
  fake_node node;
  auto io = node.io();
  auto out = run_path_batch(
      {req(path_op::create, "/file"), req(path_op::create, "/nope/x"),
       req(path_op::create, "/file/x"), req(path_op::create, "relative"),
       req(path_op::create, "/file"), req(path_op::unlink, "/missing"),
       req(path_op::create, "/ok")},
      io);
  CHECK(codes(out) == std::vector<errc>{errc::ok, errc::enoent, errc::enotdir,
                                        errc::einval, errc::eexist,
                                        errc::enoent, errc::ok});
  CHECK(node.entries.size() == 2);
}

TEST_CASE("large batches are cut into chunks, in order") {
  fake_node node;
  auto io = node.io();
  std::vector<path_request> reqs;
  for (int i = 0; i < 5; ++i)
    reqs.push_back(req(path_op::create, "/f" + std::to_string(i)));
  reqs.push_back(req(path_op::unlink, "/f0"));
  reqs.push_back(req(path_op::create, "/f0"));
  auto out = run_path_batch(reqs, io, 2, 2);
  CHECK(codes(out) == std::vector<errc>(7, errc::ok));
  // At most two batches in flight. The rm of /f0 waits for the answer of
  // its create's batch, then joins /f4's batch; the create after it waits
  // for that batch's answer.
  CHECK(node.batches == std::vector<size_t>{2, 2, 2, 1});
  CHECK(node.rounds == std::vector<size_t>{2, 2, 1, 1});
  CHECK(node.max_flying == 2);
  CHECK(node.entries.size() == 5);
}

TEST_CASE("paths in the last parent are checked as split_path checks them") {
  fake_node node;
  auto io = node.io();
  auto out = run_path_batch(
      {req(path_op::mkdir, "/d"), req(path_op::create, "/d/x"),
       req(path_op::create, "/d/"), req(path_op::create, "/d/.."),
       req(path_op::create, "/d/" + std::string(256, 'n')),
       req(path_op::create, "/d//y"), req(path_op::create, "/dd/y"),
       req(path_op::create, "/d/x/y"), req(path_op::create, "/d/y"),
       req(path_op::create, "/y"),
       req(path_op::create, "/d/" + std::string(4094, 'n'))},
      io);
  CHECK(codes(out) == std::vector<errc>{errc::ok, errc::ok, errc::einval,
                                        errc::einval, errc::enametoolong,
                                        errc::einval, errc::enoent,
                                        errc::enotdir, errc::ok, errc::ok,
                                        errc::enametoolong});
  CHECK(node.entries.size() == 4);
}

TEST_CASE("a batch larger than the window answers every request in order") {
  fake_node node;
  auto io = node.io();
  std::vector<path_request> reqs;
  std::vector<errc> want;
  for (int i = 0; i < 30; ++i) {
    auto f = "/f" + std::to_string(i);
    reqs.push_back(req(path_op::create, f));
    want.push_back(errc::ok);
    if (i % 3 == 0) { // refused by the node, in the same batches
      reqs.push_back(req(path_op::unlink, "/missing" + std::to_string(i)));
      want.push_back(errc::enoent);
    }
    if (i % 5 == 0) { // refused before sending
      reqs.push_back(req(path_op::create, "no-slash"));
      want.push_back(errc::einval);
    }
    if (i % 7 == 6) { // an earlier path again, likely in a batch in flight
      reqs.push_back(req(path_op::create, "/f" + std::to_string(i - 5)));
      want.push_back(errc::eexist);
      reqs.push_back(req(path_op::unlink, "/f" + std::to_string(i - 4)));
      want.push_back(errc::ok);
      reqs.push_back(req(path_op::stat, "/f" + std::to_string(i - 4)));
      want.push_back(errc::enoent);
      reqs.push_back(req(path_op::create, "/f" + std::to_string(i - 4)));
      want.push_back(errc::ok);
    }
  }
  auto out = run_path_batch(reqs, io, 4, 3);
  REQUIRE(out.size() == reqs.size());
  CHECK(codes(out) == want);
  for (size_t i = 0; i < reqs.size(); ++i)
    if (want[i] == errc::ok)
      CHECK(out[i].a.kind == entry_kind::file);
  CHECK(node.max_flying == 3);
  CHECK(node.entries.size() == 30);
  CHECK(node.flying.empty());
}

TEST_CASE("a lost batch answers its requests EUNAVAILABLE, the others theirs") {
  fake_node node;
  auto io = node.io();
  size_t received = 0;
  auto real = io.receive_batch;
  io.receive_batch = [&] {
    auto out = real();
    if (++received == 2)
      out.clear(); // the second batch's answer never came
    return out;
  };
  std::vector<path_request> reqs;
  for (int i = 0; i < 6; ++i)
    reqs.push_back(req(path_op::create, "/f" + std::to_string(i)));
  auto out = run_path_batch(reqs, io, 2, 2);
  CHECK(codes(out) == std::vector<errc>{errc::ok, errc::ok, errc::eunavailable,
                                        errc::eunavailable, errc::ok,
                                        errc::ok});
}

TEST_CASE("answers are handed out in order while later batches fly") {
  fake_node node;
  auto io = node.io();
  std::vector<path_request> reqs;
  for (int i = 0; i < 10; ++i) {
    reqs.push_back(req(path_op::create, "/f" + std::to_string(i)));
    if (i == 4)
      reqs.push_back(req(path_op::create, "bad")); // known at once
  }
  std::vector<size_t> order;
  std::vector<errc> got;
  std::vector<size_t> sent_then; // batches sent when each was handed out
  run_path_batch(
      reqs, io,
      [&](size_t i, ns_reply& r) {
        order.push_back(i);
        got.push_back(r.code);
        sent_then.push_back(node.batches.size());
      },
      2, 2);
  std::vector<size_t> all(reqs.size());
  for (size_t i = 0; i < all.size(); ++i)
    all[i] = i;
  CHECK(order == all);
  auto want = std::vector<errc>(reqs.size(), errc::ok);
  want[5] = errc::einval;
  CHECK(got == want);
  // The first answers went out before the last batch was sent.
  CHECK(sent_then.front() < node.batches.size());
}

TEST_CASE("rmdir goes alone and forgets the directory") {
  fake_node node;
  auto io = node.io();
  auto out = run_path_batch(
      {req(path_op::mkdir, "/a"), req(path_op::mkdir, "/a/b"),
       req(path_op::rmdir, "/a/b"), req(path_op::create, "/a/b/x"),
       req(path_op::rmdir, "/a"), req(path_op::create, "/a/y")},
      io);
  CHECK(codes(out) == std::vector<errc>{errc::ok, errc::ok, errc::ok,
                                        errc::enoent, errc::ok, errc::enoent});
  CHECK(node.entries.empty());
}

TEST_CASE("a lost node answers every waiting request EUNAVAILABLE") {
  fake_node node;
  auto io = node.io();
  io.receive_batch = [&node] {
    node.flying.pop_front();
    return path_batch_io::answers{};
  };
  auto out = run_path_batch(
      {req(path_op::create, "/a"), req(path_op::create, "/b")}, io);
  CHECK(codes(out) == std::vector<errc>(2, errc::eunavailable));
}
