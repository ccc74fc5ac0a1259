#include "client/path_batch.hpp"

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "model/namespace/name.hpp"

namespace ds {

namespace {

ns_reply answer(errc code) {
  ns_reply r;
  r.code = code;
  return r;
}

/// The state of one run: the parents resolved so far, the batch being
/// filled and the batches in flight.
class path_batcher {
public:
  path_batcher(const std::vector<path_request>& reqs, const path_batch_io& io,
               const path_answer_fn& each, size_t chunk, size_t window)
      : reqs_(reqs), io_(io), each_(each), chunk_(chunk), window_(window),
        out_(reqs.size()), known_(reqs.size(), false) {
    dirs_["/"] = root_ino;
    cur_.reserve(chunk_);
  }

  void run() {
    for (size_t i = 0; i < reqs_.size(); ++i) {
      add(i);
      hand_out();
    }
    drain();
    hand_out();
  }

private:
  /// A batch sent and not yet answered: its number and, per request, the
  /// index of the request in reqs_.
  struct in_flight {
    uint64_t seq;
    std::vector<size_t> index;
  };

  void add(size_t i) {
    const auto& req = reqs_[i];
    std::string_view name;
    inode_id dir = 0;
    if (batchable(req.op) && below_last_parent(req.path, name)) {
      dir = last_parent_ino_;
    } else {
      if (auto err = split_path(req.path, parts_); err != errc::ok) {
        known(i, answer(err));
        return;
      }
      if (parts_.empty() || !batchable(req.op)) {
        drain(); // keeps the order of everything sent before
        auto r = io_.send_path(req);
        last_parent_ok_ = false;
        if (req.op == path_op::rmdir && r.code == errc::ok)
          forget(req.path);
        known(i, std::move(r));
        return;
      }
      name = parts_.back();
      auto parent = parent_ino(parent_of(req.path, name));
      if (parent.code != errc::ok) {
        known(i, std::move(parent));
        return;
      }
      dir = parent.a.ino;
    }
    auto r = make_request(to_ns_op(req.op), dir, std::string{name});
    r.mode = req.mode;
    // A batch applies its requests in order, but batches in flight
    // together may pass each other.
    std::string_view path = req.path;
    if (auto earlier = touched(path); earlier && *earlier != cur_seq_)
      settle(*earlier);
    if (last_parent_ok_ && path == last_parent_)
      last_parent_ok_ = false; // its children wait for this request
    cur_.push_back(std::move(r));
    cur_index_.push_back(i);
    touched_[path] = cur_seq_;
    if (cur_.size() >= chunk_)
      send();
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

  /// True, with its last component in `name`, if `path` names a valid
  /// entry directly in the last parent: then split_path would accept it
  /// (the parent's components were checked when it became the last parent,
  /// and the depth is that of the path that made it so), and only the name
  /// needs checking.
  bool below_last_parent(std::string_view path, std::string_view& name) const {
    if (!last_parent_ok_ || path.size() > max_path_bytes)
      return false;
    // "/" + name in the root, "/a" + "/" + name elsewhere
    auto skip = last_parent_.size() == 1 ? 1 : last_parent_.size() + 1;
    if (path.size() <= skip || path[skip - 1] != '/' ||
        path.compare(0, last_parent_.size(), last_parent_) != 0)
      return false;
    name = path.substr(skip);
    return validate_name(name) == errc::ok;
  }

  static std::string_view parent_of(std::string_view path,
                                    std::string_view name) {
    auto p = path.substr(0, path.size() - name.size() - 1);
    return p.empty() ? std::string_view{"/"} : p;
  }

  /// The inode of `parent` (in `a.ino`) once every request before that
  /// could change what it names has answered, or why it cannot be had.
  /// The last parent is remembered: a run of requests in one directory
  /// looks it up once.
  ns_reply parent_ino(std::string_view parent) {
    ns_reply r;
    if (last_parent_ok_ && parent == last_parent_) {
      r.a.ino = last_parent_ino_;
      return r;
    }
    // A parent touched by a waiting request is known only after its answer.
    if (auto earlier = touched(parent))
      settle(*earlier);
    std::string p{parent};
    // An unknown parent is asked for by path, which must not pass a
    // request in flight on one of its ancestors.
    if (dirs_.count(p) == 0)
      drain();
    r = resolve(p);
    if (r.code == errc::ok) {
      last_parent_ = std::move(p);
      last_parent_ino_ = r.a.ino;
      last_parent_ok_ = true;
    }
    return r;
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
    last_parent_ok_ = false;
    auto prefix = path + "/";
    for (auto it = dirs_.begin(); it != dirs_.end();)
      it = it->first == path || it->first.rfind(prefix, 0) == 0
               ? dirs_.erase(it)
               : std::next(it);
  }

  /// The batch of the last waiting request on `path`, if one waits.
  std::optional<uint64_t> touched(std::string_view path) const {
    auto it = touched_.find(path);
    if (it == touched_.end())
      return std::nullopt;
    return it->second;
  }

  /// Sends the batch being filled; first takes in the oldest answer if
  /// the window is full.
  void send() {
    if (cur_.empty())
      return;
    if (flying_.size() >= window_)
      receive();
    io_.send_batch(std::move(cur_));
    flying_.push_back({cur_seq_++, std::move(cur_index_)});
    cur_.clear();
    cur_.reserve(chunk_);
    cur_index_.clear();
  }

  /// Takes in the answer of the oldest batch in flight.
  void receive() {
    auto b = std::move(flying_.front());
    flying_.pop_front();
    auto answers = io_.receive_batch();
    bool whole = answers.size() == b.index.size();
    for (size_t j = 0; j < b.index.size(); ++j) {
      auto i = b.index[j];
      auto it = touched_.find(reqs_[i].path);
      if (it != touched_.end() && it->second == b.seq)
        touched_.erase(it);
      take(i, whole ? std::move(answers[j]) : answer(errc::eunavailable));
    }
  }

  /// Waits until batch `seq` and every batch before it have answered.
  void settle(uint64_t seq) {
    if (seq == cur_seq_)
      send();
    while (!flying_.empty() && flying_.front().seq <= seq)
      receive();
  }

  /// Sends the batch being filled and takes in every answer.
  void drain() {
    send();
    while (!flying_.empty())
      receive();
  }

  void take(size_t i, ns_reply rep) {
    const auto& req = reqs_[i];
    bool is_dir = rep.code == errc::ok && rep.a.kind == entry_kind::dir &&
                  (req.op == path_op::mkdir || req.op == path_op::stat);
    if (is_dir)
      dirs_[req.path] = rep.a.ino;
    known(i, std::move(rep));
  }

  void known(size_t i, ns_reply rep) {
    out_[i] = std::move(rep);
    known_[i] = true;
  }

  /// Hands out the answers known without a gap after those handed out.
  void hand_out() {
    for (; next_ < out_.size() && known_[next_]; ++next_) {
      each_(next_, out_[next_]);
      out_[next_] = ns_reply{}; // what each_ left of it is not needed
    }
  }

  const std::vector<path_request>& reqs_;
  const path_batch_io& io_;
  const path_answer_fn& each_;
  size_t chunk_;
  size_t window_;
  std::vector<ns_reply> out_; ///< answers known, not yet handed out
  std::vector<bool> known_;   ///< whether out_[i] is known
  size_t next_ = 0;           ///< the first answer not handed out
  std::unordered_map<std::string, inode_id> dirs_; ///< resolved directories
  std::vector<std::string> parts_; ///< the request's path, split (reused)
  /// The parent of the last request queued, while it needs no new look.
  std::string last_parent_;
  inode_id last_parent_ino_ = 0;
  bool last_parent_ok_ = false;
  std::vector<ns_request> cur_;   ///< the batch being filled
  std::vector<size_t> cur_index_; ///< its requests' indexes in reqs_
  uint64_t cur_seq_ = 0;          ///< its number
  std::deque<in_flight> flying_;  ///< oldest first
  /// Paths of waiting requests (views of reqs_) -> the batch of the last
  /// one; an entry goes when that batch answers.
  std::unordered_map<std::string_view, uint64_t> touched_;
};

} // namespace

void run_path_batch(const std::vector<path_request>& reqs,
                    const path_batch_io& io, const path_answer_fn& each,
                    size_t chunk, size_t window) {
  path_batcher{reqs, io, each, chunk, window}.run();
}

std::vector<ns_reply> run_path_batch(const std::vector<path_request>& reqs,
                                     const path_batch_io& io, size_t chunk,
                                     size_t window) {
  std::vector<ns_reply> out(reqs.size());
  run_path_batch(
      reqs, io, [&out](size_t i, ns_reply& r) { out[i] = std::move(r); }, chunk,
      window);
  return out;
}

} // namespace ds
