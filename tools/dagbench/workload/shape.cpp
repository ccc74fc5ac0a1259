#include "tools/dagbench/workload/shape.hpp"

#include <algorithm>
#include <istream>
#include <set>

#include "model/namespace/name.hpp"

namespace ds::workload {

shape flat_shape(const std::string& prefix, std::size_t dirs,
                 std::size_t files_per_dir) {
  shape s;
  s.dirs.push_back(prefix);
  for (std::size_t d = 0; d < dirs; ++d) {
    std::string dir = prefix + "/d" + std::to_string(d);
    s.dirs.push_back(dir);
    for (std::size_t f = 0; f < files_per_dir; ++f)
      s.files.push_back(dir + "/f" + std::to_string(f));
  }
  return s;
}

shape shape_from_find(std::istream& in, const std::string& prefix) {
  std::string root, line;
  std::vector<std::string> rel; // paths relative to root, "" for root
  std::size_t n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (!line.empty() && line.back() == '\r')
      line.pop_back();
    if (line.empty())
      throw shape_error("find listing line " + std::to_string(n) +
                        ": empty line");
    if (root.empty()) {
      root = line;
      while (root.size() > 1 && root.back() == '/')
        root.pop_back();
      rel.emplace_back();
      continue;
    }
    std::string base = root == "/" ? "/" : root + "/";
    if (line.compare(0, base.size(), base) != 0)
      throw shape_error("find listing line " + std::to_string(n) + ": '" +
                        line + "' is not below " + root);
    std::string r = line.substr(base.size());
    while (!r.empty() && r.back() == '/')
      r.pop_back();
    std::size_t start = 0;
    while (start <= r.size()) {
      auto slash = r.find('/', start);
      auto name = r.substr(start, slash == std::string::npos ? std::string::npos
                                                             : slash - start);
      if (validate_name(name) != errc::ok)
        throw shape_error("find listing line " + std::to_string(n) +
                          ": invalid name '" + name + "'");
      if (slash == std::string::npos)
        break;
      start = slash + 1;
    }
    rel.push_back(r);
  }
  if (root.empty())
    throw shape_error("find listing is empty");
  // A path with something below it is a directory.
  std::set<std::string> parents;
  for (auto& r : rel)
    for (auto p = r.find('/'); p != std::string::npos; p = r.find('/', p + 1))
      parents.insert(r.substr(0, p));
  shape s;
  s.dirs.push_back(prefix);
  std::set<std::string> all(rel.begin(), rel.end());
  all.insert(parents.begin(), parents.end()); // directories only implied
  std::vector<std::string> sorted(all.begin(), all.end());
  std::sort(sorted.begin(), sorted.end(),
            [](const std::string& a, const std::string& b) {
              auto da = std::count(a.begin(), a.end(), '/');
              auto db = std::count(b.begin(), b.end(), '/');
              return da != db ? da < db : a < b;
            });
  for (auto& r : sorted) {
    if (r.empty())
      continue;
    std::string path = prefix + "/" + r;
    if (parents.count(r))
      s.dirs.push_back(path);
    else
      s.files.push_back(path);
  }
  return s;
}

} // namespace ds::workload
