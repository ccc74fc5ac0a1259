// A fresh, empty folder under /tmp for one test, removed afterwards.
#pragma once

#include <cstdlib>
#include <string>

namespace ds::test {

struct temp_dir {
  std::string path;
  temp_dir() {
    char tmpl[] = "/tmp/dagshard-test-XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~temp_dir() { std::system(("rm -rf '" + path + "'").c_str()); }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  std::string file(const std::string& name) const { return path + "/" + name; }
};

} // namespace ds::test
