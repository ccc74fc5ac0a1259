// The namespace a workload runs over: directories and files, as absolute
// paths, parents before children. Built synthetically or from a `find`
// listing of a real tree.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <stdexcept>
#include <string>
#include <vector>

namespace ds::workload {

struct shape {
  std::vector<std::string> dirs;  ///< absolute, parents first ("/" excluded)
  std::vector<std::string> files; ///< absolute
};

/// `dirs` directories /<prefix>/d0 .. under one parent, each with
/// `files_per_dir` files f0 ...
shape flat_shape(const std::string& prefix, std::size_t dirs,
                 std::size_t files_per_dir);

/// A malformed listing: what() names the line number.
struct shape_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Reads the output of `find ROOT` (one path per line, ROOT first) and maps
/// it under `prefix` (e.g. "/t"): a path is a directory if another path
/// lies below it, a file otherwise. Lines must start with ROOT; every name
/// must be valid. Throws shape_error naming the line.
shape shape_from_find(std::istream& in, const std::string& prefix);

} // namespace ds::workload
