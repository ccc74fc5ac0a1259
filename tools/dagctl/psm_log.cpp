#include "tools/dagctl/psm_log.hpp"

#include <cmath>
#include <cstdlib>
#include <istream>
#include <sstream>

#include "model/namespace/name.hpp"
#include "tools/dagbench/workload/trace.hpp"

namespace ds::dagctl {

namespace {

[[noreturn]] void bad(std::size_t line, const std::string& why) {
  throw log_error("line " + std::to_string(line) + ": " + why);
}

// "" if `path` is a valid path for `o`, else why not; splits it.
std::string split_access(const std::string& path, access::op o,
                         log_access& a) {
  std::vector<std::string> parts;
  if (path.empty() || path[0] != '/')
    return "path '" + path + "' is not absolute";
  if (split_path(path, parts) != errc::ok)
    return "invalid path '" + path + "'";
  if (o != access::op::readdir && parts.empty())
    return "'/' names no entry";
  a.op = o;
  a.name = o == access::op::readdir ? "" : parts.back();
  if (o != access::op::readdir)
    parts.pop_back();
  a.dir.clear();
  for (auto& p : parts)
    a.dir += "/" + p;
  if (a.dir.empty())
    a.dir = "/";
  return {};
}

bool parse_op(const std::string& s, access::op& o) {
  if (s == "lookup" || s == "stat")
    o = access::op::lookup;
  else if (s == "create" || s == "mkdir")
    o = access::op::create;
  else if (s == "delete" || s == "unlink")
    o = access::op::remove;
  else if (s == "readdir")
    o = access::op::readdir;
  else
    return false;
  return true;
}

access_log read_trace(std::istream& in) {
  access_log out;
  out.relative = true;
  workload::trace_reader r{in};
  workload::event e;
  try {
    while (r.next(e)) {
      log_access a;
      a.time = static_cast<double>(e.time_us) / 1e6;
      access::op o;
      parse_op(workload::to_string(e.op), o); // the reader checked it
      if (auto why = split_access(e.path, o, a); !why.empty())
        bad(r.line(), why);
      out.accesses.push_back(std::move(a));
    }
  } catch (const workload::trace_error& err) {
    // "trace line N: why" -> "line N: why"
    std::string what = err.what();
    throw log_error(what.rfind("trace ", 0) == 0 ? what.substr(6) : what);
  }
  return out;
}

log_access csv_line(const std::string& s, std::size_t line) {
  auto c1 = s.find(',');
  auto c2 = c1 == std::string::npos ? c1 : s.find(',', c1 + 1);
  if (c2 == std::string::npos)
    bad(line, "expected TIME,OPERATION,PATH");
  auto t = s.substr(0, c1);
  char* end = nullptr;
  double time = std::strtod(t.c_str(), &end);
  if (t.empty() || *end != '\0' || !std::isfinite(time) || time < 0)
    bad(line, "time '" + t + "' is not a number of seconds since the epoch");
  access::op o;
  auto name = s.substr(c1 + 1, c2 - c1 - 1);
  if (!parse_op(name, o))
    bad(line, "unknown operation '" + name + "'");
  log_access a;
  a.time = time;
  if (auto why = split_access(s.substr(c2 + 1), o, a); !why.empty())
    bad(line, why);
  return a;
}

} // namespace

access_log read_access_log(std::istream& in) {
  std::string first;
  if (!std::getline(in, first))
    return {};
  if (first == "# dagshard trace v1") {
    std::stringstream rest;
    rest << first << "\n" << in.rdbuf();
    return read_trace(rest);
  }
  access_log out;
  std::size_t line = 1;
  bool data = false; // a line other than a comment was seen
  for (auto s = first;; ++line) {
    if (!s.empty() && s.back() == '\r')
      s.pop_back();
    if (!s.empty() && s[0] != '#') {
      if (!data && s == "time,operation,path")
        data = true; // the optional header
      else
        out.accesses.push_back(csv_line(s, line)), data = true;
    }
    if (!std::getline(in, s))
      break;
  }
  return out;
}

} // namespace ds::dagctl
