#include "actors/guard/deadlines.hpp"

#include <sys/socket.h>

#include <algorithm>

namespace ds::guard {

void conn_watch::release() {
  std::lock_guard<std::mutex> guard{mtx_};
  open_ = false;
}

bool conn_watch::expire(std::chrono::steady_clock::time_point now) {
  if (greeted() || now < deadline_)
    return false;
  std::lock_guard<std::mutex> guard{mtx_};
  if (!open_)
    return false;
  open_ = false; // the stream sees end of file and closes it
  ::shutdown(fd_, SHUT_RDWR);
  return true;
}

bool conn_watch::settled() const {
  if (greeted())
    return true;
  std::lock_guard<std::mutex> guard{mtx_};
  return !open_;
}

deadline_sweeper::deadline_sweeper(
    std::chrono::milliseconds period,
    std::function<void(const conn_watch&)> on_expired)
    : period_(period), on_expired_(std::move(on_expired)),
      thread_([this] { run(); }) {}

deadline_sweeper::~deadline_sweeper() {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void deadline_sweeper::watch(std::shared_ptr<conn_watch> c) {
  std::lock_guard<std::mutex> guard{mtx_};
  conns_.push_back(std::move(c));
}

void deadline_sweeper::run() {
  std::unique_lock<std::mutex> lock{mtx_};
  while (!stop_) {
    cv_.wait_for(lock, period_);
    auto now = std::chrono::steady_clock::now();
    std::vector<std::shared_ptr<conn_watch>> expired;
    for (auto& c : conns_)
      if (c->expire(now))
        expired.push_back(c);
    conns_.erase(std::remove_if(conns_.begin(), conns_.end(),
                                [](auto& c) { return c->settled(); }),
                 conns_.end());
    lock.unlock();
    for (auto& c : expired)
      on_expired_(*c);
    lock.lock();
  }
}

} // namespace ds::guard
