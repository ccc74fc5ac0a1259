// The access logs of `dagctl psm import`: CSV and dagbench traces, and a
// bad line refused with its number.
#include "tools/dagctl/psm_log.hpp"

#include <doctest/doctest.h>

#include <sstream>

using namespace ds;
using namespace ds::dagctl;

namespace {

access_log read(const std::string& text) {
  std::istringstream in{text};
  return read_access_log(in);
}

std::string error_of(const std::string& text) {
  try {
    read(text);
  } catch (const log_error& e) {
    return e.what();
  }
  return "";
}

} // namespace

TEST_CASE("a CSV log: header, comments, each operation") {
  auto log = read("# exported from the file server\n"
                  "time,operation,path\n"
                  "1700000000.5,stat,/home/a,b\n"
                  "\n"
                  "1700000001,create,/top\n"
                  "1700000002,delete,/home/x\n"
                  "1700000003,readdir,/home\r\n"
                  "1700000004,readdir,/\n");
  CHECK_FALSE(log.relative);
  REQUIRE(log.accesses.size() == 5);
  auto& a = log.accesses[0];
  CHECK(a.time == 1700000000.5);
  CHECK(a.op == access::op::lookup);
  CHECK(a.dir == "/home");
  CHECK(a.name == "a,b"); // the path is the rest of the line
  CHECK(log.accesses[1].dir == "/");
  CHECK(log.accesses[1].name == "top");
  CHECK(log.accesses[1].op == access::op::create);
  CHECK(log.accesses[2].op == access::op::remove);
  CHECK(log.accesses[3].op == access::op::readdir);
  CHECK(log.accesses[3].dir == "/home");
  CHECK(log.accesses[3].name.empty());
  CHECK(log.accesses[4].dir == "/");
}

TEST_CASE("a bad CSV line is refused with its number") {
  CHECK(error_of("time,operation,path\n1,stat,/a\n2,touch,/b\n") ==
        "line 3: unknown operation 'touch'");
  CHECK(error_of("1,stat,/a\nsoon,stat,/b\n") ==
        "line 2: time 'soon' is not a number of seconds since the epoch");
  CHECK(error_of("-1,stat,/a\n") ==
        "line 1: time '-1' is not a number of seconds since the epoch");
  CHECK(error_of("1,stat\n") == "line 1: expected TIME,OPERATION,PATH");
  CHECK(error_of("1,stat,a/b\n") == "line 1: path 'a/b' is not absolute");
  CHECK(error_of("1,stat,/a//b\n") == "line 1: invalid path '/a//b'");
  CHECK(error_of("1,create,/\n") == "line 1: '/' names no entry");
  // The header only goes first.
  CHECK(error_of("1,stat,/a\ntime,operation,path\n") ==
        "line 2: time 'time' is not a number of seconds since the epoch");
}

TEST_CASE("a dagbench trace: times from its start, operations mapped") {
  auto log = read("# dagshard trace v1\n"
                  "0\tmkdir\t0\t/p\n"
                  "1500000\tstat\t3\t/p/n\n"
                  "2000000\treaddir\t1\t/p\n");
  CHECK(log.relative);
  REQUIRE(log.accesses.size() == 3);
  CHECK(log.accesses[0].op == access::op::create);
  CHECK(log.accesses[1].time == 1.5);
  CHECK(log.accesses[1].dir == "/p");
  CHECK(log.accesses[1].name == "n");
  CHECK(log.accesses[2].op == access::op::readdir);
  CHECK(error_of("# dagshard trace v1\n5\tstat\t0\t/a\n4\tstat\t0\t/a\n") ==
        "line 3: time goes backwards");
}
