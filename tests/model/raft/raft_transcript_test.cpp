// Runs every transcript in tests/model/raft/testdata/ (the format and the
// commands are described in transcript.hpp) and compares each command's
// output with the expected output written under it.
//
// RAFT_REWRITE=1 rewrites the expected output of every file with what the
// commands give now, instead of comparing: for a new file (write the
// commands, each followed by "----" and a blank line) or after a change of
// the core's behaviour. Read the resulting diff before committing it.
#include "tests/model/raft/transcript.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>

using namespace ds::raft;

namespace {

std::string read_all(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Runs every command of `f` on a fresh interpreter; their outputs in order.
std::vector<std::string> run_all(const transcript::file& f) {
  transcript::interpreter it;
  std::vector<std::string> out;
  for (auto& b : f.blocks)
    out.push_back(it.run(b.command));
  return out;
}

} // namespace

TEST_CASE("every raft transcript gives the output written in it") {
  const std::filesystem::path dir = DS_RAFT_TESTDATA;
  std::vector<std::filesystem::path> files;
  for (auto& e : std::filesystem::directory_iterator(dir))
    if (e.path().extension() == ".txt")
      files.push_back(e.path());
  std::sort(files.begin(), files.end());
  REQUIRE(files.size() >= 6);
  const char* rewrite = std::getenv("RAFT_REWRITE");
  for (auto& path : files) {
    auto f = transcript::parse(read_all(path));
    auto out = run_all(f);
    if (rewrite && std::string(rewrite) == "1") {
      std::ofstream(path, std::ios::binary) << transcript::render(f, out);
      continue;
    }
    for (std::size_t i = 0; i < f.blocks.size(); ++i) {
      INFO(path.filename().string()
           << ":" << f.blocks[i].line << ": " << f.blocks[i].command);
      CHECK(out[i] == f.blocks[i].expected);
    }
    // No transcript may break an invariant, whatever its output says.
    CHECK(std::none_of(out.begin(), out.end(), [](const std::string& s) {
      return s.find("violation:") != std::string::npos;
    }));
  }
}

TEST_CASE("a transcript whose output differs is noticed, and rendering "
          "keeps the comments") {
  std::string text = "# three nodes\n"
                     "add-nodes 3\n"
                     "----\n"
                     "1: leader\n"
                     "\n"
                     "# the end\n";
  auto f = transcript::parse(text);
  REQUIRE(f.blocks.size() == 1);
  CHECK(f.blocks[0].line == 2);
  CHECK(f.blocks[0].before == "# three nodes\n");
  CHECK(f.tail == "# the end\n");
  auto out = run_all(f);
  CHECK(out[0] != f.blocks[0].expected); // the nodes start as followers
  auto again = transcript::parse(transcript::render(f, out));
  CHECK(again.blocks[0].expected == out[0]);
  CHECK(again.tail == f.tail);
  CHECK_THROWS_AS(transcript::parse("status\nno separator\n"),
                  std::invalid_argument);
}

TEST_CASE("bad transcript commands answer an error and change nothing") {
  transcript::interpreter it;
  CHECK(it.run("status") == "error: no group yet: add-nodes first\n");
  auto fresh = it.run("add-nodes 3");
  CHECK(it.run("add-nodes 2") == "error: the group exists already\n");
  CHECK(it.run("frobnicate") == "error: unknown command 'frobnicate'\n");
  CHECK(it.run("campaign 4").rfind("error: a node id must be", 0) == 0);
  CHECK(it.run("deliver 1->2 votes") ==
        "error: unknown message type 'votes'\n");
  CHECK(it.run("tick 1 0").rfind("error: COUNT must be", 0) == 0);
  CHECK(it.run("crash 2 later").rfind("error: a crash point", 0) == 0);
  CHECK(it.run("status") == fresh); // nothing changed
}
