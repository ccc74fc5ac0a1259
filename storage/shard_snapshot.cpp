// Snapshots of a shard store in chunks: the defaults of shard_store, which
// hold a snapshot whole in memory (the memory store's). The SQLite store
// reads and stages them a chunk at a time (storage/sqlite_shard_store.cpp).
#include <utility>

#include "storage/batch_codec.hpp"
#include "storage/shard_store.hpp"

namespace ds {

namespace {

/// Hands out a whole loaded state in pieces.
class loaded_reader : public snapshot_reader {
public:
  explicit loaded_reader(loaded_shard l)
      : applied_(l.applied), whole_(whole_batch(std::move(l))) {}

  uint64_t applied() const override { return applied_; }

  bool next(std::size_t bytes, commit_batch& out) override {
    if (chunks_.empty() && !cut_) {
      chunks_ = split_commit_batch(whole_, bytes);
      whole_ = commit_batch{};
      cut_ = true;
    }
    out = commit_batch{};
    if (at_ == chunks_.size())
      return false;
    out = decode_commit_batch(chunks_[at_]);
    chunks_[at_++].clear();
    return true;
  }

private:
  uint64_t applied_;
  commit_batch whole_;
  std::vector<std::string> chunks_;
  std::size_t at_ = 0;
  bool cut_ = false;
};

} // namespace

std::unique_ptr<snapshot_reader> shard_store::read_snapshot() {
  return std::make_unique<loaded_reader>(load());
}

void shard_store::begin_staging() {
  staged_ = commit_batch{};
}

void shard_store::stage(commit_batch chunk) {
  append_commit_batch(staged_, std::move(chunk));
}

void shard_store::install_staged(uint64_t applied) {
  commit_batch whole = std::move(staged_);
  staged_ = commit_batch{};
  install(whole, applied);
}

void shard_store::drop_staged() {
  staged_ = commit_batch{};
}

} // namespace ds
