#include "tools/dagbench/workload/trace.hpp"

#include <istream>
#include <ostream>

#include "model/enum_names.hpp"
#include "model/namespace/name.hpp"

namespace ds::workload {

namespace {

constexpr enum_names<op_kind, 6> op_names{
    {"lookup", "stat", "create", "delete", "mkdir", "readdir"}};

[[noreturn]] void bad(std::size_t line, const std::string& what) {
  throw trace_error("trace line " + std::to_string(line) + ": " + what);
}

bool parse_u64(const std::string& s, uint64_t& out) {
  if (s.empty() || s.size() > 19)
    return false;
  out = 0;
  for (char c : s) {
    if (c < '0' || c > '9')
      return false;
    out = out * 10 + static_cast<uint64_t>(c - '0');
  }
  return true;
}

} // namespace

const char* to_string(op_kind k) {
  return op_names(k);
}

bool parse_op(const std::string& s, op_kind& out) {
  return op_names.parse(s, out);
}

trace_writer::trace_writer(std::ostream& out) : out_(out) {
  out_ << "# dagshard trace v1\n";
}

void trace_writer::write(const event& e) {
  out_ << e.time_us << '\t' << to_string(e.op) << '\t' << e.client << '\t'
       << e.path << '\n';
}

trace_reader::trace_reader(std::istream& in) : in_(in) {}

bool trace_reader::next(event& e) {
  std::string text;
  while (std::getline(in_, text)) {
    ++line_;
    if (!text.empty() && text.back() == '\r')
      text.pop_back();
    if (text.empty() || text[0] == '#')
      continue;
    std::string field[4];
    std::size_t pos = 0;
    for (int f = 0; f < 3; ++f) {
      auto tab = text.find('\t', pos);
      if (tab == std::string::npos)
        bad(line_, "expected 4 tab-separated fields");
      field[f] = text.substr(pos, tab - pos);
      pos = tab + 1;
    }
    field[3] = text.substr(pos);
    uint64_t t = 0, client = 0;
    if (!parse_u64(field[0], t) || t > uint64_t(INT64_MAX))
      bad(line_, "time '" + field[0] + "' is not a number of microseconds");
    if (static_cast<int64_t>(t) < last_time_)
      bad(line_, "time goes backwards");
    op_kind op;
    if (!parse_op(field[1], op))
      bad(line_, "unknown operation '" + field[1] + "'");
    if (!parse_u64(field[2], client) || client > UINT32_MAX)
      bad(line_, "client '" + field[2] + "' is not a 32-bit number");
    std::vector<std::string> parts;
    if (field[3].empty() || field[3][0] != '/')
      bad(line_, "path must be absolute");
    if (split_path(field[3], parts) != errc::ok)
      bad(line_, "invalid path '" + field[3] + "'");
    e.time_us = static_cast<int64_t>(t);
    e.op = op;
    e.client = static_cast<uint32_t>(client);
    e.path = field[3];
    last_time_ = e.time_us;
    return true;
  }
  return false;
}

} // namespace ds::workload
