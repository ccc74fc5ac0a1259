// The dagbench trace format (documented in docs/TRACES.md): a text file, one
// operation per line, tab-separated:
//   TIME_US <TAB> OP <TAB> CLIENT <TAB> PATH
// TIME_US: microseconds from the start of the workload (non-decreasing),
// OP: lookup | stat | create | delete | mkdir | readdir, CLIENT: 0..2^32-1,
// PATH: an absolute path (names may hold spaces but never a tab, which is a
// control character and so not a valid name). Lines starting with '#' are
// comments; the first line is "# dagshard trace v1".
#pragma once

#include <cstdint>
#include <iosfwd>
#include <stdexcept>
#include <string>

namespace ds::workload {

enum class op_kind : uint8_t { lookup, stat, create, remove, mkdir, readdir };

/// "lookup", "stat", "create", "delete", "mkdir", "readdir".
const char* to_string(op_kind k);
bool parse_op(const std::string& s, op_kind& out);

/// One operation of a workload.
struct event {
  int64_t time_us = 0;
  op_kind op = op_kind::lookup;
  std::string path;
  uint32_t client = 0;
  bool operator==(const event& o) const {
    return time_us == o.time_us && op == o.op && path == o.path &&
           client == o.client;
  }
};

/// A malformed trace: what() names the line number.
struct trace_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Writes the header, then one line per event.
class trace_writer {
public:
  explicit trace_writer(std::ostream& out);
  void write(const event& e);

private:
  std::ostream& out_;
};

/// Reads events in order; throws trace_error on a bad line.
class trace_reader {
public:
  explicit trace_reader(std::istream& in);
  /// The next event; false at the end.
  bool next(event& e);
  std::size_t line() const { return line_; }

private:
  std::istream& in_;
  std::size_t line_ = 0;
  int64_t last_time_ = 0;
};

} // namespace ds::workload
