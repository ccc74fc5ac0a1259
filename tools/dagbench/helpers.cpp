#include <stdexcept>

#include "tools/dagbench/commands.hpp"

namespace ds::bench {

uint64_t num(const args_map& a, const std::string& k, uint64_t dflt) {
  auto i = a.find(k);
  if (i == a.end())
    return dflt;
  char* end = nullptr;
  auto v = std::strtoull(i->second.c_str(), &end, 10);
  if (i->second.empty() || *end != '\0' || v == 0)
    throw std::invalid_argument("--" + k + " wants a positive integer, got '" +
                                i->second + "'");
  return v;
}

size_t dir_cache_option(const args_map& a, size_t dflt) {
  auto i = a.find("dir-cache");
  if (i == a.end())
    return dflt;
  char* end = nullptr;
  auto v = std::strtoull(i->second.c_str(), &end, 10);
  if (i->second.empty() || *end != '\0' || v > (uint64_t{1} << 24))
    throw std::invalid_argument("--dir-cache wants 0 to 16777216, got '" +
                                i->second + "'");
  return static_cast<size_t>(v);
}

bool psm_count_option(const args_map& a, bool dflt) {
  auto i = a.find("psm-count");
  if (i == a.end())
    return dflt;
  if (i->second == "true" || i->second == "1")
    return true;
  if (i->second == "false" || i->second == "0")
    return false;
  throw std::invalid_argument("--psm-count wants true or false, got '" +
                              i->second + "'");
}

/// Creates `path` and its parents as directories; returns its inode.
inode_id make_dirs(client& cl, const std::string& path) {
  std::string cur;
  size_t pos = 1;
  while (pos <= path.size()) {
    auto next = path.find('/', pos);
    if (next == std::string::npos)
      next = path.size();
    cur = path.substr(0, next);
    path_request r;
    r.op = path_op::mkdir;
    r.path = cur;
    auto rep = cl.call(r);
    if (rep.code != errc::ok && rep.code != errc::eexist)
      throw std::runtime_error("mkdir " + cur + ": " +
                               std::string{to_string(rep.code)});
    pos = next + 1;
  }
  path_request st;
  st.op = path_op::stat;
  st.path = path;
  auto rep = cl.call(st);
  if (rep.code != errc::ok || rep.a.kind != entry_kind::dir)
    throw std::runtime_error(path + " is not a directory");
  return rep.a.ino;
}

std::vector<std::vector<ns_request>> chunk(std::vector<ns_request> all,
                                           size_t batch) {
  std::vector<std::vector<ns_request>> out;
  for (size_t i = 0; i < all.size(); i += batch) {
    auto end = std::min(all.size(), i + batch);
    out.emplace_back(std::make_move_iterator(all.begin() + i),
                     std::make_move_iterator(all.begin() + end));
  }
  return out;
}

std::vector<inode_id> make_subdirs(client& cl, inode_id root, uint64_t n,
                                   uint64_t batch) {
  std::vector<ns_request> mk;
  for (uint64_t d = 0; d < n; ++d)
    mk.push_back(make_request(ns_op::mkdir, root, "d" + std::to_string(d)));
  std::vector<inode_id> inos;
  for (auto& b : chunk(std::move(mk), batch))
    for (auto& r : cl.batch(std::move(b))) {
      if (r.code != errc::ok)
        throw std::runtime_error("mkdir failed: " +
                                 std::string{to_string(r.code)});
      inos.push_back(r.a.ino);
    }
  return inos;
}

} // namespace ds::bench
