// The access logs `dagctl psm import` reads: a dagbench trace
// (docs/TRACES.md) or a CSV of timestamped accesses (README.md):
//   TIME,OPERATION,PATH
// TIME: seconds since the epoch (may be fractional); OPERATION: lookup,
// stat, create, mkdir, delete, unlink or readdir; PATH: an absolute path
// (everything after the second comma, so names may hold commas). Lines
// starting with '#' and empty lines are skipped; the first other line may
// be the header "time,operation,path".
#pragma once

#include <cstdint>
#include <iosfwd>
#include <stdexcept>
#include <string>
#include <vector>

#include "psm/access/counters.hpp"

namespace ds::dagctl {

/// One access of a log.
struct log_access {
  double time = 0; ///< seconds: since the epoch (CSV) or the trace's start
  access::op op = access::op::lookup;
  std::string dir;  ///< the directory's path
  std::string name; ///< the name in it; empty for a readdir
};

struct access_log {
  std::vector<log_access> accesses; ///< in file order
  bool relative = false;            ///< a trace: times from its start
};

/// A malformed log: what() is "line N: why".
struct log_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Reads a whole log (a trace if its first line is "# dagshard trace v1",
/// else CSV); throws log_error at the first bad line.
access_log read_access_log(std::istream& in);

} // namespace ds::dagctl
