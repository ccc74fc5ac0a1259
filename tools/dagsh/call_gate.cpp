#include "tools/dagsh/call_gate.hpp"

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace ds::dagsh {

std::atomic<bool> interrupted{false};

namespace {

/// How often a waiting caller looks at `interrupted`.
constexpr auto poll_interval = std::chrono::milliseconds(20);

} // namespace

/// One thread and the job it runs; shared with the thread, so that an
/// abandoned worker can finish its job after the gate let go of it.
struct call_gate::worker {
  std::mutex m;
  std::condition_variable cv;
  std::function<void()> job;
  bool busy = false;
  bool quit = false;

  void loop() {
    std::unique_lock<std::mutex> lock{m};
    while (true) {
      cv.wait(lock, [this] { return quit || job; });
      if (!job)
        return;
      auto f = std::move(job);
      job = nullptr;
      lock.unlock();
      f();
      lock.lock();
      busy = false;
      cv.notify_all();
      if (quit)
        return;
    }
  }
};

call_gate::call_gate() = default;

call_gate::~call_gate() {
  if (!worker_)
    return;
  std::lock_guard<std::mutex> lock{worker_->m};
  worker_->quit = true;
  worker_->cv.notify_all();
}

bool call_gate::run_on_worker(std::function<void()> job) {
  if (!worker_) {
    worker_ = std::make_shared<worker>();
    std::thread([w = worker_] { w->loop(); }).detach();
  }
  auto w = worker_;
  std::unique_lock<std::mutex> lock{w->m};
  w->job = std::move(job);
  w->busy = true;
  w->cv.notify_all();
  while (w->busy) {
    if (interrupted.load()) {
      // Leave the call to its deadline on this worker; the next call gets
      // a fresh one.
      w->quit = true;
      worker_.reset();
      return false;
    }
    w->cv.wait_for(lock, poll_interval);
  }
  return true;
}

bool interruptible_sleep(double seconds) {
  auto until = std::chrono::steady_clock::now() +
               std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                   std::chrono::duration<double>(seconds));
  while (std::chrono::steady_clock::now() < until) {
    if (interrupted.load())
      return false;
    auto left = until - std::chrono::steady_clock::now();
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
        left, std::chrono::milliseconds(20)));
  }
  return true;
}

} // namespace ds::dagsh
