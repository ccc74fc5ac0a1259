#include "tools/dagbench/workload/shape.hpp"
#include "tools/dagbench/workload/trace.hpp"

#include <doctest/doctest.h>

#include <sstream>

using namespace ds::workload;

TEST_CASE("traces round-trip, names with spaces included") {
  std::vector<event> evs = {{0, op_kind::mkdir, "/a", 0},
                            {5, op_kind::create, "/a/my file.txt", 3},
                            {5, op_kind::stat, "/a/my file.txt", 4294967295u},
                            {90, op_kind::remove, "/a/my file.txt", 1},
                            {91, op_kind::readdir, "/a", 2},
                            {92, op_kind::lookup, "/a", 2}};
  std::stringstream s;
  trace_writer w(s);
  for (auto& e : evs)
    w.write(e);
  trace_reader r(s);
  std::vector<event> back;
  event e;
  while (r.next(e))
    back.push_back(e);
  CHECK(back == evs);
}

TEST_CASE("bad trace lines are refused with their line number") {
  auto fails = [](const std::string& text, const std::string& what) {
    std::istringstream in("# dagshard trace v1\n" + text);
    trace_reader r(in);
    event e;
    try {
      while (r.next(e)) {
      }
    } catch (const trace_error& err) {
      CAPTURE(err.what());
      CHECK(std::string(err.what()).find(what) != std::string::npos);
      return true;
    }
    return false;
  };
  CHECK(fails("1\tlookup\t0\t/a\nx\tlookup\t0\t/a\n", "line 3: time 'x'"));
  CHECK(fails("5\tlookup\t0\t/a\n4\tlookup\t0\t/a\n",
              "line 3: time goes backwards"));
  CHECK(fails("1\tfrobnicate\t0\t/a\n", "line 2: unknown operation"));
  CHECK(fails("1\tlookup\t-1\t/a\n", "line 2: client"));
  CHECK(fails("1\tlookup\t0\ta/b\n", "line 2: path must be absolute"));
  CHECK(fails("1\tlookup\t0\t/a/../b\n", "line 2: invalid path"));
  CHECK(fails("1 lookup 0 /a\n", "line 2: expected 4 tab-separated fields"));
}

TEST_CASE("a find listing becomes directories and files under a prefix") {
  std::istringstream in(
      "/home/u/proj\n/home/u/proj/src\n/home/u/proj/src/main.cpp\n"
      "/home/u/proj/README\n/home/u/proj/src/util/x.h\n");
  auto sh = shape_from_find(in, "/t");
  CHECK(sh.dirs == std::vector<std::string>{"/t", "/t/src", "/t/src/util"});
  CHECK(sh.files == std::vector<std::string>{"/t/README", "/t/src/main.cpp",
                                             "/t/src/util/x.h"});
}

TEST_CASE("bad find listings are refused with their line number") {
  auto msg = [](const std::string& text) {
    std::istringstream in(text);
    try {
      shape_from_find(in, "/t");
    } catch (const shape_error& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  CHECK(msg("/r\n/elsewhere/x\n").find("line 2") != std::string::npos);
  CHECK(msg("/r\n/r/ok\n\n").find("line 3: empty line") != std::string::npos);
  CHECK(msg("/r\n/r/a\x01b\n").find("line 2: invalid name") !=
        std::string::npos);
  CHECK(msg("").find("empty") != std::string::npos);
}
