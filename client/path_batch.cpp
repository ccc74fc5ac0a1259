#include "client/path_batch.hpp"

#include <string>
#include <unordered_map>

#include "model/namespace/name.hpp"

namespace ds {

namespace {

ns_reply answer(errc code) {
  ns_reply r;
  r.code = code;
  return r;
}

/// The state of one run: the parents resolved so far and the requests
/// waiting to be sent.
class path_batcher {
public:
  path_batcher(const std::vector<path_request>& reqs, const path_batch_io& io,
               size_t chunk, size_t window)
      : reqs_(reqs), io_(io), chunk_(chunk), window_(window),
        out_(reqs.size()) {
    dirs_["/"] = root_ino;
  }

  std::vector<ns_reply> run() {
    for (size_t i = 0; i < reqs_.size(); ++i)
      add(i);
    flush();
    return std::move(out_);
  }

private:
  void add(size_t i) {
    const auto& req = reqs_[i];
    std::vector<std::string> parts;
    if (auto err = split_path(req.path, parts); err != errc::ok) {
      out_[i] = answer(err);
      return;
    }
    if (parts.empty() || !batchable(req.op)) {
      flush(); // keeps the order of everything sent before
      out_[i] = io_.send_path(req);
      if (req.op == path_op::rmdir && out_[i].code == errc::ok)
        forget(req.path);
      return;
    }
    auto parent = parent_of(req.path, parts.back());
    // A parent touched by a waiting request is known only after its answer.
    if (touched_.count(parent) > 0 || dirs_.count(parent) == 0)
      flush();
    auto dir = resolve(parent);
    if (dir.code != errc::ok) {
      out_[i] = dir;
      return;
    }
    auto r = make_request(to_ns_op(req.op), dir.a.ino, parts.back());
    r.mode = req.mode;
    bool full = pending_.empty() || pending_.back().size() >= chunk_;
    // A batch applies its requests in order, but batches in flight
    // together may pass each other.
    auto earlier = touched_.find(req.path);
    if (earlier != touched_.end() &&
        (full || earlier->second + 1 != pending_.size()))
      flush();
    if (pending_.empty() || pending_.back().size() >= chunk_) {
      if (pending_.size() == window_)
        flush();
      pending_.emplace_back();
    }
    pending_.back().push_back(std::move(r));
    index_.push_back(i);
    touched_[req.path] = pending_.size() - 1;
  }

  static bool batchable(path_op op) {
    return op == path_op::stat || op == path_op::create ||
           op == path_op::mkdir || op == path_op::unlink;
  }

  static ns_op to_ns_op(path_op op) {
    switch (op) {
    case path_op::create:
      return ns_op::create;
    case path_op::mkdir:
      return ns_op::mkdir;
    case path_op::unlink:
      return ns_op::unlink;
    default:
      return ns_op::lookup;
    }
  }

  static std::string parent_of(const std::string& path,
                               const std::string& name) {
    auto p = path.substr(0, path.size() - name.size() - 1);
    return p.empty() ? "/" : p;
  }

  /// The parent's inode (in `a.ino`), or why it cannot be had.
  ns_reply resolve(const std::string& parent) {
    if (auto it = dirs_.find(parent); it != dirs_.end()) {
      ns_reply r;
      r.a.ino = it->second;
      return r;
    }
    path_request st;
    st.op = path_op::stat;
    st.path = parent;
    auto r = io_.send_path(st);
    if (r.code == errc::ok && r.a.kind != entry_kind::dir)
      return answer(errc::enotdir);
    if (r.code == errc::ok)
      dirs_[parent] = r.a.ino;
    return r;
  }

  /// Drops the removed directory and everything cached below it.
  void forget(const std::string& path) {
    auto prefix = path + "/";
    for (auto it = dirs_.begin(); it != dirs_.end();)
      it = it->first == path || it->first.rfind(prefix, 0) == 0
               ? dirs_.erase(it)
               : std::next(it);
  }

  /// Sends every waiting batch together and takes in their answers.
  void flush() {
    if (pending_.empty())
      return;
    std::vector<size_t> sizes;
    for (auto& b : pending_)
      sizes.push_back(b.size());
    auto answers = io_.send_batches(std::move(pending_));
    size_t k = 0;
    for (size_t b = 0; b < sizes.size(); ++b) {
      bool whole = b < answers.size() && answers[b].size() == sizes[b];
      for (size_t j = 0; j < sizes[b]; ++j, ++k)
        take(index_[k],
             whole ? std::move(answers[b][j]) : answer(errc::eunavailable));
    }
    pending_.clear();
    index_.clear();
    touched_.clear();
  }

  void take(size_t i, ns_reply rep) {
    const auto& req = reqs_[i];
    bool is_dir = rep.code == errc::ok && rep.a.kind == entry_kind::dir &&
                  (req.op == path_op::mkdir || req.op == path_op::stat);
    if (is_dir)
      dirs_[req.path] = rep.a.ino;
    out_[i] = std::move(rep);
  }

  const std::vector<path_request>& reqs_;
  const path_batch_io& io_;
  size_t chunk_;
  size_t window_;
  std::vector<ns_reply> out_;
  std::unordered_map<std::string, inode_id> dirs_; ///< resolved directories
  std::vector<std::vector<ns_request>> pending_;   ///< batches not yet sent
  std::vector<size_t> index_; ///< the k-th waiting request is reqs_[index_[k]]
  /// Paths of waiting requests -> the batch of the last one.
  std::unordered_map<std::string, size_t> touched_;
};

} // namespace

std::vector<ns_reply> run_path_batch(const std::vector<path_request>& reqs,
                                     const path_batch_io& io, size_t chunk,
                                     size_t window) {
  return path_batcher{reqs, io, chunk, window}.run();
}

} // namespace ds
