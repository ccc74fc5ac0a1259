#include "model/namespace/client_check.hpp"

#include <algorithm>

namespace ds {

std::string check_client_batch(const std::vector<ns_request>& reqs) {
  std::size_t entries = 0;
  for (std::size_t i = 0; i < reqs.size(); ++i) {
    auto& r = reqs[i];
    if (!client_op(r.op))
      return "request " + std::to_string(i) + ": " + to_string(r.op) +
             " is an internal operation (use the path's rmdir)";
    if (r.op != ns_op::readdir)
      continue;
    auto page = r.max_entries == 0 ? 1024u : r.max_entries;
    entries += std::min<std::size_t>(page, max_readdir_page);
    if (entries > max_batch_readdir_entries)
      return "request " + std::to_string(i) + ": the batch's readdirs ask " +
             "for more than " + std::to_string(max_batch_readdir_entries) +
             " entries in all";
  }
  return {};
}

} // namespace ds
