// The guard's handshake deadline: a connection that has not sent a
// well-formed client handshake within the node's handshake-timeout is shut
// down, so that idle or slow connections cannot hold the node's file
// descriptors (and the memory a claimed payload took) for ever. A thread of
// its own sweeps the open connections; it never closes a descriptor, it
// only shuts the socket down, and only while the connection's stream still
// owns it (see conn_watch), so a descriptor number reused by a later
// connection is never touched.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace ds::guard {

/// What the sweeper knows of one accepted connection. The stream sets
/// `greeted` after the handshake and calls release() before its socket is
/// closed.
class conn_watch {
public:
  conn_watch(int fd, std::string peer,
             std::chrono::steady_clock::time_point deadline)
      : fd_(fd), peer_(std::move(peer)), deadline_(deadline) {}

  void set_greeted() { greeted_.store(true, std::memory_order_relaxed); }
  bool greeted() const { return greeted_.load(std::memory_order_relaxed); }
  /// The socket is about to be closed: never touch it again.
  void release();
  /// Shuts the socket down if it is still open and not greeted by `now`.
  /// Returns true if it did.
  bool expire(std::chrono::steady_clock::time_point now);
  /// Done with: greeted, released, or expired.
  bool settled() const;
  const std::string& peer() const { return peer_; }

private:
  int fd_;
  std::string peer_;
  std::chrono::steady_clock::time_point deadline_;
  std::atomic<bool> greeted_{false};
  mutable std::mutex mtx_;
  bool open_ = true; ///< guarded by mtx_
};

/// Sweeps the watched connections every `period` until destroyed.
class deadline_sweeper {
public:
  /// `on_expired` runs (on the sweeper's thread) for each connection shut
  /// down for missing its deadline.
  deadline_sweeper(std::chrono::milliseconds period,
                   std::function<void(const conn_watch&)> on_expired);
  ~deadline_sweeper();
  deadline_sweeper(const deadline_sweeper&) = delete;
  deadline_sweeper& operator=(const deadline_sweeper&) = delete;

  void watch(std::shared_ptr<conn_watch> c);

private:
  void run();

  std::chrono::milliseconds period_;
  std::function<void(const conn_watch&)> on_expired_;
  std::mutex mtx_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::vector<std::shared_ptr<conn_watch>> conns_;
  std::thread thread_; ///< last: starts after everything above exists
};

} // namespace ds::guard
