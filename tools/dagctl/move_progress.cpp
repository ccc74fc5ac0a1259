#include "tools/dagctl/move_progress.hpp"

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace ds::dagctl {

std::string move_status(const migration_record& m) {
  std::string out =
      "migration " + std::to_string(m.id) + " " + to_string(m.state);
  if (m.state == migration_record::committed)
    out += " at placement epoch " + std::to_string(m.epoch);
  out += ", " + std::to_string(m.entries) +
         (m.state == migration_record::committed ? " entries moved"
                                                 : " entries copied");
  return out + ", driver renewals " + std::to_string(m.progress);
}

struct move_watch::shared {
  client cl;
  inode_id dir;
  hash_range range;
  cli::progress& bar;
  uint64_t before = 0; ///< the highest migration id before the move
  std::mutex mtx;
  std::condition_variable cv;
  bool stop = false;
  bool seen = false; ///< the move's record was found
  std::thread poller;

  shared(client c, inode_id d, hash_range r, cli::progress& b)
      : cl(std::move(c)), dir(d), range(r), bar(b) {}

  /// Shows the move's record, once it is there. Reads only the records
  /// begun since the move started (a few), not the whole history.
  void show() {
    errc code = errc::ok;
    auto page = cl.migrations(migration_query{before, 0, false}, code);
    for (auto& m : page.records)
      if (m.dir == dir && m.range == range) {
        seen = true;
        bar.status(move_status(m));
      }
  }

  void poll() {
    std::unique_lock<std::mutex> lock{mtx};
    while (!cv.wait_for(lock, std::chrono::milliseconds(250),
                        [this] { return stop; }))
      show(); // under the lock: finish() waits for the poll under way
  }
};

move_watch::move_watch(client cl, inode_id dir, hash_range range,
                       cli::progress& bar) {
  if (!bar.active())
    return;
  cl.set_timeout(std::chrono::seconds(2)); // a poll never holds up the end
  auto s = std::make_shared<shared>(cl, dir, range, bar);
  errc code = errc::ok;
  // Ids are never reused: every id the move can get is at or above next_id.
  auto page = cl.migrations(migration_query{~uint64_t{0}, 1, false}, code);
  if (code != errc::ok)
    return; // the move itself will say what is wrong
  s->before = page.next_id - 1;
  s_ = s;
  s_->poller = std::thread([s] { s->poll(); });
}

void move_watch::finish(const std::string& outcome) {
  if (!s_)
    return;
  {
    std::lock_guard<std::mutex> guard{s_->mtx};
    s_->stop = true;
  }
  s_->cv.notify_all();
  s_->poller.join();
  s_->show();    // its final state: committed or aborted
  if (!s_->seen) // refused before it began (EEXIST, EBUSY, ...)
    s_->bar.status(outcome);
  s_->bar.finish();
  s_.reset();
}

move_watch::~move_watch() {
  finish("ended");
}

} // namespace ds::dagctl
